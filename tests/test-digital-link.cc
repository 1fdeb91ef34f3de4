/*
 * The digital link separated from the compressor: the error-free bit pipe,
 * Shannon budgets kept by any compressor over TDMA, per-client compressor
 * state across rounds, and thread-independent digital traces.
 */
#include "compressor-registry.h"
#include "digital-aggregator.h"
#include "qsgd-compressor.h"
#include "random.h"
#include "test-util.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/object-factory.h"
#include "ns3/pointer.h"
#include "ns3/uinteger.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace wfl;

namespace
{

std::vector<Eigen::VectorXf>
Updates(size_t clients, Eigen::Index dim)
{
    Rng rng(3, "link-test-updates");
    std::vector<Eigen::VectorXf> updates(clients, Eigen::VectorXf(dim));
    for (auto& u : updates)
    {
        for (Eigen::Index i = 0; i < dim; ++i)
        {
            u(i) = static_cast<float>(0.01 * rng.Normal());
        }
    }
    return updates;
}

std::vector<ClientContribution>
Contributions(const std::vector<Eigen::VectorXf>& updates, const std::vector<uint32_t>& who)
{
    std::vector<ClientContribution> out;
    for (uint32_t k : who)
    {
        out.push_back({k, &updates[k], 10.0 + k});
    }
    return out;
}

/// Counts, per client, the rounds it encoded in (its state) and sends that count as bits.
class CountingCompressor : public Compressor
{
  public:
    struct Count : ClientState
    {
        int encodes = 0;
    };

    std::unique_ptr<ClientState> NewClientState(size_t) const override
    {
        return std::make_unique<Count>();
    }

    CompressedMessage Encode(const float*, size_t, const CompressionContext&, ClientState* state) const override
    {
        auto* count = dynamic_cast<Count*>(state);
        CompressedMessage m;
        m.bitsRaw = ++count->encodes;
        m.bitsEntropy = m.bitsRaw;
        return m;
    }

    void Decode(const CompressedMessage&, size_t dim, const CompressionContext&, float* out) const override
    {
        std::fill(out, out + dim, 0.0f);
    }
};

ns3::Ptr<DigitalAggregator>
Pipe(double bits)
{
    return ns3::CreateObjectWithAttributes<DigitalAggregator>("Link", ns3::EnumValue(DigitalAggregator::PIPE),
                                                              "PipeBits", ns3::DoubleValue(bits));
}

} // namespace

// Every message within compression.bits, no channel uses, airtime or energy.
// Break tried: giving the compressor the budget plus 100 bits -> 4098 > 4000 bits,
// fails; any excess is caught (exact comparison).
TEST(DigitalLink, PipeKeepsItsBudgetAndTakesNoChannelUses)
{
    const auto updates = Updates(4, 500);
    for (double bits : {0.0, 40.0, 300.0, 1000.0, 4000.0})
    {
        auto pipe = Pipe(bits);
        pipe->SetCompressor(std::make_shared<QsgdCompressor>(QsgdCompressor::Params{100, 0, QuantizerNorm::LINF}));
        const AggregationResult r = pipe->Aggregate(1, Contributions(updates, {0, 1, 2, 3}));
        EXPECT_EQ(r.channelUses, 0u);
        EXPECT_EQ(r.airtime.GetSeconds(), 0.0);
        EXPECT_EQ(r.energyJ, 0.0);
        // Bucketed QSGD needs 5 norms and one ternary symbol each: 160 + 500 log2 3 = 952.5 bits.
        const bool fits = bits == 0.0 || bits >= 952.5;
        EXPECT_EQ(r.activeClients, fits ? 4u : 0u) << bits;
        for (const ClientLinkReport& c : r.clients)
        {
            if (bits > 0.0)
            {
                EXPECT_LE(c.bits, bits);
            }
            EXPECT_LE(c.bitsEntropy, c.bits + 1e-9);
            EXPECT_EQ(c.active, c.bits > 0.0);
        }
    }
}

