/*
 * Over-the-air aggregation against theory: exactness without noise,
 * unbiasedness and the NMSE of random linear coding, the pilot's estimate of
 * the active clients, and hard power and energy budgets (the digital
 * baseline's tests are in test-digital.cc).
 */
#include "over-the-air-aggregator.h"
#include "power-allocator.h"
#include "random.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/object-factory.h"
#include "ns3/pointer.h"
#include "ns3/uinteger.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace wfl;

namespace
{

/// Fixed client updates of dimension dim: a common direction plus spread.
std::vector<Eigen::VectorXf>
MakeUpdates(size_t clients, Eigen::Index dim, uint64_t seed, double spread = 0.5)
{
    Rng rng(seed, "test-updates");
    Eigen::VectorXf common(dim);
    for (Eigen::Index i = 0; i < dim; ++i)
    {
        common(i) = static_cast<float>(0.01 * rng.Normal());
    }
    std::vector<Eigen::VectorXf> updates;
    for (size_t k = 0; k < clients; ++k)
    {
        Eigen::VectorXf u = common;
        for (Eigen::Index i = 0; i < dim; ++i)
        {
            u(i) += static_cast<float>(0.01 * spread * rng.Normal());
        }
        updates.push_back(u);
    }
    return updates;
}

std::vector<ClientContribution>
Contributions(const std::vector<Eigen::VectorXf>& updates, bool equalWeights = true)
{
    std::vector<ClientContribution> out;
    for (size_t k = 0; k < updates.size(); ++k)
    {
        out.push_back({static_cast<uint32_t>(k), &updates[k], equalWeights ? 100.0 : 50.0 + 25.0 * k});
    }
    return out;
}

ns3::Ptr<MultipleAccessChannel>
Channel(bool noiseless, double snrDb = 10.0)
{
    return ns3::CreateObjectWithAttributes<MultipleAccessChannel>(
        "Normalized", ns3::BooleanValue(true), "SnrDb", ns3::DoubleValue(snrDb),
        "Noiseless", ns3::BooleanValue(noiseless));
}

ns3::Ptr<OverTheAirAggregator>
Ota(OverTheAirAggregator::Coding coding,
    double ratio,
    ns3::Ptr<MultipleAccessChannel> channel,
    ns3::Ptr<FadingModel> fading,
    ns3::Ptr<PowerAllocator> allocator)
{
    auto ota = ns3::CreateObjectWithAttributes<OverTheAirAggregator>(
        "Coding", ns3::EnumValue(coding), "CodingRatio", ns3::DoubleValue(ratio),
        "BucketLength", ns3::UintegerValue(256), "PowerAllocator", ns3::PointerValue(allocator));
    ota->SetAttribute("Channel", ns3::PointerValue(channel));
    ota->SetAttribute("Fading", ns3::PointerValue(fading));
    return ota;
}

} // namespace

TEST(OverTheAir, AnalogWithoutNoiseOrFadingEqualsIdeal)
{
    const auto updates = MakeUpdates(6, 1000, 1);
    const auto contributions = Contributions(updates, /* equalWeights */ false);
    auto ota = Ota(OverTheAirAggregator::ANALOG, 1.0, Channel(true), ns3::CreateObject<NoFading>(),
                   ns3::CreateObject<InversionPowerAllocator>());
    const AggregationResult result = ota->Aggregate(1, contributions);
    EXPECT_LE(result.nmse, 1e-12);
    EXPECT_EQ(result.activeClients, 6u);
    EXPECT_EQ(result.channelUses, 501u); // 1000 real symbols in 500 complex uses + 1 pilot
}

TEST(OverTheAir, RlcAtFullRateWithoutNoiseEqualsIdealEvenUnderFading)
{
    const auto updates = MakeUpdates(5, 700, 2);
    auto ota = Ota(OverTheAirAggregator::RLC, 1.0, Channel(true), ns3::CreateObject<RayleighFading>(),
                   ns3::CreateObject<InversionPowerAllocator>());
    for (uint32_t round = 1; round <= 3; ++round)
    {
        const AggregationResult result = ota->Aggregate(round, Contributions(updates));
        EXPECT_LE(result.nmse, 1e-10) << "round " << round; // float encode at the clients
    }
}

