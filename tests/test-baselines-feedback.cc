/*
 * The sign and sparsification baselines with memory (methods.md 8.5):
 * signSGD's majority vote on constructed inputs, EF-SGD's error-feedback
 * identity and residual bound, top-k's selection and memory.
 */
#include "baselines-fixtures.h"
#include "ef-sign-compressor.h"
#include "signsgd-compressor.h"
#include "symbol-bits.h"
#include "topk-compressor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace
{

using wfltest::Context;
using wfltest::RoundTrip;

/// The majority-vote decode of the rows of `clients` with `weights`.
Eigen::VectorXf
Vote(const wfl::SignSgdCompressor& c, const std::vector<Eigen::VectorXf>& clients, const std::vector<double>& weights)
{
    const size_t dim = static_cast<size_t>(clients[0].size());
    auto decoder = c.NewRoundDecoder(dim);
    for (size_t k = 0; k < clients.size(); ++k)
    {
        const auto ctx = Context(9, 0, static_cast<uint32_t>(k));
        const wfl::CompressedMessage m = c.Encode(clients[k].data(), dim, ctx, nullptr);
        decoder->Add(m, weights[k], ctx);
    }
    return decoder->Finish();
}

Eigen::VectorXf
Vec(std::initializer_list<float> v)
{
    Eigen::VectorXf out(static_cast<Eigen::Index>(v.size()));
    std::copy(v.begin(), v.end(), out.data());
    return out;
}

} // namespace

/*
 * Three clients, fixed step 0.5: coordinate votes (+,+,-) -> +, (+,-,-) -> -,
 * (-,-,-) -> -, (+,+,+) -> +, with weights (1, 1, 5): unweighted = one vote
 * per client; weighted lets client 2 (weight 5) win coordinates 0 and 3.
 * Two clients that disagree tie: 0. Break tried: the weights used in the
 * unweighted vote gives (-0.5, -0.5, -0.5, -0.5) and fails; any other
 * change of the vote (sum for sign, a dropped client) changes an exact
 * expected value.
 */
TEST(SignSgd, MajorityVoteOnConstructedInputs)
{
    const std::vector<Eigen::VectorXf> clients = {Vec({1.0F, 2.0F, -1.0F, 3.0F}),
                                                  Vec({0.5F, -2.0F, -1.0F, 1.0F}),
                                                  Vec({-4.0F, -1.0F, -2.0F, -0.1F})};
    const std::vector<double> weights = {1.0, 1.0, 5.0};
    const wfl::SignSgdCompressor unweighted({0.5, false});
    EXPECT_EQ(Vote(unweighted, clients, weights), Vec({0.5F, -0.5F, -0.5F, 0.5F}));
    const wfl::SignSgdCompressor weighted({0.5, true});
    EXPECT_EQ(Vote(weighted, clients, weights), Vec({-0.5F, -0.5F, -0.5F, -0.5F}));
    EXPECT_EQ(Vote(unweighted, {clients[0], clients[1]}, {1.0, 1.0}), Vec({0.5F, 0.0F, -0.5F, 0.5F}));
}

/*
 * step = 0: each client sends ||g_seg||_1 / |seg| per tensor and the vote is
 * scaled by their weighted mean. Two tensors {2} and {2}: client means
 * (1.5, 2) and (1, 0.5) with weights 1 and 3 give a = (1.125, 0.875).
 * A silent client (budget too small) neither votes nor scales.
 */
