/*
 * Federated rounds on ns-3: accuracy, FedAvg against centralised training,
 * determinism of traces, completion marks and timing profiles. Runs over
 * the air are in test-federated-over-the-air.cc, threads, client sampling
 * and stragglers in test-federated-scale.cc.
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
