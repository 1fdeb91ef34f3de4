/*
 * DQSG (dqsg-compressor.h) against theory (methods.md 2.1, 2.3, 3.2, check
 * 10.1): through the compressor (streams, buckets, layout), the error is
 * uniform on [-s/2, s/2) with variance s^2 / 12 at every input; buckets
 * restart at tensors; bits follow their formula; the budget ladder fits;
 * encode and decode are deterministic and thread-independent.
 */
#include "dqsg-compressor.h"
#include "symbol-bits.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

namespace
{

using wfl::CompressedMessage;
using wfl::CompressionContext;
using wfl::DqsgCompressor;

/// Decoded g through encode and decode with context `c`.
std::vector<float>
RoundTrip(const wfl::Compressor& compressor, const std::vector<float>& g, const CompressionContext& c)
{
    const CompressedMessage m = compressor.Encode(g.data(), g.size(), c, nullptr);
    std::vector<float> out(g.size());
    compressor.Decode(m, g.size(), c, out.data());
    return out;
}

} // namespace

/*
 * Q = 3, bucket 64 with a pin of 3 at the head of every bucket, so s = 1.
 * Six inputs (on, between, at the edge of the grid) fill the other entries;
 * 300 rounds give 201,600 errors per input. Each: |mean| < 5 SE, E[e^2]
 * within 1.5 % of 1/12 (SE 0.2 %), every tenth of [-1/2, 1/2) holds a tenth
 * within 5 SE. Breaks tried: decoding with the next round's dither (errors
 * beyond s/2: fails); subtracting 0.97 u in the primitive's dequantizer
 * (variance and tenths fail).
 * Smallest error caught: a 1.5 % change of the error variance at any input.
 */
TEST(Dqsg, ErrorIsUniformWithVarianceDeltaSquaredOver12AtEveryInput)
{
    const std::vector<double> inputs{0.0, 0.3, 0.5, 1.7, -2.49, 3.0};
    const size_t bucket = 64;
    const size_t n = bucket * 64;
    std::vector<float> g(n);
    for (size_t i = 0; i < n; ++i)
    {
        g[i] = i % bucket == 0 ? 3.0F : static_cast<float>(inputs[(i / bucket + i) % inputs.size()]);
    }
    const DqsgCompressor dqsg({3, bucket});
    const int draws = 300;
    std::vector<std::vector<double>> errors(inputs.size());
    for (int d = 0; d < draws; ++d)
    {
        CompressionContext c;
        c.seed = 11;
        c.round = static_cast<uint32_t>(d);
        c.client = 2;
        const std::vector<float> out = RoundTrip(dqsg, g, c);
        for (size_t i = 0; i < n; ++i)
        {
            if (i % bucket != 0)
            {
                errors[(i / bucket + i) % inputs.size()].push_back(static_cast<double>(out[i]) - g[i]);
            }
        }
    }
    for (size_t k = 0; k < inputs.size(); ++k)
    {
        SCOPED_TRACE("x = " + std::to_string(inputs[k]));
        const std::vector<double>& e = errors[k];
        const double count = static_cast<double>(e.size());
        double sum = 0.0;
        double square = 0.0;
        std::vector<double> bins(10, 0.0);
        for (double v : e)
        {
            sum += v;
            square += v * v;
            ASSERT_LE(std::abs(v), 0.5 + 1e-6);
            bins[std::min<size_t>(9, static_cast<size_t>((v + 0.5) * 10.0))] += 1.0;
        }
        EXPECT_LT(std::abs(sum / count), 5.0 * std::sqrt(1.0 / 12.0 / count));
        EXPECT_NEAR(square / count * 12.0, 1.0, 0.015);
        for (double b : bins)
        {
            EXPECT_LT(std::abs(b - count / 10.0), 5.0 * std::sqrt(count / 10.0 * 0.9));
        }
    }
}

/*
 * Two tensors of 100 entries, magnitudes 1 and 1000, bucket 512: with the
 * layout, each tensor has its own scale and the small one's error stays
 * below s/2 = 1/6. Break tried: ignoring the layout (one bucket over both,
 * s = 1000/3) fails with errors near 80.
 */
TEST(Dqsg, BucketsRestartAtEveryTensor)
{
    wfl::ParameterLayout layout{{"a", {100}, 0}, {"b", {10, 10}, 100}};
    std::vector<float> g(200);
    for (size_t i = 0; i < 200; ++i)
    {
        g[i] = static_cast<float>((i < 100 ? 1.0 : 1000.0) * std::sin(0.37 * static_cast<double>(i) + 0.1));
    }
    g[0] = 1.0F; // ||a||_inf = 1, s = 1/3
    CompressionContext c;
    c.layout = &layout;
    const DqsgCompressor dqsg({3, 512});
    const std::vector<float> out = RoundTrip(dqsg, g, c);
    for (size_t i = 0; i < 100; ++i)
    {
        EXPECT_LE(std::abs(out[i] - g[i]), 1.0 / 6.0 + 1e-6) << i;
    }
    const CompressedMessage m = dqsg.Encode(g.data(), g.size(), c, nullptr);
    EXPECT_DOUBLE_EQ(m.bitsRaw, 200.0 * std::log2(7.0) + 2 * 32.0); // one scale per tensor
}