TEST(SignSgd, AdaptiveScaleBitsAndSilentClients)
{
    wfl::ParameterLayout layout(2);
    layout[0] = {"a", {2}, 0};
    layout[1] = {"b", {2}, 2};
    const wfl::SignSgdCompressor c({0.0, false});
    const Eigen::VectorXf g0 = Vec({1.0F, 2.0F, -3.0F, 1.0F});
    const Eigen::VectorXf g1 = Vec({1.0F, 1.0F, -0.5F, -0.5F});
    auto decoder = c.NewRoundDecoder(4);
    wfl::CompressedMessage m0 = c.Encode(g0.data(), 4, Context(1, 0, 0, &layout), nullptr);
    wfl::CompressedMessage m1 = c.Encode(g1.data(), 4, Context(1, 0, 1, &layout), nullptr);
    EXPECT_DOUBLE_EQ(m0.bitsRaw, 4 + 2 * 32.0);
    EXPECT_DOUBLE_EQ(m0.bitsEntropy, wfl::EntropySymbolBits({1, 1, -1, 1}) + 64.0);
    const Eigen::VectorXf g2 = Vec({-9.0F, -9.0F, 9.0F, 9.0F});
    const wfl::CompressedMessage m2 = c.Encode(g2.data(), 4, Context(1, 0, 2, &layout, 67.0), nullptr);
    EXPECT_FALSE(m2.fits);
    decoder->Add(m0, 1.0, Context(1, 0, 0, &layout));
    decoder->Add(m1, 3.0, Context(1, 0, 1, &layout));
    decoder->Add(m2, 100.0, Context(1, 0, 2, &layout));
    // votes: (+2, +2, -2, 0); scales (1.5 + 3 * 1) / 4, (2 + 3 * 0.5) / 4
    EXPECT_EQ(decoder->Finish(), Vec({1.125F, 1.125F, -0.875F, 0.0F}));
    const wfl::SignSgdCompressor fixed({0.1, false});
    EXPECT_DOUBLE_EQ(fixed.Encode(g0.data(), 4, Context(1, 0, 0, &layout), nullptr).bitsRaw, 4.0);
    EXPECT_THROW(wfl::SignSgdCompressor({-1.0, false}), std::invalid_argument);
}

/*
 * A zero entry is sent as a fair random sign: over 20,000 rounds its +1
 * share is 1/2 within 5 SE (1.8 %). Break tried: sign(0) = +1 fails at once.
 */
TEST(SignSgd, ZeroEntriesVoteFairly)
{
    const wfl::SignSgdCompressor c({1.0, false});
    const Eigen::VectorXf g = Vec({0.0F, 1.0F});
    const int rounds = 20000;
    int plus = 0;
    for (int t = 0; t < rounds; ++t)
    {
        plus += RoundTrip(c, g, Context(4, static_cast<uint32_t>(t)), nullptr)[0] > 0.0F ? 1 : 0;
    }
    EXPECT_LT(std::abs(plus - rounds / 2.0), 5.0 * std::sqrt(rounds / 4.0));
}

/*
 * EF-SGD over T = 400 rounds of g_t = mu + N(0, 1) (D = 64, mu with a few
 * large entries, per-tensor scales on a two-tensor layout):
 *  - the identity sum_t Delta_t = sum_t g_t - e_T holds to float rounding
 *    (1e-3 on sums of norm ~ 400 ||mu||);
 *  - each step shrinks: ||e_{t+1}||^2 = ||p_t||^2 - ||Delta_t||^2 (the
 *    scaled sign is the projection of p on its sign pattern), to 1e-4
 *    relative;
 *  - the residual stays below the geometric bound c / (1 - c) max_t ||g_t||,
 *    c = max_t sqrt(1 - delta_t), delta_t = ||Delta_t||^2 / ||p_t||^2;
 *  - without feedback the drift ||sum g - sum Delta|| grows past 10x the
 *    largest EF residual (the scaled sign is biased; measured 1489 against
 *    a largest residual of 99.5, bound 260, EF drift 85).
 * Breaks tried: e <- p - 0.9 Delta fails the shrink identity (34.78
 * against 34.25 at round 1); not keeping e (e <- 0 with feedback on) fails
 * it too (0 against 34.25). Smallest error caught: a residual whose squared
 * norm is off by 1e-4 of ||p||^2 in any round, or a decoded sum off by 1e-3
 * (5e-7 of ||sum g||).
 */
