/*
 * The dithered-quantization primitive against theory (methods.md 2.1-2.4,
 * check 10.1): the subtractive dither's error is uniform on [-Delta/2,
 * Delta/2) with variance Delta^2 / 12 at EVERY input (signal-independent),
 * and the one-bit form with levels +-1/2 is unbiased with variance s^2 / 12.
 */
#include "dithered-quantizer.h"
#include "random.h"
#include "symbol-bits.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <vector>

namespace
{

using wfl::Rng;

/// Errors x_hat - x of entry 0 of the bucket {x, pin} over `draws` dithers.
/// `pin` fixes the bucket's scale: s = |pin| / Q (or 2 |pin| for one bit).
std::vector<double>
Errors(double x, double pin, int32_t levels, int draws)
{
    std::vector<double> errors;
    const float input[2] = {static_cast<float>(x), static_cast<float>(pin)};
    for (int d = 0; d < draws; ++d)
    {
        Rng encoder(7, "dither", static_cast<uint64_t>(d));
        Rng decoder(7, "dither", static_cast<uint64_t>(d));
        const wfl::DitheredVector q = wfl::DitherQuantize(input, 2, 2, levels, encoder);
        float out[2];
        wfl::DitherDequantize(q, decoder, out);
        errors.push_back(static_cast<double>(out[0]) - static_cast<double>(input[0]));
    }
    return errors;
}

double
Mean(const std::vector<double>& v)
{
    double s = 0.0;
    for (double e : v)
    {
        s += e;
    }
    return s / static_cast<double>(v.size());
}

double
MeanSquare(const std::vector<double>& v)
{
    double s = 0.0;
    for (double e : v)
    {
        s += e * e;
    }
    return s / static_cast<double>(v.size());
}

} // namespace

/*
 * Q = 3, Delta = s = 1 (pin = 3). For inputs on, between and at the edge of
 * the grid: |mean error| < 5 SE, E[e^2] within 1.5 % of 1/12 (SE 0.2 % at
 * 200,000 draws), and every tenth of [-1/2, 1/2) holds 1/10 of the errors
 * within 5 SE. Breaks tried: not subtracting the dither (stochastic
 * rounding's d(1 - d) variance, 0 on the grid) fails at x = 0; subtracting
 * 0.97 u fails the variance (about 3 % low); a dither on [0, 1) fails the mean.
 * Smallest error caught: a 1.5 % change of the error variance at any input.
 */
TEST(DitheredQuantizer, ErrorIsUniformWithVarianceDeltaSquaredOver12AtEveryInput)
{
    const int draws = 200000;
    for (const double x : {0.0, 0.3, 0.5, 1.7, -2.49, 3.0})
    {
        SCOPED_TRACE("x = " + std::to_string(x));
        const std::vector<double> errors = Errors(x, 3.0, 3, draws);
        const double se = std::sqrt(1.0 / 12.0 / draws);
        EXPECT_LT(std::abs(Mean(errors)), 5.0 * se);
        EXPECT_NEAR(MeanSquare(errors) * 12.0, 1.0, 0.015);
        std::vector<int> bins(10, 0);
        for (double e : errors)
        {
            ASSERT_GE(e, -0.5 - 1e-6);
            ASSERT_LT(e, 0.5 + 1e-6);
            ++bins[std::min(9, static_cast<int>((e + 0.5) * 10.0))];
        }
        const double expected = draws / 10.0;
        for (int count : bins)
        {
            EXPECT_LT(std::abs(count - expected), 5.0 * std::sqrt(expected * 0.9));
        }
    }
}

/*
 * One bit (methods.md 2.4): s = 2 ||x||_inf = 1 (pin = 0.5), x_hat = s (q/2 - u)
 * is unbiased with error variance s^2 / 12. The printed s (q - u) has mean 2x
 * and fails at once; a 2 % scale error fails the mean at x = 0.4 (0.008
 * against a 5 SE bound of 0.0032).
 */
