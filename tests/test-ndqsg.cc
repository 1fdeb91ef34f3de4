/*
 * NDQSG (ndqsg-compressor.h) against theory (methods.md 3.3, 9.5): decoding
 * with side information y is exact (bit-identical to the fine quantizer's
 * reconstruction) whenever |w - y| < s rho / 2 - s / 2, always wrong beyond
 * |w - y| > s rho / 2 + s / 2, and in between fails with probability t for
 * |w - y| = s (rho - 1) / 2 + t s (the fine error is uniform on [-s/2, s/2)).
 * The round decoder, the bits, the budget, determinism, and the failure
 * rate against the clients' correlation are in test-ndqsg-round.cc.
 */
#include "dqsg-compressor.h"
#include "ndqsg-compressor.h"
#include "random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

namespace
{

using wfl::CompressedMessage;
using wfl::CompressionContext;
using wfl::NdqsgCompressor;
using wfl::NdqsgPayload;
using wfl::Rng;

/// Every client nested (fine fraction 0).
NdqsgCompressor
AllNested(int32_t levels, int32_t rho, size_t bucket)
{
    return NdqsgCompressor({levels, rho, bucket, 0.0, 1});
}

/// Buckets of 64 with a pin Q1 at the head (s = 1) and interior entries
/// uniform on [-half, half].
std::vector<float>
PinnedInput(int32_t levels, double half, Rng& rng)
{
    std::vector<float> w(64 * 64);
    for (size_t i = 0; i < w.size(); ++i)
    {
        w[i] = i % 64 == 0 ? static_cast<float>(levels) : static_cast<float>(rng.Uniform(-half, half));
    }
    return w;
}

struct SideDecode
{
    std::vector<float> decoded;
    std::vector<float> fine;       ///< the fine quantizer's reconstruction
    std::vector<int32_t> indices;  ///< decoded q1'
    std::vector<int32_t> truth;    ///< the encoder's q1
};

/// Encode w as a nested client in round `round`, decode with side info y.
SideDecode
DecodeWithSideInfo(const NdqsgCompressor& c, const std::vector<float>& w, const std::vector<float>& y, uint32_t round)
{
    CompressionContext context;
    context.seed = 9;
    context.round = round;
    const CompressedMessage m = c.Encode(w.data(), w.size(), context, nullptr);
    const auto& p = dynamic_cast<const NdqsgPayload&>(*m.payload);
    EXPECT_TRUE(p.nested);
    SideDecode r;
    r.decoded.resize(w.size());
    r.fine.resize(w.size());
    Rng dither(context.seed, NdqsgCompressor::kStream, 0, round);
    wfl::NestedDequantize(p.parts[0], p.ratio, y.data(), dither, r.decoded.data(), &r.indices);
    wfl::DitheredVector fine = p.parts[0];
    fine.symbols = p.fineIndices[0];
    Rng fineDither(context.seed, NdqsgCompressor::kStream, 0, round);
    wfl::DitherDequantize(fine, fineDither, r.fine.data());
    r.truth.assign(fine.symbols.begin(), fine.symbols.end());
    return r;
}

} // namespace

/*
 * Inside the condition: y = w + d, |d| < 0.999 s (rho - 1) / 2, over 100
 * rounds of 4,096 entries for four (Q1, rho), odd and even rho: every entry
 * decodes to the encoder's q1 and to the fine reconstruction bit for bit.
 * Breaks tried: v without the dither (5,480 wrong entries at Q1 = rho = 3),
 * v with 0.98 u, and the encoder's dither at 0.9 u in the primitive all
 * fail. Deterministic: one wrong entry in 1.6 million fails.
 */