TEST(EfSign, ResidualBoundedAndDecodedSumTracksInputSum)
{
    wfl::ParameterLayout layout(2);
    layout[0] = {"w", {8, 6}, 0};
    layout[1] = {"b", {16}, 48};
    const size_t dim = 64;
    Eigen::VectorXf mu = Eigen::VectorXf::Zero(dim);
    mu[3] = 4.0F;
    mu[50] = -3.0F;
    mu[20] = 0.5F;
    const int rounds = 400;
    double efMaxE = 0.0;
    for (const bool feedback : {true, false})
    {
        const wfl::EfSignCompressor c({0, feedback});
        auto state = c.NewClientState(dim);
        auto& e = dynamic_cast<wfl::ResidualState&>(*state).residual;
        Eigen::VectorXd sumG = Eigen::VectorXd::Zero(dim);
        Eigen::VectorXd sumD = Eigen::VectorXd::Zero(dim);
        double maxG = 0.0;
        double maxE = 0.0;
        double c2 = 0.0;
        for (int t = 0; t < rounds; ++t)
        {
            const Eigen::VectorXf g = mu + wfltest::Gaussian(dim, 2, "ef-g", static_cast<uint64_t>(t));
            const Eigen::VectorXf p = g + e;
            const auto ctx = Context(1, static_cast<uint32_t>(t), 0, &layout);
            const Eigen::VectorXf delta = RoundTrip(c, g, ctx, state.get());
            sumG += g.cast<double>();
            sumD += delta.cast<double>();
            maxG = std::max(maxG, static_cast<double>(g.norm()));
            maxE = std::max(maxE, static_cast<double>(e.norm()));
            if (feedback)
            {
                const double pp = p.cast<double>().squaredNorm();
                ASSERT_NEAR(e.cast<double>().squaredNorm(), pp - delta.cast<double>().squaredNorm(), 1e-4 * pp);
                c2 = std::max(c2, 1.0 - delta.cast<double>().squaredNorm() / pp);
            }
        }
        const double drift = (sumG - sumD).norm();
        if (feedback)
        {
            EXPECT_NEAR((sumG - sumD - e.cast<double>()).norm(), 0.0, 1e-3) << "sum identity";
            const double cc = std::sqrt(c2);
            EXPECT_LT(maxE, cc / (1.0 - cc) * maxG) << "c = " << cc;
            EXPECT_LT(drift, maxE + 1e-3);
            efMaxE = maxE;
        }
        else
        {
            EXPECT_EQ(e.norm(), 0.0F);
            EXPECT_GT(drift, 10.0 * efMaxE);
        }
    }
}

/// Bits = D + 32 per segment; over budget one scale; below that silent,
/// with all of p kept in memory.
TEST(EfSign, BitsAndBudget)
{
    const wfl::ParameterLayout layout = wfltest::SmallLayout();
    const Eigen::VectorXf g = wfltest::Gaussian(1421, 3, "ef-bits");
    const wfl::EfSignCompressor c({0, true});
    auto state = c.NewClientState(1421);
    wfl::CompressedMessage m;
    RoundTrip(c, g, Context(1, 0, 0, &layout), state.get(), &m);
    EXPECT_DOUBLE_EQ(m.bitsRaw, 1421 + 3 * 32.0);
    RoundTrip(c, g, Context(1, 1, 0, &layout, 1421 + 32.0), state.get(), &m);
    EXPECT_DOUBLE_EQ(m.bitsRaw, 1421 + 32.0);
    auto fresh = c.NewClientState(1421);
    RoundTrip(c, g, Context(1, 0, 0, &layout, 1000.0), fresh.get(), &m);
    EXPECT_FALSE(m.fits);
    EXPECT_EQ(dynamic_cast<wfl::ResidualState&>(*fresh).residual, g);
}

