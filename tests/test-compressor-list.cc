/*
 * Every registered compressor end to end: its keys in wfl-run --help, a
 * two-round run over the bit pipe within the budget, traces bit-identical for
 * 1 and 2 threads, the run seed reaching the compressor's shared randomness,
 * one scheme over TDMA, and ISGQ receiving its factors under FedSGD.
 */
#include "compressor-registry.h"
#include "random.h"
#include "shortest-double.h"
#include "test-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

using namespace wfl;

namespace
{

// MLP 32-16-10 on the synthetic data: 32 x 16 + 16 + 16 x 10 + 10 = 698 parameters.
constexpr double kParameters = 698.0;
constexpr double kTightBudget = 1.5 * kParameters; // 1047 bits per client and round

const char* const kColumns[] = {"/rounds/test_accuracy", "/rounds/nmse",  "/rounds/bits",
                                "/rounds/bits_entropy",  "/clients/bits", "/clients/bits_entropy"};

/// Keys of a 2-round digital run of `scheme` with a two-layer MLP (7 clients).
std::map<std::string, std::string>
RunKeys(const std::string& scheme, const char* threads)
{
    return {{"coding.scheme", "digital"}, {"compression.scheme", scheme}, {"run.rounds", "2"},
            {"run.eval-every", "1"},      {"run.threads", threads},       {"data.clients", "7"},
            {"learner.model", "mlp"},     {"learner.hidden", "16"}};
}

void
ExpectSameColumns(const std::string& a, const std::string& b, const std::string& what)
{
    for (const char* column : kColumns)
    {
        const auto one = wfltest::ReadColumn(a, column);
        const auto two = wfltest::ReadColumn(b, column);
        ASSERT_FALSE(one.empty()) << what << " " << column;
        ASSERT_EQ(one.size(), two.size()) << what << " " << column;
        EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(double)), 0) << what << " " << column;
    }
}

/// The decoded round of three clients' Gaussian updates (one 20 x 50 dense
/// weight and a bias, so PowerSGD has a matrix) under `seed`, each scheme at
/// its defaults, fresh client states, no budget.
Eigen::VectorXf
DecodedRound(const std::string& scheme, uint64_t seed)
{
    const ParameterLayout layout{{"dense0.weight", {20, 50}, 0}, {"dense0.bias", {20}, 1000}};
    const size_t dim = 1020;
    const auto compressor = BuildCompressor(scheme, {}, CompressorRunFacts{3});
    auto decoder = compressor->NewRoundDecoder(dim);
    Rng rng(5, "compressor-list-updates");
    for (uint32_t k = 0; k < 3; ++k)
    {
        std::vector<float> g(dim);
        for (float& x : g)
        {
            x = static_cast<float>(rng.Normal());
        }
        CompressionContext context;
        context.seed = seed;
        context.round = 1;
        context.client = k;
        context.layout = &layout;
        auto state = compressor->NewClientState(dim);
        const CompressedMessage m = compressor->Encode(g.data(), dim, context, state.get());
        decoder->Add(m, 1.0 + k, context);
    }
    return decoder->Finish();
}

bool
BitIdentical(const Eigen::VectorXf& a, const Eigen::VectorXf& b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

} // namespace

// Every registered scheme and each of its keys is listed by wfl-run --help.
// Break tried: dropping the ndqsg entry from compressor-list.cc -> the
// scheme-count check fails (10 instead of 11).
TEST(CompressorList, HelpListsEverySchemeAndKey)
{
    EXPECT_GE(CompressorRegistry().size(), 11u);
    const auto help = wfltest::Run({WFL_RUN_BINARY, "--help"});
    ASSERT_EQ(help.exitCode, 0) << help.err;
    for (const CompressorRegistration& r : CompressorRegistry())
    {
        EXPECT_NE(help.out.find(r.scheme + ": "), std::string::npos) << r.scheme;
        for (const CompressorKey& k : r.keys)
        {
            EXPECT_NE(help.out.find("compression." + k.name), std::string::npos) << r.scheme << " " << k.name;
        }
    }
}

