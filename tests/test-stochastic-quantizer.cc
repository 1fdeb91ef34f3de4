// The stochastic quantizer: the budget fit is the finest that fits, and
// quantize-dequantize is unbiased with less error at more levels.
//
// Statistical tests use fixed seeds, so they are deterministic; their
// tolerances are stated in units of the Monte Carlo standard error (SE).

#include "random.h"
#include "rlc-fixtures.h"
#include "stochastic-quantizer.h"
#include "symbol-bits.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace wfl;
using namespace rlctest;

TEST(StochasticQuantizer, FitRespectsBudgetAndIsFinest)
{
    const double scaleBits = 32.0 + std::log2(3.0);
    const uint32_t kMaxLevels = 1u << 20;
    for (size_t dim : {size_t{1}, size_t{7}, size_t{50}, size_t{1000}})
    {
        uint32_t lastLevels = 0;
        size_t lastCoordinates = 0;
        for (double budget = 0.0; budget <= 40.0 * dim; budget += 0.25)
        {
            const QuantizerFit fit = FitQuantizer(dim, budget);
            ASSERT_LE(fit.bits, budget) << "dim " << dim << " budget " << budget;
            ASSERT_EQ(fit.coordinates == 0, budget < scaleBits) << "dim " << dim << " budget " << budget;
            ASSERT_LE(fit.coordinates, dim);
            // Monotone in the budget.
            ASSERT_GE(fit.coordinates, lastCoordinates) << "dim " << dim << " budget " << budget;
            if (fit.coordinates == dim && lastCoordinates == dim)
            {
                ASSERT_GE(fit.levels, lastLevels) << "dim " << dim << " budget " << budget;
            }
            lastLevels = fit.levels;
            lastCoordinates = fit.coordinates;
            if (fit.coordinates == 0)
            {
                continue;
            }
            ASSERT_GE(fit.levels, 1u);
            const double m = static_cast<double>(fit.coordinates);
            ASSERT_NEAR(fit.bits, 32.0 + m * std::log2(2.0 * fit.levels + 1.0), 1e-9);
            // Finest: one more coordinate (sparse) or level (full) would not fit
            // (1e-9 bits of slack for rounding at exact boundaries), unless the
            // levels hit the quantizer's cap of 2^20 (kMaxLevels in
            // stochastic-quantizer.cc; finer than a float output resolves).
            ASSERT_LE(fit.levels, kMaxLevels);
            if (fit.levels == kMaxLevels)
            {
                continue;
            }
            const double finer = fit.coordinates < dim
                                     ? 32.0 + (m + 1.0) * std::log2(3.0)
                                     : 32.0 + m * std::log2(2.0 * fit.levels + 3.0);
            ASSERT_GT(finer, budget - 1e-9) << "dim " << dim << " budget " << budget;
        }
        // Full coordinates once one level each fits; levels grow with the budget.
        EXPECT_EQ(FitQuantizer(dim, 32.0 + 1.6 * dim).coordinates, dim);
        EXPECT_LT(FitQuantizer(dim, 32.0 + 4.0 * dim).levels, FitQuantizer(dim, 32.0 + 10.0 * dim).levels);
        EXPECT_LT(FitQuantizer(dim, 32.0 + 10.0 * dim).levels, FitQuantizer(dim, 32.0 + 16.0 * dim).levels);
    }
}

TEST(StochasticQuantizer, QuantizeDequantizeIsUnbiased)
{
    const size_t dim = 50;
    Rng gRng(9, "quantizer-g");
    const Eigen::VectorXf g = RandomVector(gRng, dim).cast<float>();
    struct Case
    {
        double budget;
        size_t coordinates;
        uint32_t levels;
    };
    // Budgets just above 32 + m log2(2s + 1) for the wanted (m, s).
    const std::vector<Case> cases{{32.0 + dim * std::log2(3.0) + 0.5, dim, 1},
                                  {32.0 + dim * std::log2(17.0) + 0.5, dim, 8},
                                  {32.0 + dim * std::log2(129.0) + 0.5, dim, 64},
                                  {32.0 + 10 * std::log2(3.0) + 0.5, 10, 1}};
    const int draws = 20000;
    std::vector<double> mse;
    for (const Case& c : cases)
    {
        const QuantizerFit fit = FitQuantizer(dim, c.budget);
        ASSERT_EQ(fit.coordinates, c.coordinates);
        ASSERT_EQ(fit.levels, c.levels);
        Eigen::VectorXd sum = Eigen::VectorXd::Zero(dim);
        Eigen::VectorXd sumSq = Eigen::VectorXd::Zero(dim);
        Eigen::VectorXf out(dim);
        double squaredError = 0.0;
        for (int d = 0; d < draws; ++d)
        {
            Rng rng(10, "quantizer-draw", static_cast<uint64_t>(d));
            ASSERT_EQ(QuantizeDequantize(g.data(), dim, fit, rng, out.data()), fit.bits);
            ASSERT_LE((out.array() != 0.0f).count(), static_cast<Eigen::Index>(c.coordinates));
            const Eigen::VectorXd o = out.cast<double>();
            sum += o;
            sumSq += o.cwiseProduct(o);
            squaredError += (o - g.cast<double>()).squaredNorm();
        }
        mse.push_back(squaredError / draws);
        const Eigen::VectorXd mean = sum / draws;
        for (Eigen::Index i = 0; i < mean.size(); ++i)
        {
            // 5 empirical SE per coordinate, plus float rounding of the output
            // (1e-6 of ||g||) for coordinates whose level happens to be exact.
            const double var = std::max(0.0, (sumSq(i) / draws - mean(i) * mean(i)) * draws / (draws - 1));
            EXPECT_NEAR(mean(i), g(i), 5.0 * std::sqrt(var / draws) + 1e-6 * g.norm())
                << "m " << c.coordinates << " s " << c.levels << " coordinate " << i;
        }
    }
    // More levels, less error: s = 1 > s = 8 > s = 64; sparse s = 1 worst.
    EXPECT_GT(mse[0], mse[1]);
    EXPECT_GT(mse[1], mse[2]);
    EXPECT_GT(mse[3], mse[0]);
}

