/*
 * Over-the-air aggregation against theory: exactness without noise,
 * unbiasedness and the NMSE of random linear coding, the pilot's estimate of
 * the active clients, and hard power and energy budgets (the digital
 * baseline's tests are in test-digital.cc and test-digital-slot.cc).
 */
#include "input-error.h"
#include "ota-fixtures.h"
#include "over-the-air-aggregator.h"
#include "power-allocator.h"
#include "random.h"

#include "ns3/object-factory.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

using namespace wfl;
using namespace otatest;

TEST(OverTheAir, AnalogWithoutNoiseOrFadingEqualsIdeal)
{
    const auto updates = MakeUpdates(6, 1000, 1);
    const auto contributions = Contributions(updates, /* equalWeights */ false);
    auto ota = Ota(OverTheAirAggregator::ANALOG, 1.0, Channel(true), ns3::CreateObject<NoFading>(),
                   ns3::CreateObject<InversionPowerAllocator>());
    const AggregationResult result = ota->Aggregate(1, contributions);
    EXPECT_LE(result.nmse, 1e-12);
    EXPECT_EQ(result.activeClients, 6u);
    // 1000 real symbols in 500 complex uses; feedback (the default): no pilot,
    // one 16-use report per client.
    EXPECT_EQ(result.dataUses, 500u);
    EXPECT_EQ(result.pilotUses, 0u);
    EXPECT_EQ(result.feedbackUses, 16u * 6u);
    EXPECT_EQ(result.channelUses, 500u + 16u * 6u);
    EXPECT_DOUBLE_EQ(result.activeWeight, 6.0); // weights over their mean sum to the count
    EXPECT_DOUBLE_EQ(result.activeWeightEstimate, 6.0);
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

namespace
{

/// Mean measured NMSE and mean theory D sigma^2 / (2 c^2 W^2 ||g_avg||^2) over rounds.
struct NoiseTermRun
{
    double measured = 0.0;
    double theory = 0.0;
    double relativeSe = 0.0; ///< standard error of measured / theory
};

NoiseTermRun
RunNoiseTerm(OverTheAirAggregator::Coding coding, double snrDb, int rounds)
{
    // The scenario's normalization: ReferencePowerW = P_max (23 dBm = 0.2 W),
    // as helper/uplink-builder.cc sets it.
    const double maxPowerW = std::pow(10.0, (23.0 - 30.0) / 10.0);
    // D = 700 over buckets of 256: rlc pads to D_pad = 768 real symbols, so
    // using D_pad instead of D would be 9.7 % off.
    const Eigen::Index dim = 700;
    const auto updates = MakeUpdates(6, dim, 3);
    const auto contributions = Contributions(updates, /* equalWeights */ false);
    const Eigen::VectorXd exact = Exact(contributions);
    auto channel = Channel(false, snrDb, maxPowerW);
    auto ota = Ota(coding, 1.0, channel, ns3::CreateObject<NoFading>(),
                   ns3::CreateObject<InversionPowerAllocator>());
    ota->SetAttribute("MaxPowerDbm", ns3::DoubleValue(23.0));
    NoiseTermRun run;
    double sumRatio2 = 0.0;
    for (int r = 1; r <= rounds; ++r)
    {
        const AggregationResult result = ota->Aggregate(static_cast<uint32_t>(r), contributions);
        const double c = result.receiveScale;
        const double w = result.activeWeight;
        const double theory = static_cast<double>(dim) * channel->NoisePowerW() /
                              (2.0 * c * c * w * w * exact.squaredNorm());
        EXPECT_DOUBLE_EQ(w, 6.0);
        EXPECT_DOUBLE_EQ(result.noisePowerW, maxPowerW * std::pow(10.0, -snrDb / 10.0));
        run.measured += result.nmse / rounds;
        run.theory += theory / rounds;
        sumRatio2 += (result.nmse / theory) * (result.nmse / theory);
    }
    const double meanRatio = run.measured / run.theory;
    run.relativeSe = std::sqrt((sumRatio2 / rounds - meanRatio * meanRatio) / (rounds - 1));
    return run;
}

} // namespace

TEST(OverTheAir, NoiseTermAloneMatchesTheoryAtThreeSnrs)
{
    // The noise term alone: analog, and rlc at k = n (no projection error), no
    // fading, unequal weights, feedback (exact W). Per round the decoded noise
    // is D real Gaussians, so NMSE / theory has a relative SD of sqrt(2/D) =
    // 5.3 %, and over 300 rounds an SE of 0.3 %. The 3 % tolerance is about
    // 10 SE; it catches a noise variance off by more than about 3.5 % (checked:
    // scaling sigma^2 by 0.95 in MultipleAccessChannel::EndSlot fails all six
    // cases, and so does D_pad in place of D for rlc, 9.7 % here).
    const int rounds = 300;
    for (auto coding : {OverTheAirAggregator::ANALOG, OverTheAirAggregator::RLC})
    {
        for (double snrDb : {-20.0, -5.0, 10.0})
        {
            const NoiseTermRun run = RunNoiseTerm(coding, snrDb, rounds);
            const std::string label = std::string(coding == OverTheAirAggregator::RLC ? "rlc" : "analog") +
                                      "_" + std::to_string(static_cast<int>(snrDb)) + "dB";
            EXPECT_LT(5.0 * run.relativeSe, 0.03) << label; // the tolerance is meaningful
            EXPECT_NEAR(run.measured / run.theory, 1.0, 0.03)
                << label << ": measured " << run.measured << " theory " << run.theory;
            RecordProperty(label, std::to_string(run.measured / run.theory));
            std::cout << "noise term " << label << ": measured " << run.measured << " theory "
                      << run.theory << " ratio " << run.measured / run.theory << " (SE "
                      << run.relativeSe << ")\n";
        }
    }
}

TEST(OverTheAir, NoClientEverExceedsItsPowerOrEnergyBudget)
{
    // Every policy under both limits, with feedback (its reports charged) and,
    // for the policies that need no reports, blind (c from the norm bound).
    const std::vector<ns3::Ptr<PowerAllocator>> policies{
        ns3::CreateObject<FullPowerAllocator>(), ns3::CreateObject<InversionPowerAllocator>(),
        ns3::CreateObject<TruncatedInversionPowerAllocator>(),
        ns3::CreateObject<MseOptimalPowerAllocator>()};
    Rng budgets(9, "test-budgets");
    int unpaidFeedback = 0;
    int rounds = 0;
    for (const auto& policy : policies)
    {
        const std::string name = policy->GetInstanceTypeId().GetName();
        const bool blindAllowed = name.find("Truncated") != std::string::npos ||
                                  name.find("Full") != std::string::npos;
        for (auto coordination : {OverTheAirAggregator::FEEDBACK, OverTheAirAggregator::BLIND})
        for (uint32_t coherence : {0u, 16u})
        for (auto coding : {OverTheAirAggregator::ANALOG, OverTheAirAggregator::RLC})
        {
            if (coordination == OverTheAirAggregator::BLIND && !blindAllowed)
            {
                continue;
            }
            auto ota = Ota(coding, 0.3, Channel(false, 5.0), ns3::CreateObject<RayleighFading>(), policy);
            ota->SetAttribute("CoherenceUses", ns3::UintegerValue(coherence));
            ota->SetAttribute("Coordination", ns3::EnumValue(coordination));
            ota->SetAttribute("NormBound", ns3::DoubleValue(0.1));
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
                AggregationResult result;
                ++rounds;
                try
                {
                    result = ota->Aggregate(round, Contributions(updates));
                }
                catch (const InputError& e)
                {
                    // Reports that cost more than the budget: refused, never overspent.
                    EXPECT_EQ(coordination, OverTheAirAggregator::FEEDBACK) << e.what();
                    EXPECT_NE(std::string(e.what()).find("power.energy-j"), std::string::npos);
                    ++unpaidFeedback;
                    continue;
                }
                const double maxW = std::pow(10.0, (maxDbm - 30.0) / 10.0);
                for (const ClientLinkReport& c : result.clients)
                {
                    EXPECT_LE(peak ? c.peakPowerW : c.powerW, maxW) << name;
                    EXPECT_GE(c.peakPowerW, c.powerW);
                    EXPECT_LE(c.txEnergyJ, energy) << name;
                }
            }
        }
    }
    EXPECT_LT(unpaidFeedback, rounds / 2);
}