// Same seed: bit-identical decoded rounds from two fresh compressors. Other
// seed: the randomised schemes (dither, stochastic rounding, subsets, codes,
// PowerSGD's initial factor) change; sign and top-k methods use the seed only
// for exact zeros (none in a Gaussian vector) and must not change. Break
// tried: context.seed replaced by a constant in dqsg's dither stream -> dqsg
// fails the "changes" check; any one entry differing is caught.
TEST(CompressorList, SeedReachesTheSharedRandomness)
{
    const std::set<std::string> seedFree{"signsgd", "ef-sign", "topk", "isgq-lloyd-max"}; // the last: no randomness
    for (const CompressorRegistration& r : CompressorRegistry())
    {
        const Eigen::VectorXf a = DecodedRound(r.scheme, 11);
        const Eigen::VectorXf b = DecodedRound(r.scheme, 11);
        const Eigen::VectorXf c = DecodedRound(r.scheme, 12);
        EXPECT_TRUE(BitIdentical(a, b)) << r.scheme;
        EXPECT_EQ(BitIdentical(a, c), seedFree.count(r.scheme) == 1) << r.scheme;
        EXPECT_GT(a.norm(), 0.0f) << r.scheme;
    }
}

// Over the pipe at two budgets per client and round: 1.5 bits per parameter
// (1047 bits; qsgd, dqsg, ndqsg, qcs must lower their levels or ratio to
// fit) and 4000 bits. Every client row is within the budget; at 4000 bits
// every client sends; at 1047 bits every client sends except under the three
// schemes whose smallest message is larger, which must then be silent (bits
// 0) rather than overshoot: terngrad (log2 3 bits per entry + 32 per tensor =
// 1234), isgq (Q = 1 direct, as local-steps = 10 gives no factors: about
// 1170), isgq-lloyd-max (L = 2 direct: log2 3 bits per entry + 32 per
// tensor, 1234) and powersgd (rank-1 float32 factors, about 3200). Entropy <= raw, and
// the trace is bit-identical for run.threads 1 and 2 (two runs of one seed).
// Break tried: the pipe budget not passed to the compressor (bitBudget left
// infinite in digital-aggregator.cc): the aggregator's own guard aborts the
// run (exit 134); with that guard also disabled, this test's checks fail
// with rows of 1234 to 14690 bits for qsgd, terngrad, powersgd, dqsg, isgq
// and no silent rows. A row any amount above the budget is caught.
TEST(CompressorList, EverySchemeKeepsThePipeBudgetAndIsThreadIndependent)
{
    const std::set<std::string> tooBigForTight{"terngrad", "isgq", "isgq-lloyd-max", "powersgd"};
    const std::string dir = wfltest::MakeTempDir("compressor-list");
    for (const CompressorRegistration& r : CompressorRegistry())
    {
        for (const double budget : {kTightBudget, 4000.0})
        {
            const std::string prefix = dir + "/" + r.scheme + "-" + ShortestDouble(budget) + "-t";
            for (const char* threads : {"1", "2"})
            {
                auto keys = RunKeys(r.scheme, threads);
                keys["compression.link"] = "pipe";
                keys["compression.bits"] = ShortestDouble(budget);
                const auto result = wfltest::Run(wfltest::SyntheticRunArgs(prefix + threads + ".h5", keys));
                ASSERT_EQ(result.exitCode, 0) << r.scheme << ": " << result.err;
            }
            ExpectSameColumns(prefix + "1.h5", prefix + "2.h5", r.scheme);
            const auto bits = wfltest::ReadColumn(prefix + "1.h5", "/clients/bits");
            const auto entropy = wfltest::ReadColumn(prefix + "1.h5", "/clients/bits_entropy");
            ASSERT_EQ(bits.size(), 14u) << r.scheme; // 7 clients x 2 rounds
            const bool silent = budget == kTightBudget && tooBigForTight.count(r.scheme) == 1;
            for (size_t i = 0; i < bits.size(); ++i)
            {
                EXPECT_LE(bits[i], budget) << r.scheme;
                EXPECT_EQ(bits[i] == 0.0, silent) << r.scheme << " at " << budget << " bits: " << bits[i];
                EXPECT_LE(entropy[i], bits[i] + 1e-9) << r.scheme;
            }
        }
    }
}

