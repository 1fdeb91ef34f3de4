/*
 * Collapse: a model whose predictions no longer depend on its input (every
 * test image given one class, as after a step that leaves every ReLU dead)
 * has finite losses, so the divergence checks pass it. The evaluation
 * records the share of the most-predicted class (TopClassShare,
 * /rounds/test_top_class_share), and wfl-run ends a run whose final share is
 * at least kNearConstantShare with a warning (run-diagnosis.h): collapsed, or
 * never trained, told apart by the train loss; and a run no update reached
 * with a warning of its own.
 */
#include "aggregator.h"
#include "evaluation.h"
#include "run-diagnosis.h"
#include "scenario-runner.h"
#include "small-federation.h"
#include "test-util.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace wfl;

namespace
{

/// The exact average, except that round `badRound`'s estimate is minus the
/// global model, which the server's FedAvg step then zeroes: an MLP with all
/// weights zero gives every input the same logits, and no gradient reaches
/// its hidden layer again (its outputs and the weights after it are zero).
class ZeroModelInRoundAggregator : public Aggregator
{
  public:
    uint32_t badRound = 0;
    const Eigen::VectorXf* global = nullptr;

  private:
    AggregationResult DoAggregate(uint32_t round, const std::vector<ClientContribution>& contributions) override
    {
        AggregationResult result;
        result.estimate = round == badRound ? Eigen::VectorXf(-*global) : WeightedAverage(contributions).cast<float>();
        for (const ClientContribution& c : contributions)
        {
            result.clients.push_back(ClientLinkReport{c.client});
        }
        result.activeClients = static_cast<uint32_t>(contributions.size());
        return result;
    }
};

std::vector<RoundRecord>
RunWithZeroedModelIn(uint32_t badRound)
{
    ModelSpec model;
    model.kind = "mlp";
    model.hidden = {16};
    auto aggregator = ns3::CreateObject<ZeroModelInRoundAggregator>();
    aggregator->badRound = badRound;
    return wfltest::RunSmallFederation(model, 7, aggregator, 6, 1, [&](FederatedServer& server) {
               aggregator->global = &server.GetGlobalParameters();
           })
        .records;
}

} // namespace

TEST(Collapse, TopClassShareCountsEveryChunksPredictions)
{
    // Two chunks each giving one class, but not the same one, are not a
    // collapse: the share is over the counts of both. Break tried: keeping
    // only the first chunk's counts gives 1 here and fails.
    // The accuracy is the exact ratio of the summed counts.
    Metrics total;
    AddPredictions(total, Metrics{0.5, 500, 1.0, {0, 0, 1000}});
    EXPECT_DOUBLE_EQ(TopClassShare(total), 1.0);
    EXPECT_EQ(total.accuracy, 0.5);
    AddPredictions(total, Metrics{0.25, 250, 1.0, {0, 1000, 0}});
    EXPECT_DOUBLE_EQ(TopClassShare(total), 0.5);
    EXPECT_EQ(total.accuracy, 0.375);
    AddPredictions(total, Metrics{0.5, 4000, 1.0, {0, 0, 8000}});
    EXPECT_DOUBLE_EQ(TopClassShare(total), 0.9);
    EXPECT_EQ(total.accuracy, 4750.0 / 10000.0);
    EXPECT_EQ(total.correct, 4750);
    EXPECT_TRUE(std::isnan(TopClassShare(Metrics{})));
}

TEST(Collapse, ZeroedMlpIsRecordedAsPredictingOneClassFromThatRoundOn)
{
    // Control first: a healthy run spreads its predictions over the data's 5
    // balanced classes in every round (share < 0.5), so the record is not a
    // false alarm. Break tried: the server recording 0 whatever the
    // evaluation says fails here (the collapsed rounds).
    const std::vector<RoundRecord> healthy = RunWithZeroedModelIn(0);
    ASSERT_EQ(healthy.size(), 6u);
    for (const RoundRecord& r : healthy)
    {
        EXPECT_LT(r.testTopClassShare, 0.5) << "round " << r.round;
    }
    // Zeroed in round 3: all logits equal, so one class (the first maximum)
    // for every image; afterwards only the output biases learn (the hidden
    // layer's outputs are zero, and so is every gradient into it), so one
    // class, the data's most frequent, stays. Losses stay finite throughout.
    const std::vector<RoundRecord> collapsed = RunWithZeroedModelIn(3);
    ASSERT_EQ(collapsed.size(), 6u) << "a collapse does not stop the run";
    for (const RoundRecord& r : collapsed)
    {
        EXPECT_TRUE(std::isfinite(r.testLoss)) << "round " << r.round;
        if (r.round < 3)
        {
            EXPECT_LT(r.testTopClassShare, 0.5) << "round " << r.round;
        }
        else
        {
            EXPECT_EQ(r.testTopClassShare, 1.0) << "round " << r.round;
        }
    }
}

