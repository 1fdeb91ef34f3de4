/*
 * Federated runs through wfl-run over the air: accuracy against the ideal
 * uplink at high and very low SNR, and traces that prove every power and
 * energy budget was kept.
 */
#include "test-util.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace
{

/// Final test accuracy of a synthetic run over the given uplink.
double
FinalAccuracy(const std::string& dir, const std::string& name, std::map<std::string, std::string> keys)
{
    keys.insert({{"data.clients", "10"}, {"run.rounds", "30"}, {"run.eval-every", "30"}});
    if (keys.at("coding.scheme") != "ideal")
    {
        // Channel and power keys only where they act (the exact average has none).
        keys.insert({{"channel.normalized", "true"}, {"power.policy", "truncated"}});
    }
    const auto result = wfltest::Run(wfltest::SyntheticRunArgs(dir + "/" + name, keys));
    EXPECT_EQ(result.exitCode, 0) << result.err;
    return wfltest::ReadColumn(dir + "/" + name, "/rounds/test_accuracy").back();
}

} // namespace

TEST(FederatedOverTheAir, HighSnrMatchesIdealAndVeryLowSnrHurts)
{
    const std::string dir = wfltest::MakeTempDir("ota-fl");
    const double ideal = FinalAccuracy(dir, "ideal.h5", {{"coding.scheme", "ideal"}});
    const double analogHigh =
        FinalAccuracy(dir, "a40.h5", {{"coding.scheme", "analog"}, {"channel.snr-db", "40"}});
    const double rlcHigh = FinalAccuracy(
        dir, "r40.h5", {{"coding.scheme", "rlc"}, {"coding.ratio", "0.5"}, {"channel.snr-db", "40"}});
    // -30 dB: with feedback the server divides by the exact W, so -20 dB (NMSE
    // about 10) no longer costs 0.1 of accuracy; -30 dB (NMSE about 100) does.
    const double analogLow =
        FinalAccuracy(dir, "a-30.h5", {{"coding.scheme", "analog"}, {"channel.snr-db", "-30"}});
    const double rlcLow = FinalAccuracy(
        dir, "r-30.h5", {{"coding.scheme", "rlc"}, {"coding.ratio", "0.5"}, {"channel.snr-db", "-30"}});
    EXPECT_GT(ideal, 0.9);
    EXPECT_NEAR(analogHigh, ideal, 0.01);
    EXPECT_NEAR(rlcHigh, ideal, 0.01);
    EXPECT_LT(analogLow, ideal - 0.1);
    EXPECT_LT(rlcLow, ideal - 0.1);
}

TEST(FederatedOverTheAir, TraceProvesEveryBudgetWasKept)
{
    const std::string dir = wfltest::MakeTempDir("ota-budget");
    for (const std::string policy : {"full", "inversion", "truncated", "mse-optimal"})
    for (const std::string limit : {"average", "peak"})
    {
        const std::string path = dir + "/" + policy + "-" + limit + ".h5";
        const auto result = wfltest::Run(wfltest::SyntheticRunArgs(
            path, {{"coding.scheme", "rlc"}, {"power.policy", policy}, {"power.max-dbm", "10"},
                   {"power.energy-j", "1e-7"}, {"channel.coherence-uses", "16"},
                   {"power.feedback-uses", "2"}, // reports of 2 uses x 2 blocks at 10 mW: 4e-8 J
                   {"power.participation", "0.7"}, {"power.limit", limit}}));
        ASSERT_EQ(result.exitCode, 0) << result.err;
        const double maxW = std::stod(wfltest::ReadRootAttribute(path, "max_power_w"));
        const double budget = std::stod(wfltest::ReadRootAttribute(path, "energy_budget_j"));
        EXPECT_NEAR(maxW, 0.01, 1e-12);
        EXPECT_EQ(wfltest::ReadRootAttribute(path, "power_limit"), limit);
        const auto peak = wfltest::ReadColumn(path, "/clients/" + std::string(limit == "peak" ? "peak_power_w" : "power_w"));
        const auto energy = wfltest::ReadColumn(path, "/clients/tx_energy_j");
        ASSERT_FALSE(peak.empty());
        for (size_t i = 0; i < peak.size(); ++i)
        {
            EXPECT_LE(peak[i], maxW) << policy << " row " << i;
            EXPECT_LE(energy[i], budget) << policy << " row " << i;
        }
        // Idle clients (participation 0.7) leave fewer than 5 rows in some rounds.
        EXPECT_LT(peak.size(), 5u * 8u) << policy;
    }
}
