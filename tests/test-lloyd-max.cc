/*
 * Lloyd-Max codebooks (lloyd-max-quantizer.h): the unit normal against
 * Max (1960) tables; every model's codebook a fixed point of Lloyd's two
 * conditions, checked by a numeric integration independent of the library's
 * closed forms; the unit normalisation E[x^2] = 1; MSE falling with L;
 * nearest-point quantization; the scale and the zero symbol.
 */
#include "lloyd-max-quantizer.h"
#include "random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <stdexcept>
#include <vector>

namespace
{

using wfl::LloydMaxCodebook;
using wfl::LloydMaxModel;
using wfl::Rng;

const std::vector<LloydMaxModel> kModels{LloydMaxModel::SparseNormal, LloydMaxModel::SparseFoldedNormal,
                                         LloydMaxModel::Uniform, LloydMaxModel::SparseUniform};

/// The model density written out here (not the library's moments).
double
Density(LloydMaxModel model, double x)
{
    const double phi = std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI);
    switch (model)
    {
    case LloydMaxModel::SparseNormal:
        return phi;
    case LloydMaxModel::SparseFoldedNormal:
        return x >= 0.0 ? 2.0 * phi : 0.0;
    default:
        return std::abs(x) <= std::sqrt(3.0) ? 1.0 / (2.0 * std::sqrt(3.0)) : 0.0;
    }
}

/// Composite Simpson of f on [a, b], 20000 panels (error < 1e-11 here).
double
Simpson(const std::function<double(double)>& f, double a, double b)
{
    const int n = 20000;
    const double h = (b - a) / n;
    double s = f(a) + f(b);
    for (int i = 1; i < n; ++i)
    {
        s += (i % 2 == 1 ? 4.0 : 2.0) * f(a + i * h);
    }
    return s * h / 3.0;
}

/// Cell k clipped to the support (normal tails cut at +-12: mass < 1e-32).
std::pair<double, double>
CellOf(LloydMaxModel model, const LloydMaxCodebook& c, size_t k)
{
    double lo = model == LloydMaxModel::SparseNormal ? -12.0
                : model == LloydMaxModel::SparseFoldedNormal ? 0.0
                                                             : -std::sqrt(3.0);
    double hi = model == LloydMaxModel::SparseNormal || model == LloydMaxModel::SparseFoldedNormal ? 12.0
                                                                                                   : std::sqrt(3.0);
    if (k > 0)
    {
        lo = std::max(lo, c.thresholds[k - 1]);
    }
    if (k + 1 < c.points.size())
    {
        hi = std::min(hi, c.thresholds[k]);
    }
    return {lo, hi};
}

// Max (1960), Table I, the unit normal: the published points to 4 digits,
// and the MSEs 0.3634, 0.1175, 0.03454. Break tried: thresholds at
// 0.45 c_k + 0.55 c_{k+1} instead of the midpoint -> L = 2, 4, 8 all fail.
// Smallest error caught: 5e-5 in a point (5e-4 for 1.510 and 2.152, given
// to 4 digits) or in the MSE.
TEST(LloydMax, UnitNormalMatchesMaxTables)
{
    const std::vector<std::pair<size_t, std::vector<double>>> table{
        {2, {0.7979}}, {4, {0.4528, 1.510}}, {8, {0.2451, 0.7560, 1.344, 2.152}}};
    const std::vector<double> mse{0.3634, 0.1175, 0.03454};
    for (size_t t = 0; t < table.size(); ++t)
    {
        const auto& [levels, positive] = table[t];
        const LloydMaxCodebook& c = wfl::LloydMaxCodebookOf(LloydMaxModel::SparseNormal, levels);
        ASSERT_EQ(c.points.size(), levels);
        for (size_t k = 0; k < positive.size(); ++k)
        {
            const double tolerance = positive[k] >= 1.0 ? 5e-4 : 5e-5;
            EXPECT_NEAR(c.points[levels / 2 + k], positive[k], tolerance) << "L = " << levels;
            EXPECT_NEAR(c.points[levels / 2 - 1 - k], -positive[k], tolerance) << "L = " << levels;
        }
        EXPECT_NEAR(wfl::LloydMaxMse(LloydMaxModel::SparseNormal, c), mse[t], 5e-5) << "L = " << levels;
    }
    // L = 2 in closed form: +-sqrt(2 / pi), MSE 1 - 2 / pi.
    const LloydMaxCodebook& two = wfl::LloydMaxCodebookOf(LloydMaxModel::SparseNormal, 2);
    EXPECT_NEAR(two.points[1], std::sqrt(2.0 / M_PI), 1e-12);
    EXPECT_NEAR(wfl::LloydMaxMse(LloydMaxModel::SparseNormal, two), 1.0 - 2.0 / M_PI, 1e-12);
}

