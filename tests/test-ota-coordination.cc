/*
 * The server's information structure over the air (power.coordination):
 * what feedback costs, that decoding with the exact W is unbiased under
 * noise, the blind mode's pilot estimate of W and its bias, clipping to the
 * norm bound, and the configuration errors.
 */
#include "input-error.h"
#include "ota-fixtures.h"
#include "pilot-estimate.h"
#include "uplink-builder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

using namespace wfl;
using namespace otatest;

namespace
{

/// Mean over rounds of the estimate's scale along the exact average,
/// <g_hat, g> / ||g||^2, and its standard error.
struct ScaleRun
{
    double scale = 0.0;
    double se = 0.0;
    double meanNmse = 0.0;
};

ScaleRun
MeasureScale(ns3::Ptr<OverTheAirAggregator> ota,
             const std::vector<ClientContribution>& contributions,
             int rounds,
             uint32_t firstRound = 1)
{
    const Eigen::VectorXd exact = Exact(contributions);
    double sum = 0.0;
    double sum2 = 0.0;
    ScaleRun run;
    for (int r = 0; r < rounds; ++r)
    {
        const AggregationResult result = ota->Aggregate(firstRound + static_cast<uint32_t>(r), contributions);
        const double scale = result.estimate.cast<double>().dot(exact) / exact.squaredNorm();
        sum += scale;
        sum2 += scale * scale;
        run.meanNmse += result.nmse / rounds;
    }
    run.scale = sum / rounds;
    run.se = std::sqrt((sum2 / rounds - run.scale * run.scale) / (rounds - 1));
    return run;
}

} // namespace

TEST(Coordination, FeedbackIsChargedInUsesAirtimeAndEnergy)
{
    // Six scheduled clients, two of them idle: the report mini-slot is sized by
    // the schedule (6 x 16 uses per block), the energy only by those who report.
    const auto updates = MakeUpdates(4, 1000, 1);
    const auto contributions = Contributions(updates, /* equalWeights */ false);
    std::vector<ScheduledClient> scheduled;
    for (uint32_t k = 0; k < 6; ++k)
    {
        scheduled.push_back({k, 50.0 + 25.0 * k});
    }
    auto channel = Channel(false, 10.0);
    auto ota = Ota(OverTheAirAggregator::ANALOG, 1.0, channel, ns3::CreateObject<NoFading>(),
                   ns3::CreateObject<InversionPowerAllocator>());
    ota->SetAttribute("CoherenceUses", ns3::UintegerValue(100)); // 5 blocks of 100 data uses
    ota->SetAttribute("MaxPowerDbm", ns3::DoubleValue(20.0));     // 0.1 W
    const AggregationResult result = ota->Aggregate(1, contributions, scheduled);
    const double ts = channel->ChannelUseSeconds();
    EXPECT_EQ(result.dataUses, 500u);
    EXPECT_EQ(result.pilotUses, 0u);
    EXPECT_EQ(result.feedbackUses, 16u * 6u * 5u);
    EXPECT_EQ(result.channelUses, 500u + 480u);
    EXPECT_DOUBLE_EQ(result.airtime.GetSeconds(), 980.0 * ts);
    const double reportJ = 0.1 * ts * 16.0 * 5.0;
    double total = 0.0;
    for (const ClientLinkReport& c : result.clients)
    {
        EXPECT_GT(c.txEnergyJ, reportJ); // its report plus its data
        EXPECT_LE(c.txEnergyJ, 0.01 * (1.0 + 1e-12));
        EXPECT_GE(c.peakPowerW, 0.1); // the report goes out at P_max (data peaks may exceed it
                                      // under the default average limit)
        total += c.txEnergyJ;
    }
    EXPECT_DOUBLE_EQ(result.energyJ, total);
    // Weights over the mean SCHEDULED weight (112.5 here), summed over the four senders.
    EXPECT_NEAR(result.activeWeight, (50.0 + 75.0 + 100.0 + 125.0) / 112.5, 1e-12);
    EXPECT_DOUBLE_EQ(result.activeWeightEstimate, result.activeWeight);
}