TEST(Ndqsg, DecodingIsExactInsideTheCondition)
{
    for (const auto& [levels, rho] : std::vector<std::pair<int32_t, int32_t>>{{3, 3}, {3, 2}, {5, 4}, {8, 5}})
    {
        SCOPED_TRACE("Q1 = " + std::to_string(levels) + ", rho = " + std::to_string(rho));
        const NdqsgCompressor c = AllNested(levels, rho, 64);
        Rng rng(1, "ndqsg-inside", static_cast<uint64_t>(levels), static_cast<uint64_t>(rho));
        const double margin = 0.999 * (rho - 1) / 2.0;
        size_t wrong = 0;
        size_t differ = 0;
        for (uint32_t round = 0; round < 100; ++round)
        {
            const std::vector<float> w = PinnedInput(levels, levels, rng);
            std::vector<float> y(w.size());
            for (size_t i = 0; i < w.size(); ++i)
            {
                y[i] = w[i] + static_cast<float>(rng.Uniform(-margin, margin));
            }
            const SideDecode r = DecodeWithSideInfo(c, w, y, round);
            for (size_t i = 0; i < w.size(); ++i)
            {
                wrong += r.indices[i] != r.truth[i] ? 1 : 0;
                differ += r.decoded[i] != r.fine[i] ? 1 : 0;
            }
        }
        EXPECT_EQ(wrong, 0u);
        EXPECT_EQ(differ, 0u);
    }
}

/*
 * Beyond s rho / 2 + s / 2 (Q1 = 8, rho = 3, |w| <= 4 so the range limit
 * cannot rescue it): every interior entry lands on a wrong coset member,
 * exactly one coarse step s rho away from the fine reconstruction.
 * Break tried: k = floor((v - c) / rho + 1/2) only for v > c (the member
 * below v otherwise) fails.
 */
TEST(Ndqsg, DecodingFailsBeyondTheCondition)
{
    const NdqsgCompressor c = AllNested(8, 3, 64);
    Rng rng(2, "ndqsg-outside");
    for (uint32_t round = 0; round < 20; ++round)
    {
        const std::vector<float> w = PinnedInput(8, 4.0, rng);
        std::vector<float> y(w.size());
        for (size_t i = 0; i < w.size(); ++i)
        {
            const double d = (rng.Uniform() < 0.5 ? -1.0 : 1.0) * (2.01 + rng.Uniform(0.0, 0.9));
            y[i] = i % 64 == 0 ? w[i] : w[i] + static_cast<float>(d);
        }
        const SideDecode r = DecodeWithSideInfo(c, w, y, round);
        for (size_t i = 0; i < w.size(); ++i)
        {
            if (i % 64 != 0)
            {
                ASSERT_NE(r.indices[i], r.truth[i]) << i;
                ASSERT_NEAR(std::abs(r.decoded[i] - r.fine[i]), 3.0, 1e-5) << i;
            }
        }
    }
}

/*
 * In the band: |w - y| = s (rho - 1) / 2 + t s fails with probability t
 * (Q1 = 8, rho = 3, interior w). 100 rounds x 4,032 entries: SE <= 0.0008,
 * bound 5 SE = 0.004. Break tried: v without the dither fails. A decoder
 * with 0.9 u, or an encoder dither of 0.9 u, passes here (the symmetric
 * error cancels to first order) and is caught by the inside test: this test
 * checks the fine error's distribution, not the decoder's arithmetic.
 * Smallest error caught: a 0.004 shift of the failure probability, i.e. of
 * the fine error's CDF at -s/4, 0 or s/4.
 */
TEST(Ndqsg, FailureProbabilityIsLinearInTheBand)
{
    const NdqsgCompressor c = AllNested(8, 3, 64);
    for (const double t : {0.25, 0.5, 0.75})
    {
        Rng rng(3, "ndqsg-band", static_cast<uint64_t>(t * 100));
        double wrong = 0.0;
        double total = 0.0;
        for (uint32_t round = 0; round < 100; ++round)
        {
            const std::vector<float> w = PinnedInput(8, 4.0, rng);
            std::vector<float> y(w.size());
            for (size_t i = 0; i < w.size(); ++i)
            {
                const double d = (rng.Uniform() < 0.5 ? -1.0 : 1.0) * (1.0 + t);
                y[i] = i % 64 == 0 ? w[i] : static_cast<float>(w[i] + d);
            }
            const SideDecode r = DecodeWithSideInfo(c, w, y, round);
            for (size_t i = 0; i < w.size(); ++i)
            {
                if (i % 64 != 0)
                {
                    wrong += r.indices[i] != r.truth[i] ? 1.0 : 0.0;
                    total += 1.0;
                }
            }
        }
        EXPECT_NEAR(wrong / total, t, 5.0 * std::sqrt(t * (1 - t) / total)) << "t = " << t;
    }
}