/*
 * Top-k keeps exactly the k largest |g_i| (checked against a full sort),
 * with their exact values, and the memory holds exactly the dropped
 * entries; with zero inputs the memory drains k entries a round until the
 * decoded messages sum to g exactly. Ties go to the lower index. Breaks
 * tried: not clearing the sent entries from m fails the memory and sum
 * checks; ties to the higher index fails the tie case.
 */
TEST(TopK, KeepsTheKLargestAndMemoryReturnsWhatWasDropped)
{
    const size_t dim = 20;
    const Eigen::VectorXf g = wfltest::Gaussian(dim, 4, "topk-g");
    const wfl::TopKCompressor c({0.25, true}); // k = 5
    auto state = c.NewClientState(dim);
    auto& m = dynamic_cast<wfl::ResidualState&>(*state).residual;
    const Eigen::VectorXf out = RoundTrip(c, g, Context(1, 0), state.get());
    std::vector<int> order(dim);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&g](int a, int b) { return std::abs(g[a]) > std::abs(g[b]); });
    Eigen::VectorXf expected = Eigen::VectorXf::Zero(dim);
    for (int j = 0; j < 5; ++j)
    {
        expected[order[j]] = g[order[j]];
    }
    EXPECT_EQ(out, expected);
    EXPECT_EQ(m, g - expected);
    Eigen::VectorXf sum = out;
    const Eigen::VectorXf zero = Eigen::VectorXf::Zero(dim);
    for (uint32_t t = 1; t < 4; ++t)
    {
        sum += RoundTrip(c, zero, Context(1, t), state.get());
    }
    EXPECT_EQ(sum, g);
    EXPECT_EQ(m, zero);
    // Ties: four equal magnitudes, k = 2 keeps positions 1 and 2.
    const wfl::TopKCompressor two({0.5, true});
    auto s2 = two.NewClientState(4);
    const Eigen::VectorXf tie = Vec({0.1F, 1.0F, -1.0F, 1.0F});
    EXPECT_EQ(RoundTrip(two, tie, Context(1, 0), s2.get()), Vec({0.0F, 1.0F, -1.0F, 0.0F}));
}

/// Bits: raw k (32 + ceil log2 D), entropy 32 k + log2 binom(D, k); the
/// budget cuts k; below one entry: silent with g kept; no feedback: no memory.
TEST(TopK, BitsBudgetAndNoFeedback)
{
    const size_t dim = 1000; // ceil(log2 1000) = 10
    const Eigen::VectorXf g = wfltest::Gaussian(dim, 5, "topk-bits");
    const wfl::TopKCompressor c({0.01, true});
    auto state = c.NewClientState(dim);
    wfl::CompressedMessage msg;
    RoundTrip(c, g, Context(1, 0), state.get(), &msg);
    EXPECT_DOUBLE_EQ(msg.bitsRaw, 10 * 42.0);
    const double binom = std::log2(std::exp(std::lgamma(1001.0) - std::lgamma(11.0) - std::lgamma(991.0)));
    EXPECT_NEAR(msg.bitsEntropy, 320.0 + binom, 1e-6);
    EXPECT_LT(msg.bitsEntropy, msg.bitsRaw);
    RoundTrip(c, g, Context(1, 1, 0, nullptr, 3 * 42.0 + 41.0), state.get(), &msg);
    EXPECT_DOUBLE_EQ(msg.bitsRaw, 3 * 42.0);
    auto fresh = c.NewClientState(dim);
    RoundTrip(c, g, Context(1, 0, 0, nullptr, 41.0), fresh.get(), &msg);
    EXPECT_FALSE(msg.fits);
    EXPECT_EQ(dynamic_cast<wfl::ResidualState&>(*fresh).residual, g);
    const wfl::TopKCompressor plain({0.01, false});
    auto ps = plain.NewClientState(dim);
    RoundTrip(plain, g, Context(1, 0), ps.get());
    EXPECT_EQ(dynamic_cast<wfl::ResidualState&>(*ps).residual.norm(), 0.0F);
    EXPECT_THROW(wfl::TopKCompressor({0.0, true}), std::invalid_argument);
}