TEST(OverTheAir, SlotStateIsBoundedAndRefusedAboveTheLimit)
{
    // 64 B per client and block plus one decision per block: the state is
    // clients x blocks, not O(D) (docs/over-the-air.md, memory).
    EXPECT_EQ(OverTheAirAggregator::SlotStateBytes(100, 1000, false),
              1000u * (6400u + sizeof(PowerDecision) + 16u) + 100u * 8u * sizeof(std::vector<double>));
    const auto updates = MakeUpdates(4, 1000, 8);
    auto ota = Ota(OverTheAirAggregator::ANALOG, 1.0, Channel(false), ns3::CreateObject<NoFading>(),
                   ns3::CreateObject<InversionPowerAllocator>());
    ota->SetAttribute("CoherenceUses", ns3::UintegerValue(2)); // 250 blocks without a pilot
    ota->SetAttribute("FeedbackUses", ns3::UintegerValue(0));
    const size_t needed = OverTheAirAggregator::SlotStateBytes(4, 250, false);
    ota->SetAttribute("SlotStateLimitBytes", ns3::UintegerValue(needed));
    EXPECT_NO_THROW(ota->Aggregate(1, Contributions(updates)));
    ota->SetAttribute("SlotStateLimitBytes", ns3::UintegerValue(needed - 1));
    try
    {
        ota->Aggregate(2, Contributions(updates));
        FAIL() << "no error";
    }
    catch (const InputError& e)
    {
        EXPECT_NE(std::string(e.what()).find("channel.coherence-uses = 2"), std::string::npos) << e.what();
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