// The symbols counted while quantizing (bounded by the buckets' largest
// |g_i|) equal the symbols' own histogram, and every symbol lies inside the
// bound, for s from 3 to 2^20 (packed counters, tables; at 2^20 the bound,
// not s, keeps the range countable), L2 and L-inf norms, 64-entry buckets
// and one bucket, with and without a diverging update (NaN and inf entries:
// NaN norms in some buckets, whose levels reach s). The entropy from the
// counts is the entropy of the symbols, bit for bit. Only for s > 32767 may
// the counts be left empty (a bound over 2^16 values); and QSGD's unbudgeted
// case, s = 2^20 with one L2 bucket of 2^16 Gaussian entries (levels up to
// about 2^20 x 4.5 / 256), must be counted.
// Breaks tried, each fails: the clamp in RoundLevels written as std::min
// (NaN kept; its conversion gives INT_MIN: the counter's out-of-range write
// crashes the test); the bound without its + 1 (a level rounded up past the
// largest |g_i| leaves the range).
TEST(StochasticQuantizer, SymbolsCountedWhileQuantizingStayInsideTheBound)
{
    std::vector<float> clean(1000);
    Rng rng(4, "non-finite");
    for (float& v : clean)
    {
        v = static_cast<float>(rng.Normal());
    }
    std::vector<float> diverging = clean;
    diverging[10] = std::numeric_limits<float>::quiet_NaN(); // bucket 0 (of 64 entries)
    diverging[200] = std::numeric_limits<float>::infinity();  // bucket 3
    diverging[999] = -std::numeric_limits<float>::quiet_NaN();
    for (const std::vector<float>* g : {&clean, &diverging})
    {
        for (const uint32_t s : {3u, 15u, 100u, 127u, 40000u, 1u << 20})
        {
            for (const QuantizerNorm norm : {QuantizerNorm::L2, QuantizerNorm::LINF})
            {
                for (const size_t bucket : {size_t{64}, size_t{0}})
                {
                    SCOPED_TRACE("s " + std::to_string(s) + (g == &clean ? " clean" : " diverging") + " bucket " +
                                 std::to_string(bucket) + (norm == QuantizerNorm::L2 ? " L2" : " Linf"));
                    QuantizerFit fit;
                    fit.coordinates = g->size();
                    fit.levels = s;
                    Rng draws(5, "non-finite-draws");
                    const QuantizedLevels q = StochasticQuantize(g->data(), g->size(), fit, bucket, norm, draws, true);
                    // The bound never exceeds s: below s = 32768 it always fits.
                    if (q.counts.empty())
                    {
                        EXPECT_GT(s, 32767u);
                        continue;
                    }
                    const int32_t lo = q.countsLow;
                    const auto hi = static_cast<int32_t>(lo + static_cast<int64_t>(q.counts.size()) - 1);
                    std::vector<size_t> histogram(q.counts.size(), 0);
                    for (const int32_t symbol : q.symbols)
                    {
                        ASSERT_GE(symbol, lo);
                        ASSERT_LE(symbol, hi);
                        ++histogram[static_cast<size_t>(symbol - lo)];
                    }
                    EXPECT_EQ(q.counts, histogram);
                    EXPECT_EQ(EntropyBitsOfCounts(q.counts), EntropySymbolBits(q.symbols));
                }
            }
        }
    }
    std::vector<float> wide(1 << 16);
    for (float& v : wide)
    {
        v = static_cast<float>(rng.Normal());
    }
    QuantizerFit fit;
    fit.coordinates = wide.size();
    fit.levels = 1u << 20;
    Rng draws(6, "wide-draws");
    const QuantizedLevels q = StochasticQuantize(wide.data(), wide.size(), fit, 0, QuantizerNorm::L2, draws, true);
    ASSERT_FALSE(q.counts.empty());
    EXPECT_EQ(EntropyBitsOfCounts(q.counts), EntropySymbolBits(q.symbols));
}