TEST(Coordination, FeedbackTheBudgetCannotPayIsAnInputError)
{
    const auto updates = MakeUpdates(3, 200, 2);
    auto ota = Ota(OverTheAirAggregator::ANALOG, 1.0, Channel(false), ns3::CreateObject<NoFading>(),
                   ns3::CreateObject<InversionPowerAllocator>());
    ota->SetAttribute("EnergyBudgetJ", ns3::DoubleValue(1e-6)); // reports: 0.2 W x 16 us = 3.2 uJ
    try
    {
        ota->Aggregate(1, Contributions(updates));
        FAIL() << "no error";
    }
    catch (const InputError& e)
    {
        const std::string what = e.what();
        EXPECT_NE(what.find("power.energy-j"), std::string::npos) << what;
        EXPECT_NE(what.find("power.feedback-uses"), std::string::npos) << what;
    }
    ota->SetAttribute("FeedbackUses", ns3::UintegerValue(0)); // free feedback, stated as such
    EXPECT_EQ(ota->Aggregate(1, Contributions(updates)).feedbackUses, 0u);
}

TEST(Coordination, FeedbackIsUnbiasedUnderNoiseWithUnequalWeightsAndShortBlocks)
{
    // Nakagami-4 fading (E[1/|h|^4] finite, so the Monte Carlo variance is),
    // blocks of 8 uses, unequal weights, inversion at about 0 dB: every block
    // has its own c and the server divides by the exact W. The mean scale of
    // the estimate along g_avg must be 1; its SE over 1500 rounds is about
    // 0.2 %, and the 0.8 % tolerance catches a 2 % scale error (checked:
    // dividing by 1.02 W in Decode fails both codings).
    for (auto coding : {OverTheAirAggregator::ANALOG, OverTheAirAggregator::RLC})
    {
        const auto updates = MakeUpdates(6, 1024, 5);
        const auto contributions = Contributions(updates, /* equalWeights */ false);
        auto fading = ns3::CreateObjectWithAttributes<NakagamiFading>("M", ns3::DoubleValue(4.0));
        auto ota = Ota(coding, 0.5, Channel(false, -8.0, 0.2), fading,
                       ns3::CreateObject<InversionPowerAllocator>());
        ota->SetAttribute("CoherenceUses", ns3::UintegerValue(8));
        const ScaleRun run = MeasureScale(ota, contributions, 1500);
        std::cout << "feedback " << (coding == OverTheAirAggregator::RLC ? "rlc" : "analog")
                  << ": scale " << run.scale << " SE " << run.se << " mean NMSE " << run.meanNmse << "\n";
        EXPECT_GT(run.meanNmse, 0.3); // the noise is not negligible
        EXPECT_LT(4.0 * run.se, 0.008);
        EXPECT_NEAR(run.scale, 1.0, 0.008);
    }
}