/*
 * Bits: raw = n log2(2Q + 1) + 32 per bucket (last bucket short), entropy =
 * empirical entropy of the symbols + the same scales, never above raw.
 * Break tried: charging 16 bits a scale fails the raw equality by 2,512 bits.
 */
TEST(Dqsg, BitsFollowTheirFormulas)
{
    const size_t n = 10000;
    std::vector<float> g(n);
    for (size_t i = 0; i < n; ++i)
    {
        g[i] = static_cast<float>(std::cos(1.3 * static_cast<double>(i)) * (1.0 + static_cast<double>(i % 7)));
    }
    for (const int32_t q : {0, 1, 3, 7})
    {
        SCOPED_TRACE("Q = " + std::to_string(q));
        const DqsgCompressor dqsg({q, 64});
        const CompressedMessage m = dqsg.Encode(g.data(), n, CompressionContext{}, nullptr);
        const double alphabet = q > 0 ? 2.0 * q + 1.0 : 2.0;
        EXPECT_DOUBLE_EQ(m.bitsRaw, n * std::log2(alphabet) + 32.0 * 157); // ceil(10000 / 64) = 157
        const auto& p = dynamic_cast<const wfl::DqsgPayload&>(*m.payload);
        EXPECT_DOUBLE_EQ(m.bitsEntropy, wfl::EntropySymbolBits(p.parts[0].symbols) + 32.0 * 157);
        EXPECT_LE(m.bitsEntropy, m.bitsRaw + 1e-9);
    }
}

/*
 * Budget: the ladder lowers Q, then enlarges the bucket at one bit; bitsRaw
 * never exceeds the budget; below the cheapest setting the message does not
 * fit. Break tried: skipping the ladder (always Q = 3) fails bitsRaw <= budget.
 */
TEST(Dqsg, BitBudgetIsRespected)
{
    const size_t n = 4096;
    std::vector<float> g(n);
    for (size_t i = 0; i < n; ++i)
    {
        g[i] = static_cast<float>(std::sin(0.01 * static_cast<double>(i * i)));
    }
    const DqsgCompressor dqsg({3, 64});
    const double scales = 32.0 * 64;
    for (const double budget : {1e9, n * std::log2(5.0) + scales, n * std::log2(4.0) + scales, n * 1.0 + scales,
                                n + 32.0 * 8, n + 32.0})
    {
        CompressionContext c;
        c.bitBudget = budget;
        const CompressedMessage m = dqsg.Encode(g.data(), n, c, nullptr);
        ASSERT_TRUE(m.fits) << budget;
        EXPECT_LE(m.bitsRaw, budget);
    }
    CompressionContext c;
    c.bitBudget = n * std::log2(5.0) + scales; // exactly Q = 2
    EXPECT_EQ(dynamic_cast<const wfl::DqsgPayload&>(*dqsg.Encode(g.data(), n, c, nullptr).payload).parts[0].levels, 2);
    c.bitBudget = n + 31.0; // one bit and one scale is the cheapest
    EXPECT_FALSE(dqsg.Encode(g.data(), n, c, nullptr).fits);
}

/// Same context: identical symbols and output; another client or round:
/// another dither. Encoding clients on two threads equals encoding them in turn.
TEST(Dqsg, DeterministicAndThreadIndependent)
{
    const size_t n = 3000;
    std::vector<float> g(n);
    for (size_t i = 0; i < n; ++i)
    {
        g[i] = static_cast<float>(std::sin(static_cast<double>(i)));
    }
    const DqsgCompressor dqsg({2, 100});
    const auto decode = [&](uint32_t client, uint32_t round) {
        CompressionContext c;
        c.seed = 5;
        c.client = client;
        c.round = round;
        return RoundTrip(dqsg, g, c);
    };
    EXPECT_EQ(decode(1, 4), decode(1, 4));
    EXPECT_NE(decode(1, 4), decode(2, 4));
    EXPECT_NE(decode(1, 4), decode(1, 5));
    std::vector<std::vector<float>> serial(8);
    std::vector<std::vector<float>> threaded(8);
    for (uint32_t k = 0; k < 8; ++k)
    {
        serial[k] = decode(k, 3);
    }
    std::thread a([&] {
        for (uint32_t k = 0; k < 8; k += 2)
        {
            threaded[k] = decode(k, 3);
        }
    });
    std::thread b([&] {
        for (uint32_t k = 1; k < 8; k += 2)
        {
            threaded[k] = decode(k, 3);
        }
    });
    a.join();
    b.join();
    EXPECT_EQ(serial, threaded);
}

TEST(Dqsg, RejectsBadParameters)
{
    EXPECT_THROW(DqsgCompressor({-1, 64}), std::invalid_argument);
    EXPECT_THROW(DqsgCompressor({3, 0}), std::invalid_argument);
    wfl::ParameterLayout gap{{"a", {10}, 0}, {"b", {10}, 12}};
    EXPECT_THROW(wfl::TensorSpans(&gap, 22), std::invalid_argument);
}
