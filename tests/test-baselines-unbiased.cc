/*
 * The unbiased baselines against theory (methods.md 2.2, 8.5): TernGrad
 * (stochastic ternarization, the M = 1 case of stochastic rounding) and
 * unbiased random sparsification, by Monte Carlo over the rounds' draws.
 */
#include "baselines-fixtures.h"
#include "random-sparsification-compressor.h"
#include "symbol-bits.h"
#include "terngrad-compressor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <stdexcept>
#include <vector>

namespace
{

using wfltest::Context;
using wfltest::RoundTrip;

/// Mean of the decoded vectors and mean squared error over `draws` rounds.
struct MonteCarlo
{
    Eigen::VectorXd mean;
    double mse = 0.0;   ///< mean of ||g_hat - g||^2
    double mseSe = 0.0; ///< its standard error
};

MonteCarlo
Simulate(const wfl::Compressor& c, const Eigen::VectorXf& g, int draws, const wfl::ParameterLayout* layout = nullptr)
{
    MonteCarlo mc;
    mc.mean = Eigen::VectorXd::Zero(g.size());
    double sq = 0.0;
    for (int d = 0; d < draws; ++d)
    {
        const Eigen::VectorXf out = RoundTrip(c, g, Context(3, static_cast<uint32_t>(d), 1, layout), nullptr);
        mc.mean += out.cast<double>();
        const double e = (out - g).cast<double>().squaredNorm();
        mc.mse += e;
        sq += e * e;
    }
    mc.mean /= draws;
    mc.mse /= draws;
    mc.mseSe = std::sqrt((sq / draws - mc.mse * mc.mse) / draws);
    return mc;
}

} // namespace

/*
 * TernGrad, bucket 4 on g of length 8: per entry E[g_hat_i] = g_i within
 * 5 SE, SE_i = sqrt((s |g_i| - g_i^2) / N), N = 200,000; and the total
 * E||g_hat - g||^2 = sum_seg (s ||g||_1 - ||g||^2) within 5 SE (SE about
 * 0.2 % of it). Breaks tried: Bernoulli probability |g| / (1.05 s) (a 5 %
 * shrink) fails the mean at six entries (0.048 off at g = s, where the
 * oracle variance is 0) and the variance (0.898 against 0.81); a scale
 * inflated by 1 % (still unbiased, larger variance) fails the variance
 * (0.845 against 0.81, 5 SE = 0.0045). Smallest error caught: a bias of
 * 5 SE ~ 0.005 on an entry (0.5 % of s), a 0.55 % change of the variance
 * (measured 0.8108 against 0.81, SE 0.00084).
 */
TEST(TernGrad, UnbiasedWithVarianceSAbsGMinusGSquared)
{
    Eigen::VectorXf g(8);
    g << 0.3F, -0.7F, 1.0F, 0.05F, -0.2F, 0.0F, 0.9F, -0.45F;
    const wfl::TernGradCompressor c({4, 0.0});
    const int draws = 200000;
    const MonteCarlo mc = Simulate(c, g, draws);
    double expectedMse = 0.0;
    for (int b = 0; b < 2; ++b)
    {
        const Eigen::VectorXf seg = g.segment(4 * b, 4);
        const double s = seg.cwiseAbs().maxCoeff();
        for (Eigen::Index i = 0; i < 4; ++i)
        {
            const double gi = seg[i];
            const double var = s * std::abs(gi) - gi * gi;
            expectedMse += var;
            SCOPED_TRACE("entry " + std::to_string(4 * b + i));
            EXPECT_LE(std::abs(mc.mean[4 * b + i] - gi), 5.0 * std::sqrt(var / draws) + 1e-7);
        }
    }
    EXPECT_LT(std::abs(mc.mse - expectedMse), 5.0 * mc.mseSe) << mc.mse << " vs " << expectedMse;
    EXPECT_LT(mc.mseSe, 0.002 * expectedMse);
}