TEST(Coordination, BlindPilotBiasIsMeasuredAndCorrected)
{
    // Blind, no fading, blocks of 8 uses (7 data + 1 pilot), unequal weights,
    // G = 2 max ||u_k|| (no clipping), at a noise level where the pilot's
    // relative error s/W is about 0.2 per block. Dividing by W_hat biases the
    // scale up by E[W / W_hat] - 1 = r + 3 r^2 + ..., r = s^2 / W^2 (about
    // 4.5 % here); the second-order correction leaves -3 r^2 + ... (about -0.5 %).
    // Documented bound (docs/over-the-air.md): |bias| < 1 % with the
    // correction at r <= 0.04 (measured -0.70 % here). SE of each mean: about
    // 0.07 %. Catches a missing or halved correction (+4.1 %, about +2 %); a
    // correction term off by 5 % gives -0.94 % and passes here (checked), and is
    // caught by PilotWeightCorrectionIsUnbiasedToSecondOrder below.
    const auto updates = MakeUpdates(6, 1024, 6);
    const auto contributions = Contributions(updates, /* equalWeights */ false);
    double maxNorm = 0.0;
    for (const ClientContribution& c : contributions)
    {
        maxNorm = std::max(maxNorm, c.update->norm() * c.weight / 112.5);
    }
    std::vector<double> bias;
    for (bool correct : {false, true})
    {
        auto channel = Channel(false, 0.0, 0.2);
        auto ota = Ota(OverTheAirAggregator::ANALOG, 1.0, channel, ns3::CreateObject<NoFading>(),
                       ns3::CreateObject<TruncatedInversionPowerAllocator>());
        ota->SetAttribute("CoherenceUses", ns3::UintegerValue(8));
        ota->SetAttribute("Coordination", ns3::EnumValue(OverTheAirAggregator::BLIND));
        ota->SetAttribute("NormBound", ns3::DoubleValue(2.0 * maxNorm));
        ota->SetAttribute("BlindGainThreshold", ns3::DoubleValue(1.0));
        ota->SetAttribute("PilotBiasCorrection", ns3::BooleanValue(correct));
        const AggregationResult first = ota->Aggregate(1, contributions);
        EXPECT_EQ(first.activeClients, 6u);
        EXPECT_EQ(first.clippedClients, 0u);
        EXPECT_EQ(first.feedbackUses, 0u);
        EXPECT_EQ(first.pilotUses, 74u); // ceil(512 / 7) blocks
        // The pilot's relative error per block, from what the server knows.
        PilotObservation pilot;
        pilot.scale = first.receiveScale;
        pilot.amplitude = std::sqrt(0.05 * 4.0 * maxNorm * maxNorm * 7.0 / 512.0);
        pilot.noisePowerW = channel->NoisePowerW();
        const double r = std::pow(PilotWeightDeviation(pilot) / 6.0, 2.0);
        EXPECT_GT(r, 0.02);
        EXPECT_LT(r, 0.05);
        const ScaleRun run = MeasureScale(ota, contributions, 2000, 2);
        std::cout << "blind, correction " << correct << ": r = " << r << ", scale " << run.scale
                  << " SE " << run.se << "\n";
        EXPECT_LT(4.0 * run.se, 0.005);
        bias.push_back(run.scale - 1.0);
    }
    EXPECT_GT(bias[0], 0.03);              // the bias is real and measured...
    EXPECT_LT(std::abs(bias[1]), 0.01);    // ...and the correction brings it within 1 %
    EXPECT_LT(std::abs(bias[1]), bias[0] / 3.0);
}

TEST(Coordination, PilotWeightCorrectionIsUnbiasedToSecondOrder)
{
    // The estimator alone, exact Monte Carlo over the pilot noise: W = 3.7,
    // s = 0.15 W (r = 0.0225). E[W / W_hat] - 1 = r + 3r^2 = 2.4 %; corrected
    // -3 r^2 - 30 r^3 = -0.19 %. 200000 draws: SE about 0.035 %; the 0.1 %
    // tolerance catches a correction term off by 5 % (0.11 % of the scale;
    // checked: s^2 * 1.05 in EffectiveActiveWeight fails).
    Rng rng(11, "pilot-noise");
    const double w = 3.7;
    PilotObservation pilot;
    pilot.scale = 2.0;
    pilot.amplitude = 0.5;
    pilot.noisePowerW = 2.0 * std::pow(0.15 * w * pilot.scale * pilot.amplitude, 2.0);
    ASSERT_NEAR(PilotWeightDeviation(pilot), 0.15 * w, 1e-12);
    PilotEstimateOptions raw;
    raw.minWeight = 0.1;
    raw.correctBias = false;
    PilotEstimateOptions corrected = raw;
    corrected.correctBias = true;
    const int draws = 200000;
    double meanRaw = 0.0;
    double meanCorrected = 0.0;
    for (int i = 0; i < draws; ++i)
    {
        pilot.received = pilot.scale * pilot.amplitude * w + std::sqrt(pilot.noisePowerW / 2.0) * rng.Normal();
        meanRaw += w / EffectiveActiveWeight(pilot, raw) / draws;
        meanCorrected += w / EffectiveActiveWeight(pilot, corrected) / draws;
    }
    // Series in r: raw r + 3 r^2 + 15 r^3 (2.4 %), corrected -3 r^2 - 30 r^3 (-0.19 %).
    const double r = 0.0225;
    std::cout << "W / W_eff - 1: raw " << meanRaw - 1.0 << ", corrected " << meanCorrected - 1.0 << "\n";
    EXPECT_NEAR(meanRaw - 1.0, r + 3.0 * r * r + 15.0 * r * r * r, 0.001);
    EXPECT_NEAR(meanCorrected - 1.0, -3.0 * r * r - 30.0 * r * r * r, 0.001);
}