// Every model and L: each point is the conditional mean of its cell and each
// threshold the midpoint, by Simpson on the density written in this test;
// the MSE matches Simpson's too and falls with L. Breaks tried: the folded
// normal's cells not clipped at 0 (the normal's moments) -> sfn fails (its
// L = 1 point 0, MSE not falling); Lloyd stopped at 1e-7 instead of 1e-12
// -> points off their conditional means by > 1e-9 (fails; the Max-table
// test still passes). Smallest error caught: 1e-9 in a point or the MSE.
TEST(LloydMax, CodebooksAreLloydFixedPointsByIndependentIntegration)
{
    for (const LloydMaxModel model : kModels)
    {
        double previousMse = 2.0;
        for (size_t levels = 1; levels <= wfl::kLloydMaxMaxLevels; ++levels)
        {
            const LloydMaxCodebook& c = wfl::LloydMaxCodebookOf(model, levels);
            ASSERT_EQ(c.points.size(), levels);
            ASSERT_EQ(c.thresholds.size(), levels - 1);
            double mse = 0.0;
            for (size_t k = 0; k < levels; ++k)
            {
                const auto [a, b] = CellOf(model, c, k);
                const double mass = Simpson([&](double x) { return Density(model, x); }, a, b);
                const double first = Simpson([&](double x) { return x * Density(model, x); }, a, b);
                EXPECT_NEAR(c.points[k], first / mass, 1e-9) << wfl::LloydMaxModelName(model) << " L " << levels;
                mse += Simpson([&, ck = c.points[k]](double x) { return (x - ck) * (x - ck) * Density(model, x); }, a,
                               b);
                if (k + 1 < levels)
                {
                    EXPECT_EQ(c.thresholds[k], 0.5 * (c.points[k] + c.points[k + 1]));
                    EXPECT_LT(c.points[k], c.points[k + 1]);
                }
            }
            const double libraryMse = wfl::LloydMaxMse(model, c);
            EXPECT_NEAR(libraryMse, mse, 1e-9) << wfl::LloydMaxModelName(model) << " L " << levels;
            EXPECT_LT(libraryMse, previousMse) << wfl::LloydMaxModelName(model) << " L " << levels;
            previousMse = libraryMse;
        }
    }
}

// The unit normalisation that matches s = ||F|| / sqrt(nnz): E[x^2] = 1 for
// every model, read from the one-point codebook (MSE + c_0^2 = E[x^2]), and
// the uniform's Lloyd-Max codebook is the uniform quantizer of
// [-sqrt 3, sqrt 3]. Break tried: the uniform on [-1, 1] (kSqrt3 = 1) ->
// E[x^2] = 1/3 and the points off (fails). Smallest error caught: 1e-12 in
// E[x^2].
TEST(LloydMax, ModelsHaveUnitMeanSquareAndUniformIsTheUniformQuantizer)
{
    for (const LloydMaxModel model : kModels)
    {
        const LloydMaxCodebook& one = wfl::LloydMaxCodebookOf(model, 1);
        EXPECT_NEAR(wfl::LloydMaxMse(model, one) + one.points[0] * one.points[0], 1.0, 1e-12)
            << wfl::LloydMaxModelName(model);
    }
    EXPECT_NEAR(wfl::LloydMaxCodebookOf(LloydMaxModel::SparseFoldedNormal, 1).points[0], std::sqrt(2.0 / M_PI),
                1e-12);
    for (size_t levels = 1; levels <= wfl::kLloydMaxMaxLevels; ++levels)
    {
        const LloydMaxCodebook& u = wfl::LloydMaxCodebookOf(LloydMaxModel::Uniform, levels);
        const LloydMaxCodebook& su = wfl::LloydMaxCodebookOf(LloydMaxModel::SparseUniform, levels);
        for (size_t k = 0; k < levels; ++k)
        {
            const double width = 2.0 * std::sqrt(3.0) / static_cast<double>(levels);
            EXPECT_NEAR(u.points[k], -std::sqrt(3.0) + (static_cast<double>(k) + 0.5) * width, 1e-12);
            EXPECT_EQ(su.points[k], u.points[k]);
        }
    }
    // The cache holds what the design computes.
    EXPECT_EQ(wfl::DesignLloydMax(LloydMaxModel::SparseNormal, 16).points,
              wfl::LloydMaxCodebookOf(LloydMaxModel::SparseNormal, 16).points);
    EXPECT_THROW(wfl::DesignLloydMax(LloydMaxModel::SparseNormal, 0), std::invalid_argument);
    EXPECT_THROW(wfl::LloydMaxCodebookOf(LloydMaxModel::SparseNormal, 17), std::invalid_argument);
}

