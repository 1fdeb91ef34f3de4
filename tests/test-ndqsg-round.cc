/*
 * NDQSG (ndqsg-compressor.h, methods.md 3.3, 9.5) over a round: the round
 * decoder's running average as side information, the bits, the budget,
 * determinism, and the failure rate against the clients' correlation
 * (printed table). Decoding of one client with given side information is in
 * test-ndqsg.cc.
 */
#include "dqsg-compressor.h"
#include "ndqsg-compressor.h"
#include "random.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

using wfl::CompressedMessage;
using wfl::CompressionContext;
using wfl::NdqsgCompressor;
using wfl::NdqsgPayload;
using wfl::Rng;

namespace
{

/// Client k's gradient: c + r z_k, c and z_k standard normal (relative noise
/// size ||g_k - c|| / ||c|| about r).
std::vector<std::vector<float>>
CorrelatedClients(size_t n, uint32_t clients, double r, uint64_t seed)
{
    Rng common(seed, "ndqsg-common");
    std::vector<double> c(n);
    for (double& v : c)
    {
        v = common.Normal();
    }
    std::vector<std::vector<float>> g(clients, std::vector<float>(n));
    for (uint32_t k = 0; k < clients; ++k)
    {
        Rng noise(seed, "ndqsg-noise", k);
        for (size_t i = 0; i < n; ++i)
        {
            g[k][i] = static_cast<float>(c[i] + r * noise.Normal());
        }
    }
    return g;
}

struct RoundResult
{
    Eigen::VectorXf estimate;
    Eigen::VectorXf failureFree;
    wfl::NdqsgRoundStats stats;
    double bits = 0.0;
};

RoundResult
DecodeRound(const NdqsgCompressor& c, const std::vector<std::vector<float>>& g, uint32_t round)
{
    const size_t n = g[0].size();
    auto decoder = c.NewRoundDecoder(n);
    RoundResult r;
    for (uint32_t k = 0; k < g.size(); ++k)
    {
        CompressionContext context;
        context.seed = 4;
        context.round = round;
        context.client = k;
        const CompressedMessage m = c.Encode(g[k].data(), n, context, nullptr);
        r.bits += m.bitsRaw;
        decoder->Add(m, 1.0, context);
    }
    r.estimate = decoder->Finish();
    const auto& nd = dynamic_cast<const wfl::NdqsgRoundDecoder&>(*decoder);
    r.stats = nd.Stats();
    r.failureFree = nd.FailureFreeEstimate();
    return r;
}

double
Nmse(const Eigen::VectorXf& estimate, const std::vector<std::vector<float>>& g)
{
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(g[0].size()));
    for (const auto& gk : g)
    {
        mean += Eigen::Map<const Eigen::VectorXf>(gk.data(), mean.size()).cast<double>();
    }
    mean /= static_cast<double>(g.size());
    return (estimate.cast<double>() - mean).squaredNorm() / mean.squaredNorm();
}

} // namespace

/*
 * Eight nearly identical clients (noise 1e-4): the first four are fine,
 * the last four nested; no decode fails and the estimate equals the
 * failure-free one bit for bit. Bits: fine n log2 7, nested n log2 3, plus
 * 32 a bucket. Break tried: side information left at 0 (no running
 * average) fails: 1,828 of 16,384 nested entries wrong, NMSE 0.23.
 */
TEST(Ndqsg, RoundDecoderUsesTheRunningAverage)
{
    const size_t n = 4096;
    const NdqsgCompressor c({3, 3, 512, 0.5, 8});
    const auto g = CorrelatedClients(n, 8, 1e-4, 1);
    const RoundResult r = DecodeRound(c, g, 0);
    EXPECT_EQ(r.stats.fineMessages, 4u);
    EXPECT_EQ(r.stats.nestedMessages, 4u);
    EXPECT_EQ(r.stats.nestedEntries, 4 * n);
    EXPECT_EQ(r.stats.wrongCosets, 0u);
    EXPECT_EQ(r.estimate, r.failureFree);
    EXPECT_DOUBLE_EQ(r.bits, 4 * (n * std::log2(7.0) + 32.0 * 8) + 4 * (n * std::log2(3.0) + 32.0 * 8));
    EXPECT_LT(Nmse(r.estimate, g), 0.05);
}

/*
 * The failure-free estimate is the round every client would give sending
 * fine: with weakly correlated clients (noise 1.0) nested decodes fail, and
 * the estimate with four nested clients differs from the failure-free one,
 * which equals the all-fine round's estimate bit for bit (the same fine
 * symbols, dither and summation order). Break tried: the fine sum fed with
 * the decoded (possibly wrong) reconstructions fails the equality.
 */
TEST(Ndqsg, FailureFreeEstimateIsTheAllFineRound)
{
    const size_t n = 4096;
    const auto g = CorrelatedClients(n, 8, 1.0, 3);
    const RoundResult mixed = DecodeRound(NdqsgCompressor({3, 3, 512, 0.5, 8}), g, 0);
    const RoundResult allFine = DecodeRound(NdqsgCompressor({3, 3, 512, 1.0, 8}), g, 0);
    ASSERT_GT(mixed.stats.wrongCosets, 0u);
    EXPECT_NE(mixed.estimate, mixed.failureFree);
    EXPECT_EQ(allFine.stats.nestedMessages, 0u);
    EXPECT_EQ(mixed.failureFree, allFine.estimate);
}