/// Symbols are ternary, the scale is the segment's max |g|, per tensor by
/// default; bits = D log2 3 + 32 per segment; the over-budget fallback to
/// one scale, then fits = false.
TEST(TernGrad, SegmentsBitsAndBudget)
{
    const wfl::ParameterLayout layout = wfltest::SmallLayout();
    const Eigen::VectorXf g = wfltest::Gaussian(1421, 5, "terngrad-g");
    const wfl::TernGradCompressor c({0, 0.0});
    wfl::CompressedMessage m;
    const Eigen::VectorXf out = RoundTrip(c, g, Context(1, 0, 0, &layout), nullptr, &m);
    EXPECT_DOUBLE_EQ(m.bitsRaw, 1421 * std::log2(3.0) + 3 * 32.0);
    const auto& p = dynamic_cast<const wfl::TernaryPayload&>(*m.payload);
    EXPECT_DOUBLE_EQ(m.bitsEntropy,
                     wfl::EntropySymbolBits(std::vector<int32_t>(p.symbols.begin(), p.symbols.end())) + 3 * 32.0);
    EXPECT_LE(m.bitsEntropy, m.bitsRaw);
    ASSERT_EQ(p.scales.size(), 3U);
    for (size_t t = 0; t < 3; ++t)
    {
        EXPECT_EQ(p.scales[t], g.segment(static_cast<Eigen::Index>(layout[t].offset),
                                         static_cast<Eigen::Index>(layout[t].Size())).cwiseAbs().maxCoeff());
    }
    for (Eigen::Index i = 0; i < g.size(); ++i)
    {
        ASSERT_TRUE(out[i] == 0.0F || std::abs(out[i]) == p.scales[i < 5 ? 0 : (i < 1205 ? 1 : 2)]);
        ASSERT_TRUE(out[i] == 0.0F || (out[i] > 0) == (g[i] > 0));
    }
    // Budget between one and three scales: one scale; below that: silent.
    const double one = wfl::TernGradCompressor::RawBits(1421, 1);
    RoundTrip(c, g, Context(1, 0, 0, &layout, one + 40.0), nullptr, &m);
    EXPECT_TRUE(m.fits);
    EXPECT_DOUBLE_EQ(m.bitsRaw, one);
    RoundTrip(c, g, Context(1, 0, 0, &layout, one - 1.0), nullptr, &m);
    EXPECT_FALSE(m.fits);
}

/// Clipping at c sigma: no decoded magnitude above c * RMS; bad c is refused.
TEST(TernGrad, ClippingAndBadParameters)
{
    Eigen::VectorXf g = wfltest::Gaussian(1000, 6, "terngrad-clip");
    g[17] = 40.0F; // an outlier
    const wfl::TernGradCompressor c({0, 2.5});
    const Eigen::VectorXf out = RoundTrip(c, g, Context(1, 0), nullptr);
    const double rms = std::sqrt(g.cast<double>().squaredNorm() / 1000.0);
    EXPECT_LE(out.cwiseAbs().maxCoeff(), 2.5 * rms * (1 + 1e-6));
    EXPECT_GT(out.cwiseAbs().maxCoeff(), 0.0F);
    EXPECT_THROW(wfl::TernGradCompressor({0, -1.0}), std::invalid_argument);
}

/*
 * Random sparsification, D = 10, k = 3 (ratio 0.3), N = 200,000: every
 * position is kept in N k / D draws within 5 SE (1.7 % of the count), the
 * mean is g within 5 SE per entry (SE_i = |g_i| sqrt((D/k - 1) / N)), and
 * E||g_hat - g||^2 = (D/k - 1) ||g||^2 within 5 SE (0.4 %; measured
 * 14.119 against 14.1225, SE 0.0105).
 * Breaks tried: scaling by 1.02 D / k fails the mean at 7 entries (0.030
 * off at g = -1.5, 5 SE = 0.026) and the variance (14.69 against 14.12);
 * selection probability 1.1 (k - kept) / (D - i) (early positions favoured)
 * fails the counts (up to 14,612 off, 5 SE = 1,025). Smallest error caught:
 * a 1.7 % scale error, a 1.7 % over- or under-selection of any position.
 */