// One scheme (QCS, with weighted error feedback so client state crosses
// rounds) over the fading TDMA link: completes, someone sends, entropy <= raw,
// and the trace is bit-identical for 1 and 2 threads. (The Shannon budget
// itself is checked per client in test-digital-link.) Break tried: the
// budget not passed to the compressor -> the run aborts (exit 134).
TEST(CompressorList, QcsOverTdmaIsThreadIndependent)
{
    const std::string prefix = wfltest::MakeTempDir("compressor-list-tdma") + "/qcs-t";
    for (const char* threads : {"1", "2"})
    {
        auto keys = RunKeys("qcs", threads);
        keys["channel.normalized"] = "true";
        keys["compression.feedback"] = "weighted";
        const auto result = wfltest::Run(wfltest::SyntheticRunArgs(prefix + threads + ".h5", keys));
        ASSERT_EQ(result.exitCode, 0) << result.err;
    }
    ExpectSameColumns(prefix + "1.h5", prefix + "2.h5", "qcs over tdma");
    const auto bits = wfltest::ReadColumn(prefix + "1.h5", "/clients/bits");
    const auto entropy = wfltest::ReadColumn(prefix + "1.h5", "/clients/bits_entropy");
    double total = 0.0;
    for (size_t i = 0; i < bits.size(); ++i)
    {
        EXPECT_LE(entropy[i], bits[i] + 1e-9);
        total += bits[i];
    }
    EXPECT_GT(total, 0.0);
}

// ISGQ gets the dense layers' factors under FedSGD (learner.local-steps = 1,
// local-epochs = 0) and sends them: with always-factor, each client's bits
// differ from a run with two local steps (no factors: every tensor direct,
// where always-factor would be an inert-key error).
// Both runs are thread-independent. Break tried: the runner not keeping
// factors (keepFactors = false) -> the bits are equal and the test fails.
TEST(CompressorList, IsgqSendsFactorsUnderFedSgd)
{
    const std::string dir = wfltest::MakeTempDir("compressor-list-isgq");
    std::vector<double> bitsOf[2];
    for (int steps : {1, 2})
    {
        const std::string prefix = dir + "/s" + std::to_string(steps) + "-t";
        for (const char* threads : {"1", "2"})
        {
            auto keys = RunKeys("isgq", threads);
            keys["compression.link"] = "pipe";
            if (steps == 1)
            {
                keys["compression.always-factor"] = "true"; // inert (an error) without factors
            }
            keys["learner.local-steps"] = std::to_string(steps);
            keys["learner.local-epochs"] = "0";
            keys["learner.batch"] = "4";
            const auto result = wfltest::Run(wfltest::SyntheticRunArgs(prefix + threads + ".h5", keys));
            ASSERT_EQ(result.exitCode, 0) << result.err;
        }
        ExpectSameColumns(prefix + "1.h5", prefix + "2.h5", "isgq local-steps " + std::to_string(steps));
        bitsOf[steps - 1] = wfltest::ReadColumn(prefix + "1.h5", "/clients/bits");
    }
    ASSERT_EQ(bitsOf[0].size(), bitsOf[1].size());
    for (size_t i = 0; i < bitsOf[0].size(); ++i)
    {
        EXPECT_GT(bitsOf[0][i], 0.0);
        EXPECT_NE(bitsOf[0][i], bitsOf[1][i]) << "row " << i;
    }
}

// NDQSG's client count is the run's (data.clients, a run fact, not a key):
// with 7 clients and fine-fraction 0.5, clients 0..3 (ceil 3.5 = 4) send the
// fine quantizer (log2 7 bits per entry) and 4..6 the nested one (log2 3),
// every round. Break tried: the uplink not passing CompressorRunFacts (P = 1)
// -> only client 0 sends fine, 1 fine row per round instead of 4.
TEST(CompressorList, NdqsgTakesTheRunsClientCount)
{
    const std::string path = wfltest::MakeTempDir("compressor-list-ndqsg") + "/n.h5";
    auto keys = RunKeys("ndqsg", "1");
    keys["compression.link"] = "pipe";
    const auto result = wfltest::Run(wfltest::SyntheticRunArgs(path, keys));
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const auto client = wfltest::ReadColumn(path, "/clients/client");
    const auto bits = wfltest::ReadColumn(path, "/clients/bits");
    ASSERT_EQ(bits.size(), 14u);
    const double fine = *std::max_element(bits.begin(), bits.end());
    for (size_t i = 0; i < bits.size(); ++i)
    {
        EXPECT_EQ(bits[i] == fine, client[i] < 4.0) << "client " << client[i] << ": " << bits[i] << " bits";
    }
}

