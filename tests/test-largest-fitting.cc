/*
 * LargestFitting (bisection) against the scan down it replaced, on every
 * monotone predicate of small ranges, and FitDitherLadder against the old
 * scan on real bit counts over a sweep of budgets.
 */
#include "dqsg-compressor.h"
#include "largest-fitting.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

using namespace wfl;

namespace
{

/// The replaced search: down from hi, the first q that fits; lo - 1 if none.
template <typename Fits>
int32_t
ScanDown(int32_t lo, int32_t hi, Fits fits)
{
    for (int32_t q = hi; q >= lo; --q)
    {
        if (fits(q))
        {
            return q;
        }
    }
    return lo - 1;
}

/// FitDitherLadder's first stage as it was: the scan down from `levels`.
bool
ScanLadder(const std::vector<size_t>& sizes, double budget, int32_t& levels, size_t& bucket)
{
    const auto fits = [&](int32_t q, size_t b) { return BucketedRawBits(sizes, b, DitherAlphabet(q)) <= budget; };
    const int32_t q = ScanDown(0, levels, [&](int32_t c) { return fits(c, bucket); });
    if (q >= 0)
    {
        levels = q;
        return true;
    }
    const size_t largest = *std::max_element(sizes.begin(), sizes.end());
    for (size_t b = bucket; b < largest;)
    {
        b = std::min(largest, 2 * b);
        if (fits(0, b))
        {
            levels = 0;
            bucket = b;
            return true;
        }
    }
    return false;
}

} // namespace

TEST(LargestFitting, EqualsTheScanDownOnEveryThresholdOfSmallRanges)
{
    // fits(q) = q <= t for every threshold t around and inside [lo, hi]:
    // every monotone predicate on the range. Break tried: mid rounded down
    // (lo + (hi - lo) / 2) loops forever on hi = lo + 1; returning hi when
    // fits(lo) fails is caught by t < lo.
    for (int32_t lo = -2; lo <= 3; ++lo)
    {
        for (int32_t hi = lo - 1; hi <= lo + 40; ++hi)
        {
            for (int32_t t = lo - 2; t <= hi + 2; ++t)
            {
                int calls = 0;
                const auto fits = [&](int32_t q) {
                    ++calls;
                    return q <= t;
                };
                EXPECT_EQ(LargestFitting(lo, hi, fits), ScanDown(lo, hi, [&](int32_t q) { return q <= t; }))
                    << "lo " << lo << " hi " << hi << " t " << t;
                int bound = 2;
                for (int32_t n = hi - lo + 1; n > 1; n = (n + 1) / 2)
                {
                    ++bound;
                }
                EXPECT_LE(calls, bound) << "lo " << lo << " hi " << hi << " t " << t;
            }
        }
    }
}

TEST(LargestFitting, DitherLadderEqualsTheOldScanOnRealBitCounts)
{
    // The CNN's tensor sizes (D = 61,706) and the MLP's, every budget from 0
    // to 40 bits a coordinate in steps that cross many levels' boundaries,
    // with the sweeps' levels 32767 and bucket 512, and smaller settings.
    const std::vector<std::vector<size_t>> models{{150, 6, 2400, 16, 30720, 120, 10080, 84, 840, 10},
                                                  {156800, 200, 2000, 10},
                                                  {7}};
    for (const auto& sizes : models)
    {
        size_t dim = 0;
        for (size_t n : sizes)
        {
            dim += n;
        }
        for (int32_t levels : {0, 1, 3, 127, 32767})
        {
            for (size_t bucket : {size_t{1}, size_t{64}, size_t{512}})
            {
                for (double perCoordinate = 0.0; perCoordinate <= 40.0; perCoordinate += 0.23)
                {
                    const double budget = perCoordinate * static_cast<double>(dim);
                    int32_t q1 = levels;
                    int32_t q2 = levels;
                    size_t b1 = bucket;
                    size_t b2 = bucket;
                    const bool fit1 = FitDitherLadder(sizes, budget, q1, b1);
                    const bool fit2 = ScanLadder(sizes, budget, q2, b2);
                    ASSERT_EQ(fit1, fit2) << budget;
                    if (fit1)
                    {
                        ASSERT_EQ(q1, q2) << "budget " << budget << " levels " << levels << " bucket " << bucket;
                        ASSERT_EQ(b1, b2) << budget;
                    }
                }
            }
        }
    }
}
