/*
 * Federated rounds on ns-3: accuracy, FedAvg against centralised training,
 * determinism of traces, divergence handling.
 */
#include "aggregator.h"
#include "federation-helper.h"
#include "learning-task.h"
#include "random.h"
#include "test-util.h"

#include "ns3/node-container.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <cstring>
#include <numeric>

using namespace wfl;

namespace
{

using wfltest::SmallData;

/// Run `rounds` of FedAvg with ideal aggregation; returns the global model.
Eigen::VectorXf
RunFederation(std::shared_ptr<LearningTask> task, uint32_t rounds, double* accuracy = nullptr)
{
    ns3::NodeContainer server(1);
    ns3::NodeContainer clients(static_cast<uint32_t>(task->GetPartition().size()));
    FederationHelper helper;
    helper.SetServerAttribute("Rounds", ns3::UintegerValue(rounds));
    FederationApps apps = helper.Install(server.Get(0), clients, task);
    ns3::Simulator::Run();
    EXPECT_EQ(apps.server->GetCompletedRounds(), rounds);
    Eigen::VectorXf global = apps.server->GetGlobalParameters();
    ns3::Simulator::Destroy();
    if (accuracy)
    {
        *accuracy = task->EvaluateTest(global).accuracy;
    }
    return global;
}

} // namespace

TEST(Aggregator, IdealIsTheSampleWeightedAverage)
{
    const Eigen::VectorXf a = Eigen::VectorXf::Constant(3, 1.0f);
    const Eigen::VectorXf b = Eigen::VectorXf::Constant(3, 4.0f);
    auto aggregator = ns3::CreateObject<IdealAggregator>();
    const AggregationResult result = aggregator->Aggregate(1, {{0, &a, 100.0}, {1, &b, 200.0}});
    for (Eigen::Index i = 0; i < 3; ++i)
    {
        EXPECT_FLOAT_EQ(result.estimate(i), 3.0f); // (1*100 + 4*200) / 300
    }
    EXPECT_EQ(result.airtime, ns3::Seconds(0));
}

TEST(Federated, ShortRunOnSyntheticDataLearns)
{
    // 8 IID clients, softmax, 10 rounds of 10 local steps: the clusters are
    // well separated (Bayes accuracy ~0.99), so 0.9 is a conservative bar.
    auto data = SmallData(3);
    Rng rng(3, "partition");
    LocalTrainingSpec training;
    training.learningRate = 0.1;
    training.localSteps = 10;
    ModelSpec model;
    model.kind = "softmax";
    auto task = std::make_shared<LearningTask>(
        data, PartitionIid(static_cast<int>(data->train.Count()), 8, 0.0, rng), model, training, 3);
    const double initial = task->EvaluateTest(task->InitialParameters()).accuracy;
    double accuracy = 0.0;
    RunFederation(task, 10, &accuracy);
    EXPECT_GT(accuracy, 0.9);
    EXPECT_LT(initial, 0.6);
}

TEST(Federated, OneClientFedAvgEqualsCentralisedTrainingOnTheSameBatches)
{
    auto data = SmallData(5);
    std::vector<int> all(static_cast<size_t>(data->train.Count()));
    std::iota(all.begin(), all.end(), 0);
    LocalTrainingSpec training;
    training.learningRate = 0.05;
    training.localSteps = 7;
    ModelSpec model; // mlp 16-200-5
    auto task = std::make_shared<LearningTask>(data, Partition{all}, model, training, 5);
    const uint32_t rounds = 4;
    const Eigen::VectorXf federated = RunFederation(task, rounds);

    // Centralised SGD through the same batches: the round-r batches of client 0.
    LocalTrainer trainer(MakeModel<float>(model, 16, 5));
    Eigen::VectorXf params = task->InitialParameters();
    Eigen::VectorXf viaDeltas = params;
    // Bit-exact: the server applies w <- w + 1 * delta, as this loop does.
    for (uint32_t r = 1; r <= rounds; ++r)
    {
        Rng rng(5, "local-batches", 0, r);
        const LocalUpdate update = trainer.Train(viaDeltas, data->train, all, training, rng);
        viaDeltas += update.delta;
    }
    EXPECT_EQ(federated, viaDeltas) << "ideal FedAvg with one client must be exact";
    // Centralised SGD written out here: each round's batches are consecutive
    // slices of a permutation drawn from the stream (documented LocalTrainer
    // contract); 7 steps of 32 never wrap around the 2000 samples.
    auto reference = MakeModel<float>(model, 16, 5);
    Eigen::VectorXf grad;
    Eigen::MatrixXf batch;
    std::vector<int> labels;
    for (uint32_t r = 1; r <= rounds; ++r)
    {
        Rng rng(5, "local-batches", 0, r);
        std::vector<int> order = all;
        rng.Shuffle(order);
        for (int step = 0; step < training.localSteps; ++step)
        {
            GatherBatch(data->train, order.data() + step * training.batchSize,
                        training.batchSize, batch, labels);
            reference->LossAndGradient(params, batch, labels, grad);
            params -= static_cast<float>(training.learningRate) * grad;
        }
    }
    // w + (w_local - w) may differ from w_local in the last bit of float.
    EXPECT_LT((federated - params).cwiseAbs().maxCoeff(), 1e-5f);
}