TEST(OverTheAir, RlcIsUnbiasedAndItsNmseFollowsTheory)
{
    // D a multiple of the bucket (256), k = 64: projection NMSE n/k - 1 = 3.
    // Noise: real symbols carry sigma^2/2 each and E||T^T z||^2 = (sigma^2/2) D,
    // so the noise term is sigma^2 D / (2 c^2 W^2 ||g_avg||^2) with W = 8 clients.
    const Eigen::Index dim = 1024;
    const size_t clients = 8;
    const auto updates = MakeUpdates(clients, dim, 3);
    const auto contributions = Contributions(updates);
    auto channel = Channel(false, 0.0);
    auto ota = Ota(OverTheAirAggregator::RLC, 0.25, channel, ns3::CreateObject<NoFading>(),
                   ns3::CreateObject<InversionPowerAllocator>());
    Eigen::VectorXd exact = Eigen::VectorXd::Zero(dim);
    for (const auto& u : updates)
    {
        exact += u.cast<double>() / static_cast<double>(clients);
    }
    const int rounds = 3000;
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(dim);
    double nmse = 0.0;
    double theory = 0.0;
    for (int r = 1; r <= rounds; ++r)
    {
        const AggregationResult result = ota->Aggregate(static_cast<uint32_t>(r), contributions);
        mean += result.estimate.cast<double>() / rounds;
        nmse += result.nmse / rounds;
        const double c = result.receiveScale;
        theory += (256.0 / 64.0 - 1.0 +
                   channel->NoisePowerW() * dim /
                       (2.0 * c * c * clients * clients * exact.squaredNorm())) /
                  rounds;
    }
    // Within 10 % of theory (the tolerance; the Monte Carlo error is ~2 %).
    EXPECT_NEAR(nmse, theory, 0.1 * theory) << "theory " << theory;
    RecordProperty("nmse", std::to_string(nmse));
    RecordProperty("theory", std::to_string(theory));
    EXPECT_GT(theory, 3.3); // the noise term is not negligible at 0 dB
    // Unbiased: the mean's relative error is the per-round NMSE / rounds (~0.001).
    const double bias = (mean - exact).squaredNorm() / exact.squaredNorm();
    EXPECT_LT(bias, 3.0 * theory / rounds);
}

TEST(OverTheAir, PilotCountsTheActiveClientsWithoutAGenie)
{
    // Truncation silences clients in deep fades; the server only sees the pilot.
    const auto updates = MakeUpdates(10, 400, 4, 2.0);
    const auto contributions = Contributions(updates);
    auto truncated = ns3::CreateObjectWithAttributes<TruncatedInversionPowerAllocator>(
        "GainThreshold", ns3::DoubleValue(0.7));
    auto ota = Ota(OverTheAirAggregator::ANALOG, 1.0, Channel(true), ns3::CreateObject<RayleighFading>(),
                   truncated);
    int roundsWithSilence = 0;
    for (uint32_t round = 1; round <= 20; ++round)
    {
        const AggregationResult result = ota->Aggregate(round, contributions);
        Eigen::VectorXd activeMean = Eigen::VectorXd::Zero(400);
        for (size_t k = 0; k < updates.size(); ++k)
        {
            if (result.clients[k].active)
            {
                activeMean += updates[k].cast<double>() / result.activeClients;
            }
        }
        roundsWithSilence += result.activeClients < updates.size() ? 1 : 0;
        if (result.activeClients > 0)
        {
            EXPECT_LT((result.estimate.cast<double>() - activeMean).norm(), 1e-6 * activeMean.norm());
        }
    }
    EXPECT_GT(roundsWithSilence, 10); // P(|h|^2 < 0.7) = 0.5 per client
}

