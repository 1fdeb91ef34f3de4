// Tests of the vector lane generator (model/numeric/uniform-lanes.h) and the
// fixed-order float reductions (model/numeric/float-reductions.h).
//
// The lane generator's contract is exact, so these are exact tests against an
// independent scalar reference (Rng, one per lane): any change to the
// sequence (a lane seeded out of order, a missed rotation, a group dropped at
// a call boundary) changes bits and fails.

#include "float-reductions.h"
#include "random.h"
#include "scalar-lane-draws.h"
#include "uniform-lanes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

using namespace wfl;

namespace
{

/// The first n draws of the contract's scalar reference.
std::vector<float>
ScalarReference(Rng parent, size_t n)
{
    wfltest::ScalarLaneDraws draws(parent);
    std::vector<float> u(n);
    for (float& v : u)
    {
        v = draws.Next();
    }
    return u;
}

bool
SameBits(const std::vector<float>& a, const std::vector<float>& b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

} // namespace

// Breaks caught: rotation 23 -> 24 in NextGroups (all draws differ); lanes
// seeded in reverse order; the high half's >> 40 changed to >> 41 (values
// halve); low and high halves stored in swapped order.
TEST(UniformLanes, EqualsOneScalarGeneratorPerLane)
{
    Rng parent(7, "lanes-test", 1, 2);
    UniformLanes lanes(parent);
    std::vector<float> u(1003);
    lanes.Fill(u.data(), u.size());
    EXPECT_TRUE(SameBits(u, ScalarReference(Rng(7, "lanes-test", 1, 2), u.size())));
}

// The sequence must not depend on how calls split it: the quantizers fill
// blocks of 256 inside buckets of any size, the decoders in other blocks.
// Break caught: Fill discarding the rest of a started group (m_used reset).
TEST(UniformLanes, SequenceIndependentOfCallSizes)
{
    const size_t n = 2000;
    const std::vector<float> whole = ScalarReference(Rng(11, "split"), n);
    for (size_t step : {1u, 3u, 7u, 8u, 9u, 15u, 16u, 17u, 256u, 1999u})
    {
        Rng parent(11, "split");
        UniformLanes lanes(parent);
        std::vector<float> u(n);
        for (size_t first = 0; first < n; first += step)
        {
            lanes.Fill(u.data() + first, std::min(step, n - first));
        }
        EXPECT_TRUE(SameBits(u, whole)) << "calls of " << step;
    }
}

TEST(UniformLanes, AdvancesTheParentByOneDrawPerLane)
{
    Rng a(3, "parent");
    Rng b(3, "parent");
    UniformLanes lanes(a);
    for (size_t l = 0; l < UniformLanes::kLanes; ++l)
    {
        b.NextU64();
    }
    EXPECT_EQ(a.NextU64(), b.NextU64());
}

// Centred draws: u - 1/2 on [-1/2, 1/2), and never -0.0 (the one-bit dithered
// quantizer reads the sign of x + u with a comparison).
TEST(UniformLanes, CentredIsExactShiftAndNeverNegativeZero)
{
    Rng p1(5, "centred");
    Rng p2(5, "centred");
    UniformLanes plain(p1);
    UniformLanes centred(p2);
    std::vector<float> u(4096), c(4096);
    plain.Fill(u.data(), u.size());
    centred.FillCentred(c.data(), c.size());
    for (size_t i = 0; i < u.size(); ++i)
    {
        ASSERT_EQ(c[i], u[i] - 0.5F);
        ASSERT_GE(c[i], -0.5F);
        ASSERT_LT(c[i], 0.5F);
        ASSERT_FALSE(c[i] == 0.0F && std::signbit(c[i]));
    }
}

// Mean and variance of 2^20 draws against U[0, 1): 1/2 and 1/12. Standard
// errors 2.8e-4 and 2.5e-4 (of the variance estimate); bounds are 5 of them.
// Break caught: the high half's >> 40 as >> 41 (23 bits scaled by 2^-24:
// that half's mean 1/4, the whole mean 3/8).
TEST(UniformLanes, MomentsOfUniform)
{
    Rng parent(13, "moments");
    UniformLanes lanes(parent);
    const size_t n = size_t{1} << 20;
    std::vector<float> u(n);
    lanes.Fill(u.data(), n);
    double sum = 0.0;
    double sq = 0.0;
    for (double v : u)
    {
        sum += v;
        sq += (v - 0.5) * (v - 0.5);
    }
    EXPECT_NEAR(sum / n, 0.5, 5 * std::sqrt(1.0 / 12.0 / n));
    EXPECT_NEAR(sq / n, 1.0 / 12.0, 5 * std::sqrt(1.0 / 180.0 / n));
}

// Fixed-order sums against a long double reference: relative 1e-13 for 10^5
// positive terms (16 chains of 6250 additions: worst case 6e-13, seen 9e-15;
// a float accumulator is off by ~1e-4). Break caught: a partial dropped from
// the pairwise tree (error ~ 1/16 of the sum).
TEST(FloatReductions, SumsMatchLongDoubleReference)
{
    Rng rng(17, "sums");
    for (size_t n : {0u, 1u, 15u, 16u, 17u, 100003u})
    {
        std::vector<float> x(n);
        long double squares = 0.0L;
        long double abs = 0.0L;
        for (float& v : x)
        {
            v = static_cast<float>(rng.Normal());
            squares += static_cast<long double>(v) * v;
            abs += std::fabs(static_cast<long double>(v));
        }
        EXPECT_NEAR(SumOfSquares(x.data(), n), static_cast<double>(squares), 1e-13 * static_cast<double>(squares) + 1e-300)
            << n;
        EXPECT_NEAR(SumOfAbs(x.data(), n), static_cast<double>(abs), 1e-13 * static_cast<double>(abs) + 1e-300) << n;
    }
}

// MaxAbs is exact, ignores NaN like std::max(most, |x|) did, keeps +-inf.
// Breaks caught: the NaN mask removed (NaN returned); the tail loop skipped
// (a maximum in the last n mod 16 entries missed).
TEST(FloatReductions, MaxAbsExactIgnoresNaN)
{
    std::vector<float> x(37, 0.25F);
    x[36] = -3.5F; // in the tail after two full groups of 16
    x[5] = std::numeric_limits<float>::quiet_NaN();
    EXPECT_EQ(MaxAbs(x.data(), x.size()), 3.5F);
    x[20] = -std::numeric_limits<float>::infinity();
    EXPECT_EQ(MaxAbs(x.data(), x.size()), std::numeric_limits<float>::infinity());
    EXPECT_EQ(MaxAbs(x.data(), 0), 0.0F);
    const float negativeZero = -0.0F;
    EXPECT_FALSE(std::signbit(MaxAbs(&negativeZero, 1)));
}

// SumOfSquaresAndNonZeros is SumOfSquares bit for bit (the same partial sums
// in the same order) and counts the entries != 0: -0 is a zero, NaN is not,
// and the tail after the last group of 16 is counted. Breaks tried, each
// fails: the tail's count skipped; the squares summed in another order (one
// running sum).
TEST(FloatReductions, SumOfSquaresAndNonZerosMatchesItsParts)
{
    Rng rng(3, "reductions");
    std::vector<float> x(1037); // 64 groups of 16, then a tail of 13
    for (size_t i = 0; i < x.size(); ++i)
    {
        x[i] = i % 3 == 0 ? 0.0F : static_cast<float>(rng.Normal());
    }
    x[7] = -0.0F;   // a zero
    x[1035] = 2.5F; // in the tail
    size_t expected = 0;
    for (const float v : x)
    {
        expected += v != 0.0F ? 1 : 0;
    }
    size_t nonZeros = 0;
    EXPECT_EQ(SumOfSquaresAndNonZeros(x.data(), x.size(), nonZeros), SumOfSquares(x.data(), x.size()));
    EXPECT_EQ(nonZeros, expected);
    x[9] = std::numeric_limits<float>::quiet_NaN(); // was a zero (9 mod 3 = 0): NaN != 0
    SumOfSquaresAndNonZeros(x.data(), x.size(), nonZeros);
    EXPECT_EQ(nonZeros, expected + 1);
}

// SumOfSquaresAndMaxAbs is SumOfSquares and MaxAbs in one pass, bit for bit,
// with the maximum in the tail, NaN ignored by the max (and making the sum
// NaN), inf kept. Breaks tried, each fails: the tail left out of the max;
// the NaN mask removed (the max becomes NaN).
TEST(FloatReductions, SumOfSquaresAndMaxAbsMatchesItsParts)
{
    Rng rng(4, "reductions");
    std::vector<float> x(1037); // 64 groups of 16, then a tail of 13
    for (float& v : x)
    {
        v = static_cast<float>(rng.Normal());
    }
    x[1030] = -9.5F; // the maximum, in the tail
    float most = 0.0F;
    EXPECT_EQ(SumOfSquaresAndMaxAbs(x.data(), x.size(), most), SumOfSquares(x.data(), x.size()));
    EXPECT_EQ(most, 9.5F);
    EXPECT_EQ(most, MaxAbs(x.data(), x.size()));
    x[3] = std::numeric_limits<float>::quiet_NaN();
    EXPECT_TRUE(std::isnan(SumOfSquaresAndMaxAbs(x.data(), x.size(), most)));
    EXPECT_EQ(most, 9.5F);
    x[500] = -std::numeric_limits<float>::infinity();
    SumOfSquaresAndMaxAbs(x.data(), x.size(), most);
    EXPECT_EQ(most, std::numeric_limits<float>::infinity());
}