TEST(Federated, SameSeedGivesIdenticalTracesAndAnotherSeedDifferent)
{
    const std::string dir = wfltest::MakeTempDir("determinism");
    auto run = [&](const std::string& name, const std::string& seed) {
        const auto result = wfltest::Run(wfltest::SyntheticRunArgs(
            dir + "/" + name, {{"run.seed", seed}, {"data.partition", "dirichlet"}}));
        EXPECT_EQ(result.exitCode, 0) << result.err;
    };
    run("a.h5", "11");
    run("b.h5", "11");
    run("c.h5", "12");
    for (const char* column : {"/rounds/test_accuracy", "/rounds/test_loss", "/rounds/train_loss",
                               "/clients/samples", "/clients/local_loss"})
    {
        const auto a = wfltest::ReadColumn(dir + "/a.h5", column);
        const auto b = wfltest::ReadColumn(dir + "/b.h5", column);
        ASSERT_EQ(a.size(), b.size()) << column;
        for (size_t i = 0; i < a.size(); ++i)
        {
            // Bitwise, including the NaNs of rounds without evaluation.
            EXPECT_EQ(std::memcmp(&a[i], &b[i], sizeof(double)), 0) << column << " row " << i;
        }
    }
    EXPECT_NE(wfltest::ReadColumn(dir + "/a.h5", "/clients/local_loss"),
              wfltest::ReadColumn(dir + "/c.h5", "/clients/local_loss"));
    EXPECT_NE(wfltest::ReadColumn(dir + "/a.h5", "/clients/samples"),
              wfltest::ReadColumn(dir + "/c.h5", "/clients/samples"));
}

TEST(Federated, CompletedRunIsMarkedComplete)
{
    const std::string path = wfltest::MakeTempDir("complete") + "/run.h5";
    const auto result = wfltest::Run(wfltest::SyntheticRunArgs(path));
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(wfltest::ReadRootAttribute(path, "complete"), "1");
    EXPECT_EQ(wfltest::ReadRootAttribute(path, "status"), "complete");
    EXPECT_EQ(wfltest::ReadRootAttribute(path, "diverged"), "0");
    EXPECT_FALSE(wfltest::ReadRootAttribute(path, "end_time_utc").empty());
    EXPECT_NE(wfltest::ReadRootAttribute(path, "config").find("rounds = 8"), std::string::npos);
    const auto accuracy = wfltest::ReadColumn(path, "/rounds/test_accuracy");
    ASSERT_EQ(accuracy.size(), 8u);
    EXPECT_TRUE(std::isnan(accuracy[0]));  // eval-every 2
    EXPECT_FALSE(std::isnan(accuracy[1]));
    EXPECT_GT(accuracy.back(), 0.8);
}

TEST(Federated, TimingProfilesEveryStageOfEveryUplink)
{
    // /timing is each run's profile: every stage a scheme has must show time
    // in every round, stages it lacks none, and no stage may exceed the round.
    const std::string dir = wfltest::MakeTempDir("timing");
    for (const char* scheme : {"ideal", "analog", "rlc", "digital"})
    {
        const std::string path = dir + "/" + scheme + ".h5";
        std::map<std::string, std::string> keys{{"coding.scheme", scheme}};
        if (std::string(scheme) != "ideal")
        {
            keys.insert({"channel.normalized", "true"}); // the exact average has no channel
        }
        if (std::string(scheme) == "digital")
        {
            // Enough bits per slot that every client gets its payload through.
            keys.insert({{"coding.ratio", "1"}, {"channel.snr-db", "30"}});
        }
        const auto result = wfltest::Run(wfltest::SyntheticRunArgs(path, keys));
        ASSERT_EQ(result.exitCode, 0) << result.err;
        const auto round = wfltest::ReadColumn(path, "/timing/wall_round_s");
        ASSERT_EQ(round.size(), 8u) << scheme;
        const bool coded = std::string(scheme) != "ideal";
        for (const char* stage : {"wall_train_s", "wall_aggregate_s", "wall_encode_s", "wall_channel_s",
                                  "wall_decode_s"})
        {
            const auto seconds = wfltest::ReadColumn(path, std::string("/timing/") + stage);
            ASSERT_EQ(seconds.size(), round.size()) << scheme << " " << stage;
            const bool expected = coded || std::string(stage) == "wall_train_s" ||
                                  std::string(stage) == "wall_aggregate_s";
            for (size_t r = 0; r < seconds.size(); ++r)
            {
                EXPECT_TRUE(std::isfinite(seconds[r])) << scheme << " " << stage;
                if (expected)
                {
                    EXPECT_GT(seconds[r], 0.0) << scheme << " " << stage << " round " << r + 1;
                }
                else
                {
                    EXPECT_EQ(seconds[r], 0.0) << scheme << " " << stage;
                }
                // Training is thread time (summed over clients); the rest is elapsed.
                if (std::string(stage) != "wall_train_s")
                {
                    EXPECT_LE(seconds[r], round[r]) << scheme << " " << stage;
                }
            }
        }
    }
}

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
