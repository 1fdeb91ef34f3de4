/*
 * Federated runs through wfl-run at scale: results independent of the
 * number of threads, client sampling by number and fraction, stragglers that
 * miss the deadline.
 */
#include "test-util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <string>
#include <vector>

TEST(FederatedScale, ResultsDoNotDependOnTheNumberOfThreads)
{
    // Training and the over-the-air encoding both run on the workers; with 7
    // clients, 1-3 threads give encoding groups of 2, 4 and 6 clients (with
    // remainders). Analog with short coherence blocks covers per-block statistics.
    const std::string dir = wfltest::MakeTempDir("threads");
    const std::vector<std::map<std::string, std::string>> uplinks{
        {{"coding.scheme", "rlc"}},
        {{"coding.scheme", "analog"}, {"channel.coherence-uses", "40"}, {"power.policy", "mse-optimal"}}};
    for (size_t u = 0; u < uplinks.size(); ++u)
    {
        const std::string prefix = dir + "/u" + std::to_string(u) + "-t";
        for (const char* threads : {"1", "2", "3"})
        {
            std::map<std::string, std::string> keys{{"run.threads", threads},
                                                    {"data.clients", "7"},
                                                    {"learner.model", "mlp"},
                                                    {"learner.hidden", "32"},
                                                    {"channel.normalized", "true"}};
            keys.insert(uplinks[u].begin(), uplinks[u].end());
            const auto result = wfltest::Run(wfltest::SyntheticRunArgs(prefix + threads + ".h5", keys));
            ASSERT_EQ(result.exitCode, 0) << result.err;
        }
        for (const char* column : {"/rounds/test_accuracy", "/rounds/train_loss", "/rounds/nmse",
                                   "/clients/local_loss", "/clients/tx_energy_j", "/clients/power_w",
                                   "/clients/peak_power_w"})
        {
            const auto one = wfltest::ReadColumn(prefix + "1.h5", column);
            ASSERT_FALSE(one.empty()) << column;
            for (const char* other : {"2.h5", "3.h5"})
            {
                const auto many = wfltest::ReadColumn(prefix + other, column);
                ASSERT_EQ(one.size(), many.size());
                EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(double)), 0)
                    << column << " differs with " << prefix << other;
            }
        }
    }
}

TEST(FederatedScale, ClientSamplingPicksTheRequestedNumberAndFavoursLargeClients)
{
    const std::string dir = wfltest::MakeTempDir("sampling");
    for (const char* sampling : {"uniform", "size"})
    {
        const std::string path = dir + "/" + sampling + ".h5";
        const auto result = wfltest::Run(wfltest::SyntheticRunArgs(
            path, {{"data.clients", "20"}, {"server.clients-per-round", "4"},
                   {"server.sampling", sampling}, {"data.size-sigma", "1.5"}, {"run.rounds", "150"},
                   {"run.eval-every", "150"}, {"learner.local-steps", "1"}}));
        ASSERT_EQ(result.exitCode, 0) << result.err;
        const auto rounds = wfltest::ReadColumn(path, "/clients/round");
        const auto samples = wfltest::ReadColumn(path, "/clients/samples");
        ASSERT_EQ(rounds.size(), 150u * 4u);
        double meanSize = 0.0;
        for (double s : samples)
        {
            meanSize += s / static_cast<double>(samples.size());
        }
        // The mean client holds 6000 / 20 = 300 samples; size-weighted picks
        // are biased towards the big ones (E[size^2] / E[size] > E[size]).
        if (std::string(sampling) == "uniform")
        {
            EXPECT_NEAR(meanSize, 300.0, 60.0);
        }
        else
        {
            EXPECT_GT(meanSize, 450.0);
        }
    }
}

TEST(FederatedScale, StragglersMissTheDeadlineAndAreTraced)
{
    const std::string path = wfltest::MakeTempDir("stragglers") + "/run.h5";
    const auto result = wfltest::Run(wfltest::SyntheticRunArgs(
        path, {{"data.clients", "10"}, {"learner.compute-time-s", "0.1"},
               {"learner.compute-spread", "1.0"}, {"server.deadline-s", "0.1"}}));
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const auto stragglers = wfltest::ReadColumn(path, "/rounds/stragglers");
    const auto participants = wfltest::ReadColumn(path, "/rounds/participants");
    const auto simTime = wfltest::ReadColumn(path, "/rounds/sim_time_s");
    const auto flags = wfltest::ReadColumn(path, "/clients/straggler");
    const auto active = wfltest::ReadColumn(path, "/clients/active");
    double total = 0.0;
    for (size_t r = 0; r < stragglers.size(); ++r)
    {
        total += stragglers[r];
        EXPECT_EQ(participants[r], 10.0);
        // A round with stragglers lasts exactly until the deadline.
        const double duration = simTime[r] - (r ? simTime[r - 1] : 0.0);
        if (stragglers[r] > 0)
        {
            EXPECT_NEAR(duration, 0.1, 1e-9);
        }
        else
        {
            EXPECT_LE(duration, 0.1 + 1e-9);
        }
    }
    // Speeds exp(N(0,1)): a client is late when its speed < 1, half of them on average.
    EXPECT_GT(total, 8.0);
    EXPECT_LT(total, 72.0);
    double flagged = 0.0;
    for (size_t i = 0; i < flags.size(); ++i)
    {
        flagged += flags[i];
        if (flags[i] == 1.0)
        {
            EXPECT_EQ(active[i], 0.0); // a straggler's update is never sent
        }
    }
    EXPECT_EQ(flagged, total);
}

TEST(FederatedScale, ClientFractionSamplesThatShareOfClients)
{
    const std::string path = wfltest::MakeTempDir("fraction") + "/run.h5";
    const auto result = wfltest::Run(wfltest::SyntheticRunArgs(
        path, {{"data.clients", "20"}, {"server.clients-fraction", "0.25"}, {"run.rounds", "6"}}));
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(wfltest::ReadColumn(path, "/clients/round").size(), 6u * 5u);
}