// compressor.h: "Compressors whose decoding needs the round decode a lone
// message as a round of one". Every scheme's lone Decode equals a round
// decoder fed that one message (weight 1), bit for bit; signSGD's Decode
// writes the one voter's signs directly instead of summing votes, so this
// guards that shortcut. Break tried: signSGD's Decode scaling by the step
// when step = 0 (all entries 0) -> fails for signsgd.
TEST(CompressorList, LoneDecodeEqualsARoundOfOne)
{
    const ParameterLayout layout{{"dense0.weight", {20, 50}, 0}, {"dense0.bias", {20}, 1000}};
    const size_t dim = 1020;
    std::vector<std::pair<std::string, CompressorValues>> cases;
    for (const CompressorRegistration& r : CompressorRegistry())
    {
        cases.push_back({r.scheme, {}});
    }
    // NDQSG's lone Decode has its own nested path (side information zero).
    // Break tried: that path restarting the dither stream at each tensor
    // (the bias decoded with the weight's draws) -> fails for the nested case.
    cases.push_back({"ndqsg", {{"fine-fraction", "0"}}});
    for (const auto& [scheme, values] : cases)
    {
        const CompressorRegistration& r = *std::find_if(CompressorRegistry().begin(), CompressorRegistry().end(),
                                                        [&](const CompressorRegistration& c) { return c.scheme == scheme; });
        const auto compressor = BuildCompressor(r.scheme, values, CompressorRunFacts{1});
        Rng rng(9, "lone-decode");
        std::vector<float> g(dim);
        for (float& x : g)
        {
            x = static_cast<float>(rng.Normal());
        }
        g[7] = 0.0F; // an exact zero (signSGD draws its sign)
        CompressionContext context;
        context.seed = 3;
        context.round = 2;
        context.layout = &layout;
        auto state = compressor->NewClientState(dim);
        const CompressedMessage m = compressor->Encode(g.data(), dim, context, state.get());
        Eigen::VectorXf lone(static_cast<Eigen::Index>(dim));
        compressor->Decode(m, dim, context, lone.data());
        auto decoder = compressor->NewRoundDecoder(dim);
        decoder->Add(m, 1.0, context);
        EXPECT_TRUE(BitIdentical(lone, decoder->Finish())) << r.scheme << (values.empty() ? "" : " (nested)");
    }
}

// NDQSG's decoding failures reach the trace (/rounds/failed_messages and
// wrong_entries, seen beside the channel): with the coarsest lattice
// (coarse-ratio 2) some nested message fails; with the full alphabet
// (coarse-ratio 2 levels + 1) none can; schemes that cannot fail write NaN.
// Breaks tried: the digital aggregator not copying RoundDecoder::Failures
// (NaN everywhere) and the two columns swapped (failed > 3 nested clients):
// both fail.
TEST(CompressorList, NdqsgDecodingFailuresAreTraceColumns)
{
    const std::string dir = wfltest::MakeTempDir("compressor-list-failures");
    const auto run = [&](const std::string& scheme, const std::string& ratio) {
        auto keys = RunKeys(scheme, "1");
        keys["compression.link"] = "pipe";
        keys["run.rounds"] = "4";
        if (scheme == "ndqsg")
        {
            keys["compression.levels"] = "3";
            keys["compression.coarse-ratio"] = ratio;
        }
        const std::string path = dir + "/" + scheme + ratio + ".h5";
        const auto result = wfltest::Run(wfltest::SyntheticRunArgs(path, keys));
        EXPECT_EQ(result.exitCode, 0) << result.err;
        return std::make_pair(wfltest::ReadColumn(path, "/rounds/failed_messages"),
                              wfltest::ReadColumn(path, "/rounds/wrong_entries"));
    };
    const auto [coarseFailed, coarseWrong] = run("ndqsg", "2");
    ASSERT_EQ(coarseFailed.size(), 4u);
    double failedTotal = 0.0;
    for (size_t r = 0; r < coarseFailed.size(); ++r)
    {
        // 7 clients, fine-fraction 0.5: clients 4..6 are nested.
        EXPECT_GE(coarseFailed[r], 0.0);
        EXPECT_LE(coarseFailed[r], 3.0);
        EXPECT_GE(coarseWrong[r], coarseFailed[r]);
        EXPECT_EQ(coarseWrong[r] > 0.0, coarseFailed[r] > 0.0);
        failedTotal += coarseFailed[r];
    }
    EXPECT_GT(failedTotal, 0.0);
    const auto [fullFailed, fullWrong] = run("ndqsg", "7");
    for (size_t r = 0; r < fullFailed.size(); ++r)
    {
        EXPECT_EQ(fullFailed[r], 0.0);
        EXPECT_EQ(fullWrong[r], 0.0);
    }
    const auto [qsgdFailed, qsgdWrong] = run("qsgd", "");
    ASSERT_FALSE(qsgdFailed.empty());
    for (size_t r = 0; r < qsgdFailed.size(); ++r)
    {
        EXPECT_TRUE(std::isnan(qsgdFailed[r]));
        EXPECT_TRUE(std::isnan(qsgdWrong[r]));
    }
}