TEST(DitheredQuantizer, OneBitFormIsUnbiasedWithVarianceOneTwelfth)
{
    const int draws = 200000;
    for (const double x : {-0.4, 0.0, 0.3, 0.5})
    {
        SCOPED_TRACE("x = " + std::to_string(x));
        const std::vector<double> errors = Errors(x, 0.5, 0, draws);
        const double se = std::sqrt(1.0 / 12.0 / draws);
        EXPECT_LT(std::abs(Mean(errors)), 5.0 * se);
        EXPECT_NEAR(MeanSquare(errors) * 12.0, 1.0, 0.015);
    }
}

/// Buckets get their own scales; an all-zero bucket decodes to exact zeros;
/// symbols stay in [-Q, Q]; a decoder on another stream does not reconstruct.
TEST(DitheredQuantizer, BucketsScalesAndSharedStream)
{
    const std::vector<float> x{1.0F, -2.0F, 0.5F, 0.0F, 0.0F, 0.0F, 8.0F};
    Rng encoder(3, "d");
    const wfl::DitheredVector q = wfl::DitherQuantize(x.data(), x.size(), 3, 2, encoder);
    ASSERT_EQ(q.scales.size(), 3u);
    EXPECT_FLOAT_EQ(q.scales[0], 1.0F);
    EXPECT_FLOAT_EQ(q.scales[1], 0.0F);
    EXPECT_FLOAT_EQ(q.scales[2], 4.0F);
    for (int32_t s : q.symbols)
    {
        EXPECT_LE(std::abs(s), 2);
    }
    std::vector<float> same(x.size());
    std::vector<float> other(x.size());
    Rng decoder(3, "d");
    Rng wrong(4, "d");
    wfl::DitherDequantize(q, decoder, same.data());
    wfl::DitherDequantize(q, wrong, other.data());
    double sameError = 0.0;
    double otherError = 0.0;
    for (size_t i = 0; i < x.size(); ++i)
    {
        EXPECT_LE(std::abs(same[i] - x[i]), 0.5F * q.scales[i / 3] + 1e-6F);
        sameError += std::abs(same[i] - x[i]);
        otherError += std::abs(other[i] - x[i]);
    }
    EXPECT_EQ(same[3], 0.0F);
    EXPECT_EQ(same[4], 0.0F);
    EXPECT_EQ(same[5], 0.0F);
    EXPECT_NE(sameError, otherError);
}

TEST(SymbolBits, RawAndEntropyRates)
{
    EXPECT_DOUBLE_EQ(wfl::RawSymbolBits(10, 8.0), 30.0);
    EXPECT_NEAR(wfl::RawSymbolBits(4, 3.0), 4.0 * std::log2(3.0), 1e-12);
    // Histogram {0: 2, 1: 1, -1: 1} of 4 symbols: H = 1.5 bits.
    EXPECT_NEAR(wfl::EntropySymbolBits({0, 1, 0, -1}), 6.0, 1e-12);
    EXPECT_DOUBLE_EQ(wfl::EntropySymbolBits({5, 5, 5}), 0.0);
}

namespace
{

/// floor(y + w) clamped, in double, where y + w is exact (|y| < 2^22 float,
/// w a multiple of 2^-24): the definition DitherIndex must meet.
int32_t
ExactDitherIndex(float y, float w, int32_t levels)
{
    const double q = std::floor(static_cast<double>(y) + static_cast<double>(w));
    return static_cast<int32_t>(std::clamp(q, -static_cast<double>(levels), static_cast<double>(levels)));
}

} // namespace