TEST(Coordination, BlindCountsTheActiveClientsWithoutAGenie)
{
    // Equal weights, blind, noiseless: clients whose fading cannot meet the
    // broadcast c stay silent; the server sees only the pilot, rounds it to a
    // count and reproduces the average of the clients that sent.
    const auto updates = MakeUpdates(10, 400, 4, 2.0);
    const auto contributions = Contributions(updates);
    auto ota = Ota(OverTheAirAggregator::ANALOG, 1.0, Channel(true), ns3::CreateObject<RayleighFading>(),
                   ns3::CreateObject<TruncatedInversionPowerAllocator>());
    ota->SetAttribute("Coordination", ns3::EnumValue(OverTheAirAggregator::BLIND));
    double maxNorm = 0.0;
    for (const auto& u : updates)
    {
        maxNorm = std::max(maxNorm, static_cast<double>(u.norm()));
    }
    ota->SetAttribute("NormBound", ns3::DoubleValue(maxNorm));
    ota->SetAttribute("BlindGainThreshold", ns3::DoubleValue(0.7));
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
            EXPECT_DOUBLE_EQ(result.activeWeightEstimate, result.activeClients);
            EXPECT_LT((result.estimate.cast<double>() - activeMean).norm(), 1e-6 * activeMean.norm());
        }
    }
    EXPECT_GT(roundsWithSilence, 10); // P(|h|^2 < 0.7) = 0.5 per client
}

TEST(Coordination, BlindClipsToTheNormBoundAndCountsIt)
{
    // Updates of norm about 0.01 sqrt(300 (1 + 0.25)) = 0.19 against G = 0.1:
    // every one is clipped, so the estimate (noiseless, no fading) is the
    // average of the clipped updates.
    const auto updates = MakeUpdates(4, 300, 7);
    const auto contributions = Contributions(updates);
    auto ota = Ota(OverTheAirAggregator::ANALOG, 1.0, Channel(true), ns3::CreateObject<NoFading>(),
                   ns3::CreateObject<TruncatedInversionPowerAllocator>());
    ota->SetAttribute("Coordination", ns3::EnumValue(OverTheAirAggregator::BLIND));
    ota->SetAttribute("NormBound", ns3::DoubleValue(0.1));
    ota->SetAttribute("BlindGainThreshold", ns3::DoubleValue(1.0));
    const AggregationResult result = ota->Aggregate(1, contributions);
    EXPECT_EQ(result.clippedClients, 4u);
    EXPECT_EQ(result.activeClients, 4u); // at the nominal point, so within the broadcast c
    Eigen::VectorXd clipped = Eigen::VectorXd::Zero(300);
    for (const auto& u : updates)
    {
        clipped += u.cast<double>() * (0.1 / u.cast<double>().norm()) / 4.0;
    }
    EXPECT_LT((result.estimate.cast<double>() - clipped).norm(), 1e-5 * clipped.norm());
    EXPECT_GT(result.nmse, 0.1); // clipping is an error against the exact average
}

TEST(Coordination, BlindWithoutANormBoundOrWithReportPoliciesIsAConfigurationError)
{
    ScenarioConfig config;
    config.codingScheme = "rlc";
    config.coordination = "blind";
    config.powerPolicy = "mse-optimal";
    config.normBound = 1.0;
    for (const std::string policy : {"mse-optimal", "inversion"})
    {
        config.powerPolicy = policy;
        try
        {
            CheckCoordination(config);
            FAIL() << policy;
        }
        catch (const InputError& e)
        {
            const std::string what = e.what();
            EXPECT_NE(what.find("power.policy = " + policy), std::string::npos) << what;
            EXPECT_NE(what.find("power.coordination = blind"), std::string::npos) << what;
        }
    }
    config.powerPolicy = "truncated";
    EXPECT_NO_THROW(CheckCoordination(config));
    config.normBound = 0.0;
    EXPECT_THROW(CheckCoordination(config), InputError);
    config.coordination = "feedback";
    config.powerPolicy = "mse-optimal";
    EXPECT_NO_THROW(CheckCoordination(config));
}