TEST(OverTheAir, NoClientEverExceedsItsPowerOrEnergyBudget)
{
    const std::vector<ns3::Ptr<PowerAllocator>> policies{
        ns3::CreateObject<FullPowerAllocator>(), ns3::CreateObject<InversionPowerAllocator>(),
        ns3::CreateObject<TruncatedInversionPowerAllocator>(),
        ns3::CreateObject<MseOptimalPowerAllocator>()};
    Rng budgets(9, "test-budgets");
    for (const auto& policy : policies)
    {
        for (uint32_t coherence : {0u, 16u})
        {
            for (auto coding : {OverTheAirAggregator::ANALOG, OverTheAirAggregator::RLC})
            {
                auto ota = Ota(coding, 0.3, Channel(false, 5.0), ns3::CreateObject<RayleighFading>(), policy);
                ota->SetAttribute("CoherenceUses", ns3::UintegerValue(coherence));
                const bool peak = coherence == 16;
                ota->SetAttribute("PowerLimit", ns3::EnumValue(peak ? WirelessAggregator::PEAK
                                                                    : WirelessAggregator::AVERAGE));
                for (uint32_t round = 1; round <= 40; ++round)
                {
                    const double maxDbm = budgets.Uniform(-10.0, 30.0);
                    const double energy = std::pow(10.0, budgets.Uniform(-9.0, -3.0));
                    ota->SetAttribute("MaxPowerDbm", ns3::DoubleValue(maxDbm));
                    ota->SetAttribute("EnergyBudgetJ", ns3::DoubleValue(energy));
                    const auto updates = MakeUpdates(6, 300, round, budgets.Uniform(0.0, 3.0));
                    const AggregationResult result = ota->Aggregate(round, Contributions(updates));
                    const double maxW = std::pow(10.0, (maxDbm - 30.0) / 10.0);
                    for (const ClientLinkReport& c : result.clients)
                    {
                        EXPECT_LE(peak ? c.peakPowerW : c.powerW, maxW)
                            << policy->GetInstanceTypeId().GetName();
                        EXPECT_GE(c.peakPowerW, c.powerW);
                        EXPECT_LE(c.txEnergyJ, energy) << policy->GetInstanceTypeId().GetName();
                    }
                }
            }
        }
    }
}

TEST(OverTheAir, MseOptimalDropsAHopelessClientOnlyWhenItPays)
{
    // Nine good clients and one in a deep fade (c_k 1000x smaller).
    std::vector<PowerCandidate> candidates(10);
    for (size_t k = 0; k < candidates.size(); ++k)
    {
        PowerCandidate& c = candidates[k];
        c.gainAbs = k == 9 ? 1e-3 : 1.0;
        c.fadingPower = c.gainAbs * c.gainAbs;
        c.peakSymbolAbs = 1.0;
        c.symbolEnergy = 100.0;
        c.maxPowerW = 1.0;
        c.energyBudgetJ = 1.0;
        c.updateNorm2 = 1.0;
    }
    AllocationContext context;
    context.useSeconds = 1e-6;
    context.noisePowerW = 0.1;
    context.noiseGain = 200.0;
    auto allocator = ns3::CreateObject<MseOptimalPowerAllocator>();
    // Identical updates (spread 0): leaving one out costs nothing, its fade costs a lot.
    context.aggregateNorm2 = 1.0;
    PowerDecision decision = allocator->Allocate(candidates, context);
    EXPECT_FALSE(decision.active[9]);
    EXPECT_TRUE(decision.active[0]);
    EXPECT_DOUBLE_EQ(decision.scale, candidates[0].MaxScale(context.useSeconds));
    // Very different updates and almost no noise: everyone is worth keeping.
    context.aggregateNorm2 = 0.0;
    context.noisePowerW = 1e-30;
    decision = allocator->Allocate(candidates, context);
    EXPECT_TRUE(decision.active[9]);
}
