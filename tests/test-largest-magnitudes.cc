// LargestMagnitudes (model/numeric/largest-magnitudes.h) against a brute-force
// reference: sort every index by (|x| descending, index ascending), keep the
// first k, sort them. Exact equality for inputs built to stress the radix
// selection: many ties (values on a coarse grid), every entry in one top-11-bit
// bin, k at the edges (1, n), zeros, infinities, and NaN (counted as largest).

#include "largest-magnitudes.h"
#include "random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

using wfl::LargestMagnitudes;

namespace
{

/// |x| with NaN above every number, as the contract orders them.
double
Rank(float x)
{
    return std::isnan(x) ? std::numeric_limits<double>::infinity() * 2 : std::abs(static_cast<double>(x));
}

std::vector<uint32_t>
BruteForce(const std::vector<float>& x, size_t k)
{
    std::vector<uint32_t> order(x.size());
    std::iota(order.begin(), order.end(), 0U);
    std::stable_sort(order.begin(), order.end(), [&x](uint32_t a, uint32_t b) {
        const bool nanA = std::isnan(x[a]);
        const bool nanB = std::isnan(x[b]);
        if (nanA != nanB)
        {
            return nanA;
        }
        return !nanA && Rank(x[a]) > Rank(x[b]);
    });
    order.resize(std::min(k, x.size()));
    std::sort(order.begin(), order.end());
    return order;
}

void
ExpectSameSelection(const std::vector<float>& x, const char* what)
{
    for (size_t k : {size_t{0}, size_t{1}, size_t{2}, x.size() / 100 + 1, x.size() / 7, x.size() / 2, x.size() - 1,
                     x.size(), x.size() + 3})
    {
        ASSERT_EQ(LargestMagnitudes(x.data(), x.size(), k), BruteForce(x, k)) << what << ", k = " << k;
    }
}

} // namespace

// Breaks caught (each fails here): the threshold taken as the needed-th
// smallest key of its bin instead of the largest; one tie fewer taken
// (ties > 1); the bin search stopping when the count reaches k instead of
// passing it (the threshold bin one too high). Any wrong position fails:
// the comparison is exact.
TEST(LargestMagnitudes, EqualsBruteForceOnTiesBinsAndSpecialValues)
{
    wfl::Rng rng(31, "largest-magnitudes");
    std::vector<float> gaussian(5003);
    for (float& v : gaussian)
    {
        v = static_cast<float>(rng.Normal());
    }
    ExpectSameSelection(gaussian, "gaussian");

    std::vector<float> ties(4001);
    for (float& v : ties)
    {
        v = static_cast<float>(static_cast<int>(rng.UniformInt(7)) - 3) * 0.25F; // 7 values, many zeros
    }
    ExpectSameSelection(ties, "ties on a grid");

    std::vector<float> oneBin(3000); // all in [1, 1 + 2^-3): the same top 11 bits
    for (float& v : oneBin)
    {
        v = (rng.UniformInt(2) == 0 ? -1.0F : 1.0F) * (1.0F + static_cast<float>(rng.UniformInt(1000)) * 1e-4F);
    }
    ExpectSameSelection(oneBin, "one bin");

    std::vector<float> special = gaussian;
    special[10] = std::numeric_limits<float>::infinity();
    special[20] = -std::numeric_limits<float>::infinity();
    special[30] = std::numeric_limits<float>::quiet_NaN();
    special[40] = -0.0F;
    ExpectSameSelection(special, "inf, NaN and -0");

    const std::vector<float> zeros(100, 0.0F);
    ExpectSameSelection(zeros, "all zero");
}