// DitherIndex's float split (n = round(y), then two exact comparisons of
// f = y - n with 1 - w and -w) equals floor(y + w) in double, where the sum
// is exact: at random y over [-Q - 1, Q + 1] for Q = 1, 3, 127 and 32767,
// at |y| < 1/2 with every mantissa bit set, and at the two draws on either
// side of every decision (w at the grid point where y + w reaches the next
// integer, and one grid step below). NaN gives +Q. Breaks tried, each
// fails: floor of the float sum y + w (it rounds away bits of w); the
// comparison f >= 1 - w as f > 1 - w (halves rounded down); n by truncation
// instead of the shift.
TEST(DitheredQuantizer, DitherIndexIsTheExactFloorOfYPlusW)
{
    Rng rng(19, "rounding");
    const auto grid = [&rng]() { return static_cast<float>(rng.UniformInt(uint64_t{1} << 24)) * 0x1.0p-24F; };
    for (int32_t levels : {1, 3, 127, 32767})
    {
        for (int i = 0; i < 200000; ++i)
        {
            float y = static_cast<float>((rng.Uniform() - 0.5) * 2.0 * (levels + 1));
            if (i % 4 == 1)
            {
                y = static_cast<float>((rng.Uniform() - 0.5)); // |y| < 1/2, bits far below 2^-24
            }
            const float w = grid();
            ASSERT_EQ(wfl::DitherIndex(y, w, levels), ExactDitherIndex(y, w, levels)) << y << " " << w;
            // The draws on either side of the decision nearest above y.
            const double gap = std::ceil(static_cast<double>(y)) - static_cast<double>(y); // exact
            const double k = std::ceil(gap * 0x1.0p24);
            if (k >= 1.0 && k < 0x1.0p24)
            {
                for (double step : {k, k - 1.0})
                {
                    const auto edge = static_cast<float>(step * 0x1.0p-24);
                    ASSERT_EQ(wfl::DitherIndex(y, edge, levels), ExactDitherIndex(y, edge, levels)) << y << " " << edge;
                }
            }
        }
    }
    EXPECT_EQ(wfl::DitherIndex(std::numeric_limits<float>::quiet_NaN(), 0.25F, 3), 3);
    EXPECT_EQ(wfl::DitherIndex(2.5F, 0.5F, 3), 3);   // a half rounds up
    EXPECT_EQ(wfl::DitherIndex(-2.5F, 0.5F, 3), -2); // also below zero
    EXPECT_EQ(wfl::DitherIndex(-7.0F, 0.0F, 3), -3); // clamped
}

// EntropySymbolBits has three counting paths (packed counters for up to 8
// symbol values, tables up to 2^16, a map beyond); each must give the entropy of an
// independent std::map histogram, also over several parts. Breaks caught:
// the packed byte counters emptied every 256 rounds instead of 255 (range 1:
// a byte wraps to 0); values 4..7 counted twice.
TEST(SymbolBits, EveryCountingPathMatchesAMapHistogram)
{
    Rng rng(23, "histogram");
    for (int32_t range : {1, 2, 3, 4, 8, 9, 1000, 70000})
    {
        std::vector<int32_t> symbols(5001);
        std::map<int32_t, double> counts;
        for (int32_t& s : symbols)
        {
            s = static_cast<int32_t>(rng.UniformInt(static_cast<uint64_t>(range))) - range / 2;
            counts[s] += 1.0;
        }
        double bits = 0.0;
        for (const auto& [symbol, c] : counts)
        {
            bits -= c * std::log2(c / static_cast<double>(symbols.size()));
        }
        EXPECT_NEAR(wfl::EntropySymbolBits(symbols), bits, 1e-9 * std::max(bits, 1.0)) << range;
        // The encoders that count on the way (signSGD, EF-sign, TernGrad)
        // give the histogram itself: the same bits exactly.
        std::vector<size_t> histogram;
        for (int32_t v = -range / 2; v < range - range / 2; ++v)
        {
            histogram.push_back(static_cast<size_t>(counts.count(v) ? counts[v] : 0.0));
        }
        EXPECT_EQ(wfl::EntropyBitsOfCounts(histogram), wfl::EntropySymbolBits(symbols)) << range;
        // Split in three parts (as DQSG's tensors): the same bits.
        const std::vector<wfl::SymbolSpan> parts = {
            {symbols.data(), 1000}, {symbols.data() + 1000, 0}, {symbols.data() + 1000, symbols.size() - 1000}};
        EXPECT_EQ(wfl::EntropySymbolBits(parts), wfl::EntropySymbolBits(symbols)) << range;
    }
}