// Quantize returns the nearest point: brute force over the codebook on 2000
// random inputs per (model, L). Break tried: upper_bound replaced by
// lower_bound minus one (clamped) -> fails. Smallest error caught: any input
// sent to a point that is not (one of) the nearest.
TEST(LloydMax, QuantizeReturnsTheNearestPoint)
{
    Rng rng(5, "lloyd-max-nearest");
    for (const LloydMaxModel model : kModels)
    {
        for (size_t levels = 1; levels <= wfl::kLloydMaxMaxLevels; ++levels)
        {
            const LloydMaxCodebook& c = wfl::LloydMaxCodebookOf(model, levels);
            for (int i = 0; i < 2000; ++i)
            {
                const double x = rng.Uniform(-5.0, 5.0);
                double nearest = INFINITY;
                for (const double p : c.points)
                {
                    nearest = std::min(nearest, std::abs(x - p));
                }
                const size_t q = c.Quantize(x);
                ASSERT_LT(q, levels);
                EXPECT_EQ(std::abs(x - c.points[q]), nearest) << "x = " << x << ", L = " << levels;
            }
        }
    }
}

// The scale ||x|| / sqrt(nnz) and the zero symbol L. Break tried: nnz
// counted over all entries -> scale 5/sqrt 4 (fails); zeros quantized like
// the rest -> symbols {1, 1, 0, 1} (fails; so does ExactZerosDecodeToExactZeros).
// LloydMaxSymbols (the compressor's vectorised path, thresholds compared in
// the input's units) picks the nearest scaled point, up to one rounding of
// t_k s: checked on 20,000 entries for every model and L = 2..16, also
// against the codebook's own Quantize (binary search on x / s), which may
// differ only within 1e-6 of a threshold. Breaks caught: the top threshold
// skipped (two cells merged); thresholds 0.1 % too high (entries near a
// threshold in the wrong cell). Not caught: > for >= (differs on exact ties
// only, which random inputs do not hit).
TEST(LloydMax, SymbolsAreTheNearestScaledPoint)
{
    wfl::Rng rng(41, "lloyd-max-symbols");
    std::vector<float> x(20000);
    for (float& v : x)
    {
        v = static_cast<float>(1.7 * rng.Normal());
    }
    const float scale = 1.3F;
    for (const LloydMaxModel model : {LloydMaxModel::SparseNormal, LloydMaxModel::SparseFoldedNormal,
                                      LloydMaxModel::Uniform})
    {
        for (size_t levels = 2; levels <= 16; ++levels)
        {
            const LloydMaxCodebook& c = wfl::LloydMaxCodebookOf(model, levels);
            const wfl::LevelSymbols symbols = wfl::LloydMaxSymbols(x.data(), x.size(), scale, c);
            for (size_t i = 0; i < x.size(); ++i)
            {
                const double v = x[i] / static_cast<double>(scale);
                const auto cell = static_cast<size_t>(symbols[i]);
                ASSERT_LT(cell, levels);
                double nearest = INFINITY;
                for (const double p : c.points)
                {
                    nearest = std::min(nearest, std::abs(v - p));
                }
                ASSERT_LE(std::abs(v - c.points[cell]), nearest + 1e-6) << "L = " << levels << ", x = " << x[i];
                if (cell != c.Quantize(v))
                {
                    const double gap = std::abs(v - c.thresholds[std::min(cell, c.Quantize(v))]);
                    ASSERT_LT(gap, 1e-6) << "L = " << levels << ", x = " << x[i];
                }
            }
        }
    }
}

TEST(LloydMax, ScaleCountsNonZerosAndZerosGetTheirOwnSymbol)
{
    const std::vector<float> x{3.0F, 0.0F, -4.0F, 0.0F};
    const float s = wfl::LloydMaxScale(x.data(), x.size());
    EXPECT_EQ(s, static_cast<float>(5.0 / std::sqrt(2.0)));
    EXPECT_EQ(wfl::LloydMaxScale(x.data() + 1, 1), 0.0F);
    const LloydMaxCodebook& c = wfl::LloydMaxCodebookOf(LloydMaxModel::SparseNormal, 2);
    EXPECT_EQ(wfl::LloydMaxSymbols(x.data(), x.size(), s, c), (wfl::LevelSymbols{1, 2, 0, 2}));
}

} // namespace