TEST(RandomSparsification, UnbiasedUniformSubsetWithVarianceDOverKMinusOne)
{
    Eigen::VectorXf g(10);
    g << 1.0F, -1.5F, 0.2F, 0.0F, 0.7F, -0.3F, 1.1F, 0.4F, -0.9F, 0.05F;
    const wfl::RandomSparsificationCompressor c({0.3});
    const int draws = 200000;
    std::vector<double> counts(10, 0.0);
    for (int d = 0; d < draws; ++d)
    {
        for (uint32_t i : wfl::RandomSparsificationCompressor::Subset(10, 3, Context(3, static_cast<uint32_t>(d), 1)))
        {
            counts[i] += 1.0;
        }
    }
    const double p = 0.3;
    for (double count : counts)
    {
        EXPECT_LT(std::abs(count - draws * p), 5.0 * std::sqrt(draws * p * (1 - p)));
    }
    const MonteCarlo mc = Simulate(c, g, draws);
    for (Eigen::Index i = 0; i < 10; ++i)
    {
        EXPECT_LE(std::abs(mc.mean[i] - g[i]), 5.0 * std::abs(g[i]) * std::sqrt((10.0 / 3.0 - 1.0) / draws) + 1e-7)
            << "entry " << i;
    }
    const double expected = (10.0 / 3.0 - 1.0) * g.cast<double>().squaredNorm();
    EXPECT_LT(std::abs(mc.mse - expected), 5.0 * mc.mseSe) << mc.mse << " vs " << expected;
    EXPECT_LT(5.0 * mc.mseSe, 0.015 * expected);
}

/*
 * Floyd's algorithm gives every k-subset the same probability: D = 5, k = 2,
 * N = 100,000 subsets, each of the 10 within 5 SE (1.5 % of its count) of
 * N / 10, always 2 distinct positions in ascending order.
 * Break tried: t uniform on [0, j - 1] instead of [0, j] (j itself then only
 * after a collision): {3, 4} never occurs (9 subsets seen), and the position
 * counts of the test above fail too.
 * Smallest error caught: a 1.5 % over- or under-selection of any subset.
 */
TEST(RandomSparsification, EveryKSubsetEquallyLikely)
{
    const int draws = 100000;
    std::map<std::vector<uint32_t>, int> seen;
    for (int d = 0; d < draws; ++d)
    {
        const std::vector<uint32_t> s =
            wfl::RandomSparsificationCompressor::Subset(5, 2, Context(9, static_cast<uint32_t>(d), 2));
        ASSERT_EQ(s.size(), 2U);
        ASSERT_LT(s[0], s[1]);
        ++seen[s];
    }
    ASSERT_EQ(seen.size(), 10U);
    const double p = 0.1;
    for (const auto& [subset, count] : seen)
    {
        EXPECT_LT(std::abs(count - draws * p), 5.0 * std::sqrt(draws * p * (1 - p)))
            << subset[0] << "," << subset[1] << ": " << count;
    }
    // k = D takes every position, in order.
    EXPECT_EQ(wfl::RandomSparsificationCompressor::Subset(4, 4, Context(9, 0, 2)), (std::vector<uint32_t>{0, 1, 2, 3}));
}

/// Bits = 32 k (positions from shared randomness cost none); the budget
/// cuts k; a decoder with another client's stream puts values elsewhere.
TEST(RandomSparsification, BitsBudgetAndSharedSubset)
{
    const Eigen::VectorXf g = wfltest::Gaussian(1000, 8, "sparse-g");
    const wfl::RandomSparsificationCompressor c({0.05});
    wfl::CompressedMessage m;
    const Eigen::VectorXf out = RoundTrip(c, g, Context(2, 4, 3), nullptr, &m);
    EXPECT_DOUBLE_EQ(m.bitsRaw, 32.0 * 50);
    EXPECT_DOUBLE_EQ(m.bitsEntropy, m.bitsRaw);
    EXPECT_EQ((out.array() != 0.0F).count(), 50);
    for (Eigen::Index i = 0; i < g.size(); ++i)
    {
        ASSERT_TRUE(out[i] == 0.0F || out[i] == static_cast<float>(20.0 * g[i]));
    }
    Eigen::VectorXf other(1000);
    c.Decode(m, 1000, Context(2, 4, 4), other.data());
    EXPECT_GT((other - out).norm(), 0.5F * out.norm());
    RoundTrip(c, g, Context(2, 4, 3, nullptr, 32.0 * 20 + 31.0), nullptr, &m);
    EXPECT_TRUE(m.fits);
    EXPECT_DOUBLE_EQ(m.bitsRaw, 32.0 * 20);
    RoundTrip(c, g, Context(2, 4, 3, nullptr, 31.0), nullptr, &m);
    EXPECT_FALSE(m.fits);
    EXPECT_THROW(wfl::RandomSparsificationCompressor({0.0}), std::invalid_argument);
    EXPECT_THROW(wfl::RandomSparsificationCompressor({1.5}), std::invalid_argument);
}