/// Coset indices take rho centred values congruent to q1; NestedIndex picks
/// the nearest member and stays in [-Q1, Q1].
TEST(Ndqsg, CosetIndexAndNearestMember)
{
    for (int32_t rho = 2; rho <= 7; ++rho)
    {
        const int32_t low = (rho - 1) / 2;
        for (int32_t q1 = -20; q1 <= 20; ++q1)
        {
            const int32_t c = wfl::CosetIndex(q1, rho);
            EXPECT_GE(c, -low);
            EXPECT_LE(c, rho - 1 - low);
            EXPECT_EQ(((q1 - c) % rho + rho) % rho, 0);
            EXPECT_EQ(wfl::NestedIndex(c, q1 + 0.49 * rho, rho, 100), q1) << rho << " " << q1;
        }
    }
    EXPECT_EQ(wfl::NestedIndex(0, 10.0, 3, 4), 3); // 9 is out of range: the nearest valid member
    EXPECT_EQ(wfl::NestedIndex(1, -10.0, 3, 4), -2);
}

namespace
{
/// The nearest member as first written: round, then step by rho into range.
int32_t
SteppedNearestMember(int32_t c, double v, int32_t rho, int32_t levels)
{
    int64_t q = c + static_cast<int64_t>(rho) * static_cast<int64_t>(std::nearbyint((v - c) / rho));
    while (q > levels)
    {
        q -= rho;
    }
    while (q < -levels)
    {
        q += rho;
    }
    return static_cast<int32_t>(q);
}
} // namespace

// NestedIndex's closed form (k clamped to the range's ends) equals the
// stepping it replaced at every coset, ratio and range for v across and far
// beyond the range, and gives an in-range member for side information that
// is infinite or NaN (a diverging client earlier in the round), where the
// stepping ran about 2^63 / rho times: the run hung. Breaks tried, each
// fails: kHigh one too large; the lower clamp dropped (NaN and v far below
// the range sent through the integer conversion).
TEST(Ndqsg, NearestMemberMatchesSteppingAndSurvivesNonFiniteSideInformation)
{
    Rng rng(12, "nearest-member");
    for (int32_t levels : {1, 3, 7, 40})
    {
        for (int32_t rho = 2; rho <= std::min(2 * levels + 1, 12); ++rho)
        {
            const int32_t low = (rho - 1) / 2;
            for (int32_t c = -low; c <= rho - 1 - low; ++c)
            {
                for (int i = 0; i < 200; ++i)
                {
                    const double v = rng.Uniform(-6.0, 6.0) * levels;
                    ASSERT_EQ(wfl::NestedIndex(c, v, rho, levels), SteppedNearestMember(c, v, rho, levels))
                        << levels << " " << rho << " " << c << " " << v;
                }
                for (double v : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity(), 1e300, -1e300})
                {
                    const int32_t q = wfl::NestedIndex(c, v, rho, levels);
                    EXPECT_LE(std::abs(q), levels) << v;
                    EXPECT_EQ(((q - c) % rho + rho) % rho, 0) << v;
                }
                EXPECT_EQ(wfl::NestedIndex(c, 1e300, rho, levels), SteppedNearestMember(c, 1e9, rho, levels));
            }
        }
    }
}

/// rho = 2 Q1 + 1: every coset holds one valid index, so decoding never
/// fails whatever the side information (the range limit at work). Break
/// tried: without the range limit most entries fail.
TEST(Ndqsg, FullAlphabetRatioNeverFails)
{
    const NdqsgCompressor c = AllNested(2, 5, 64);
    Rng rng(4, "ndqsg-full");
    const std::vector<float> w = PinnedInput(2, 2.0, rng);
    std::vector<float> y(w.size());
    for (float& v : y)
    {
        v = static_cast<float>(rng.Uniform(-50.0, 50.0));
    }
    const SideDecode r = DecodeWithSideInfo(c, w, y, 0);
    EXPECT_EQ(r.indices, r.truth);
    EXPECT_EQ(r.decoded, r.fine);
}