namespace
{

/// A diagnosis whose rounds all delivered updates, with the given ends.
RunDiagnosis
Diagnosis(double share, double lowestLoss, double finalLoss)
{
    RunDiagnosis d;
    d.rounds = 100;
    d.roundsWithUpdates = 100;
    d.lowestTrainLoss = lowestLoss;
    d.lowestTrainLossRound = 8;
    d.finalTrainLoss = finalLoss;
    d.finalAccuracy = 0.1;
    d.finalTopClassShare = share;
    return d;
}

} // namespace

TEST(Collapse, CompletionWarningsTellCollapseFromNeverTrainedFromNothingReceived)
{
    ScenarioConfig config;
    config.training.learningRate = 0.3;
    // Healthy: no warning, whatever the losses did (the share decides).
    EXPECT_TRUE(CompletionWarnings(config, Diagnosis(0.89, 1.4, 2.3)).empty());
    // ef-sign's collapse in the CNN sweep: the loss rose x 1.6 from its lowest.
    std::vector<std::string> w = CompletionWarnings(config, Diagnosis(0.998, 1.42, 2.30));
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("round 100) gives one class to 99.8 % of the test images (test accuracy 0.100)"),
              std::string::npos) << w[0];
    EXPECT_NE(w[0].find("fell to 1.42 (round 8) and ended at 2.30: training collapsed"), std::string::npos) << w[0];
    EXPECT_NE(w[0].find("learner.lr = 0.3 or server.lr = 1 too high"), std::string::npos) << w[0];
    EXPECT_EQ(w[0].find('\n'), std::string::npos) << "one line";
    // A loss that never fell far: not called a collapse (break tried: the
    // rise test dropped, this case says "collapsed" and fails).
    w = CompletionWarnings(config, Diagnosis(0.998, 2.25, 2.30));
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("never got past a near-constant output"), std::string::npos) << w[0];
    EXPECT_NE(w[0].find("learner.lr = 0.3 too low or run.rounds"), std::string::npos) << w[0];
    // No update ever arrived: that, and only that, whatever the share.
    RunDiagnosis none = Diagnosis(0.998, 2.25, 2.30);
    none.roundsWithUpdates = 0;
    w = CompletionWarnings(config, none);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("no client update reached the server in any of the 100 rounds"), std::string::npos) << w[0];
}

TEST(Collapse, RunWhoseEveryMessageIsOverItsBudgetSaysSo)
{
    // 33 bits a message over the bit pipe: QSGD fits no coordinate of the
    // model (32 bits of scale leave 1, under log2 3 for one ternary
    // coordinate; 40 would fit 5), so no update reaches the server. The
    // run completes (exit 0) and says so on stderr; the same run with a
    // budget that fits says nothing (control). Break tried: the
    // nothing-received check removed, this test and the one above fail.
    for (const char* bits : {"33", "100000"})
    {
        const std::string path = wfltest::MakeTempDir("nothing-received") + "/run.h5";
        const auto result = wfltest::Run(wfltest::SyntheticRunArgs(path, {{"coding.scheme", "digital"},
                                                                          {"compression.link", "pipe"},
                                                                          {"compression.scheme", "qsgd"},
                                                                          {"compression.bits", bits},
                                                                          {"run.rounds", "3"}}));
        EXPECT_EQ(result.exitCode, 0) << result.err;
        const bool warned = result.err.find("no client update reached the server in any of the 3 rounds") !=
                            std::string::npos;
        EXPECT_EQ(warned, std::string(bits) == "33") << bits << ": " << result.err;
        if (warned)
        {
            EXPECT_NE(result.err.find("check compression.bits = 33, compression.scheme = qsgd"), std::string::npos)
                << result.err;
        }
    }
}