// The TDMA budget holds for a compressor other than the default: bits <= S_k log2(1 + SNR_k).
// Break tried: not subtracting the 16-bit rate header from the budget -> fails
// (excesses of 4 to 16 bits seen); any excess above 1e-9 bits is caught.
TEST(DigitalLink, TdmaShannonBudgetHoldsForBucketedQsgd)
{
    const auto updates = Updates(4, 200);
    auto channel = ns3::CreateObjectWithAttributes<MultipleAccessChannel>(
        "Normalized", ns3::BooleanValue(true), "SnrDb", ns3::DoubleValue(15.0));
    auto digital = ns3::CreateObjectWithAttributes<DigitalAggregator>("TotalUses", ns3::UintegerValue(800));
    digital->SetAttribute("Channel", ns3::PointerValue(channel));
    digital->SetAttribute("Fading", ns3::PointerValue(ns3::CreateObject<RayleighFading>()));
    digital->SetAttribute("MaxPowerDbm", ns3::DoubleValue(30.0)); // 1 W
    digital->SetAttribute("EnergyBudgetJ", ns3::DoubleValue(1.0));
    digital->SetCompressor(std::make_shared<QsgdCompressor>(QsgdCompressor::Params{32, 0, QuantizerNorm::L2}));
    int active = 0;
    for (uint32_t round = 1; round <= 500; ++round)
    {
        const AggregationResult r = digital->Aggregate(round, Contributions(updates, {0, 1, 2, 3}));
        for (const ClientLinkReport& c : r.clients)
        {
            const double snr = c.fadingAbs * c.fadingAbs / channel->NoisePowerW();
            EXPECT_LE(c.bits, 200.0 * std::log2(1.0 + snr) + 1e-9); // 200 uses each
            EXPECT_LE(c.bitsEntropy, c.bits + 1e-9);
            active += c.active ? 1 : 0;
        }
    }
    EXPECT_GT(active, 1000); // 7 norms, 200 ternary symbols and the header need 557 of ~1000 bits
}

// State is per client, survives rounds, and is untouched in rounds the
// client does not contribute to. Break tried: a fresh state every round -> bits stay 1 (fails).
TEST(DigitalLink, ClientStateIsKeptPerClientAcrossRounds)
{
    const auto updates = Updates(3, 10);
    auto pipe = Pipe(0.0);
    pipe->SetCompressor(std::make_shared<CountingCompressor>());
    pipe->Aggregate(1, Contributions(updates, {0, 1, 2}));
    pipe->Aggregate(2, Contributions(updates, {0, 2}));
    const AggregationResult r = pipe->Aggregate(3, Contributions(updates, {0, 1, 2}));
    ASSERT_EQ(r.clients.size(), 3u);
    EXPECT_EQ(r.clients[0].bits, 3.0);
    EXPECT_EQ(r.clients[1].bits, 2.0); // absent in round 2: its state did not move
    EXPECT_EQ(r.clients[2].bits, 3.0);
}

// Digital over TDMA and over the pipe: the trace is bit-identical for 1 and 2
// threads (encoding runs on the workers), bits_entropy is written, and no
// client's raw bits exceed the pipe's budget.
TEST(DigitalLink, TracesDoNotDependOnTheNumberOfThreads)
{
    const std::string dir = wfltest::MakeTempDir("digital-threads");
    const std::vector<std::map<std::string, std::string>> uplinks{
        {{"coding.scheme", "digital"}, {"channel.normalized", "true"}},
        {{"coding.scheme", "digital"}, {"compression.link", "pipe"}, {"compression.bits", "3000"},
         {"compression.bucket", "64"}, {"compression.norm", "linf"}}};
    for (size_t u = 0; u < uplinks.size(); ++u)
    {
        const std::string prefix = dir + "/u" + std::to_string(u) + "-t";
        for (const char* threads : {"1", "2"})
        {
            std::map<std::string, std::string> keys{{"run.threads", threads}, {"data.clients", "7"},
                                                    {"learner.model", "mlp"}, {"learner.hidden", "32"}};
            keys.insert(uplinks[u].begin(), uplinks[u].end());
            const auto result = wfltest::Run(wfltest::SyntheticRunArgs(prefix + threads + ".h5", keys));
            ASSERT_EQ(result.exitCode, 0) << result.err;
        }
        for (const char* column : {"/rounds/test_accuracy", "/rounds/nmse", "/rounds/bits", "/rounds/bits_entropy",
                                   "/clients/bits", "/clients/bits_entropy"})
        {
            const auto one = wfltest::ReadColumn(prefix + "1.h5", column);
            const auto two = wfltest::ReadColumn(prefix + "2.h5", column);
            ASSERT_FALSE(one.empty()) << column;
            ASSERT_EQ(one.size(), two.size());
            EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(double)), 0) << column;
        }
        const auto bits = wfltest::ReadColumn(prefix + "1.h5", "/clients/bits");
        const auto entropy = wfltest::ReadColumn(prefix + "1.h5", "/clients/bits_entropy");
        for (size_t i = 0; i < bits.size(); ++i)
        {
            if (u == 1)
            {
                EXPECT_LE(bits[i], 3000.0);
            }
            EXPECT_LE(entropy[i], bits[i] + 1e-9);
        }
    }
}

// wfl-run --help lists the registered compressor's keys.
TEST(DigitalLink, HelpListsTheCompressionKeys)
{
    const auto result = wfltest::Run({WFL_RUN_BINARY, "--help"});
    for (const char* key : {"compression.scheme", "compression.link", "compression.bits", "compression.bucket",
                            "compression.levels", "compression.norm"})
    {
        EXPECT_NE(result.out.find(key), std::string::npos) << key;
    }
}