/// Budget: nested clients lower rho, then enlarge buckets; fine clients
/// follow DQSG's ladder; bitsRaw <= budget or fits = false.
TEST(Ndqsg, BitBudgetIsRespected)
{
    const size_t n = 4096;
    const NdqsgCompressor c({3, 5, 64, 0.5, 2});
    const auto g = CorrelatedClients(n, 2, 0.1, 2);
    for (const double budget : {n * std::log2(4.0) + 32.0 * 64, n + 32.0 * 64, n + 32.0, n * 0.5})
    {
        for (uint32_t k = 0; k < 2; ++k)
        {
            CompressionContext context;
            context.client = k;
            context.bitBudget = budget;
            const CompressedMessage m = c.Encode(g[k].data(), n, context, nullptr);
            if (m.fits)
            {
                EXPECT_LE(m.bitsRaw, budget) << k;
            }
            else
            {
                EXPECT_LT(budget, n + 32.0) << k;
            }
        }
    }
    CompressionContext nested;
    nested.client = 1;
    nested.bitBudget = n * std::log2(4.0) + 32.0 * 64;
    EXPECT_EQ(dynamic_cast<const NdqsgPayload&>(*c.Encode(g[1].data(), n, nested, nullptr).payload).ratio, 4);
}

/// Same round: bit-identical estimates; rejects out-of-range parameters.
TEST(Ndqsg, DeterministicAndValidated)
{
    const NdqsgCompressor c({3, 3, 256, 0.5, 6});
    const auto g = CorrelatedClients(2000, 6, 0.3, 3);
    EXPECT_EQ(DecodeRound(c, g, 7).estimate, DecodeRound(c, g, 7).estimate);
    EXPECT_NE(DecodeRound(c, g, 7).estimate, DecodeRound(c, g, 8).estimate);
    EXPECT_THROW(NdqsgCompressor({0, 2, 64, 0.5, 2}), std::invalid_argument);
    EXPECT_THROW(NdqsgCompressor({3, 8, 64, 0.5, 2}), std::invalid_argument);
    EXPECT_THROW(NdqsgCompressor({3, 1, 64, 0.5, 2}), std::invalid_argument);
    EXPECT_THROW(NdqsgCompressor({3, 3, 64, 1.5, 2}), std::invalid_argument);
    EXPECT_THROW(NdqsgCompressor({3, 3, 64, 0.5, 0}), std::invalid_argument);
}

/*
 * How often decoding fails on correlated clients, and what it costs: P = 8
 * (4 fine, 4 nested), Q1 = 3, rho = 3, bucket 512, n = 2^14, 10 rounds per
 * noise level r (g_k = c + r z_k). Prints failure rate, share of nested
 * messages with a failure, NMSE of the estimate and of the failure-free
 * estimate, bits per coordinate, and for reference the NMSE of plain DQSG
 * at Q = 2 (log2 5 + 32/512 = 2.38 bits, the nearest plain rate). Checks:
 * no failure at r = 0, and the failure rate grows with r.
 */
TEST(Ndqsg, FailureRateAgainstCorrelation)
{
    const size_t n = 1 << 14;
    const uint32_t clients = 8;
    const NdqsgCompressor c({3, 3, 512, 0.5, clients});
    std::printf("NDQSG Q1=3 rho=3 bucket=512 P=8 (4 fine, 4 nested), n=%zu, 10 rounds\n", n);
    std::printf("%8s %12s %12s %12s %12s %10s %12s\n", "r", "fail_rate", "msg_w_fail", "nmse", "nmse_nofail", "bits/coord",
                "nmse_dqsg2");
    const wfl::DqsgCompressor dqsg({2, 512});
    double previous = -1.0;
    for (const double r : {0.0, 0.03, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0})
    {
        double wrong = 0.0;
        double entries = 0.0;
        double failedMessages = 0.0;
        double nmse = 0.0;
        double nmseFree = 0.0;
        double bits = 0.0;
        double nmseDqsg = 0.0;
        for (uint32_t round = 0; round < 10; ++round)
        {
            const auto g = CorrelatedClients(n, clients, r, 100 + round);
            const RoundResult res = DecodeRound(c, g, round);
            wrong += static_cast<double>(res.stats.wrongCosets);
            entries += static_cast<double>(res.stats.nestedEntries);
            failedMessages += static_cast<double>(res.stats.messagesWithFailure);
            nmse += Nmse(res.estimate, g) / 10.0;
            nmseFree += Nmse(res.failureFree, g) / 10.0;
            bits += res.bits / (10.0 * clients * n);
            auto plain = dqsg.NewRoundDecoder(n);
            for (uint32_t k = 0; k < clients; ++k)
            {
                CompressionContext context;
                context.round = round;
                context.client = k;
                plain->Add(dqsg.Encode(g[k].data(), n, context, nullptr), 1.0, context);
            }
            nmseDqsg += Nmse(plain->Finish(), g) / 10.0;
        }
        const double rate = wrong / entries;
        std::printf("%8.2f %12.3e %12.2f %12.4e %12.4e %10.3f %12.4e\n", r, rate, failedMessages / 40.0, nmse, nmseFree,
                    bits, nmseDqsg);
        if (r == 0.0)
        {
            EXPECT_EQ(wrong, 0.0);
        }
        EXPECT_GE(rate, previous);
        previous = rate;
    }
}
