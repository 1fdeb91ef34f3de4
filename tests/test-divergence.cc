/*
 * Divergence: a run whose model or losses become NaN or Inf stops at that
 * round, records it (trace status = diverged, diverged_round) and exits 3
 * with one line naming the round and the likely causes.
 */
#include "aggregator.h"
#include "federation-helper.h"
#include "learning-task.h"
#include "random.h"
#include "scenario-runner.h"
#include "small-federation.h"
#include "test-util.h"

#include "ns3/node-container.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace wfl;

namespace
{

using wfltest::SmallData;

} // namespace

namespace
{

/// The exact average, except that round `badRound`'s estimate has one NaN
/// coordinate (what a broken decoder or an overflowing channel would give).
class NanInRoundAggregator : public Aggregator
{
  public:
    uint32_t badRound = 0;

  private:
    AggregationResult DoAggregate(uint32_t round, const std::vector<ClientContribution>& contributions) override
    {
        AggregationResult result;
        result.estimate = WeightedAverage(contributions).cast<float>();
        if (round == badRound)
        {
            result.estimate(0) = std::numeric_limits<float>::quiet_NaN();
        }
        for (const ClientContribution& c : contributions)
        {
            result.clients.push_back(ClientLinkReport{c.client});
        }
        result.activeClients = static_cast<uint32_t>(contributions.size());
        return result;
    }
};

} // namespace

TEST(Divergence, NonFiniteModelStopsTheRunAtThatRound)
{
    // The model itself turns NaN (all losses of that round are still finite):
    // that round is recorded, evaluated, and is the last one. A control run
    // (badRound 0) completes, so the detection is not a false alarm. Without
    // the model check the run would stop one round late (the clients' losses
    // of round 4), which fails here.
    for (uint32_t badRound : {0u, 3u})
    {
        ModelSpec model;
        model.kind = "softmax";
        auto aggregator = ns3::CreateObject<NanInRoundAggregator>();
        aggregator->badRound = badRound;
        const wfltest::SmallFederationRun run = wfltest::RunSmallFederation(model, 5, aggregator, 6, 100);
        const uint32_t diverged = run.divergedRound;
        const uint32_t completed = run.completedRounds;
        const std::vector<RoundRecord>& records = run.records;
        EXPECT_EQ(diverged, badRound);
        EXPECT_EQ(completed, badRound == 0 ? 6u : badRound);
        ASSERT_EQ(records.size(), completed);
        if (badRound > 0)
        {
            EXPECT_TRUE(std::isfinite(records.back().trainLoss));
            EXPECT_FALSE(std::isnan(records.back().testAccuracy)) << "the diverged round is evaluated";
            EXPECT_FALSE(std::isfinite(records.back().testLoss));
        }
    }
}

TEST(Divergence, DivergedRunStopsThereAndSaysSo)
{
    // A two-layer MLP at lr 100 leaves the floats within a few rounds.
    const std::string path = wfltest::MakeTempDir("diverge") + "/run.h5";
    const auto result = wfltest::Run(wfltest::SyntheticRunArgs(path,
                                                              {{"learner.model", "mlp"},
                                                               {"learner.hidden", "64,64"},
                                                               {"learner.lr", "100"},
                                                               {"run.rounds", "50"}}));
    // Its own exit status (not 2: the input was valid), one line naming the
    // round and the likely cause; no uplink keys under the ideal uplink.
    EXPECT_EQ(result.exitCode, kExitDiverged) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    const std::string round = wfltest::ReadRootAttribute(path, "diverged_round");
    EXPECT_NE(result.err.find("diverged in round " + round + " "), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("learner.lr = 100"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("uplink"), std::string::npos) << result.err;
    // The trace: stopped at that round, which is recorded (and evaluated).
    EXPECT_EQ(wfltest::ReadRootAttribute(path, "status"), "diverged");
    EXPECT_EQ(wfltest::ReadRootAttribute(path, "diverged"), "1");
    EXPECT_EQ(wfltest::ReadRootAttribute(path, "complete"), "0");
    EXPECT_FALSE(wfltest::ReadRootAttribute(path, "end_time_utc").empty());
    const auto rounds = wfltest::ReadColumn(path, "/rounds/round");
    ASSERT_FALSE(rounds.empty());
    EXPECT_EQ(std::to_string(static_cast<int>(rounds.back())), round);
    EXPECT_EQ(rounds.size(), static_cast<size_t>(rounds.back()));
    EXPECT_LT(rounds.size(), 50u);
    const auto train = wfltest::ReadColumn(path, "/rounds/train_loss");
    const auto test = wfltest::ReadColumn(path, "/rounds/test_loss");
    const auto accuracy = wfltest::ReadColumn(path, "/rounds/test_accuracy");
    EXPECT_FALSE(std::isnan(accuracy.back())) << "the diverged round is evaluated";
    EXPECT_FALSE(std::isfinite(train.back()) && std::isfinite(test.back()));
    for (size_t i = 0; i + 1 < rounds.size(); ++i)
    {
        EXPECT_TRUE(std::isfinite(train[i])) << "row " << i;
    }
}

TEST(Divergence, OverTheAirNamesTheUplinkKeys)
{
    // Analog at -60 dB: the model stays finite (floats up to ~1e38) while
    // its test loss overflows first, a round before the clients' losses do;
    // the message names the uplink's keys besides learner.lr. Evaluating
    // every round, a run that ignored a non-finite test loss would go one
    // round further and leave a non-finite row before the last (caught below).
    const std::string path = wfltest::MakeTempDir("diverge-ota") + "/run.h5";
    const auto result = wfltest::Run(wfltest::SyntheticRunArgs(
        path, {{"learner.model", "mlp"}, {"learner.hidden", "16"}, {"run.rounds", "60"},
               {"run.eval-every", "1"}, {"coding.scheme", "analog"}, {"channel.normalized", "true"},
               {"channel.snr-db", "-60"}}));
    EXPECT_EQ(result.exitCode, kExitDiverged) << result.err;
    for (const char* key : {"learner.lr = 0.1", "channel.snr-db = -60", "power.policy = inversion"})
    {
        EXPECT_NE(result.err.find(key), std::string::npos) << key << ": " << result.err;
    }
    EXPECT_EQ(wfltest::ReadRootAttribute(path, "status"), "diverged");
    EXPECT_EQ(std::to_string(static_cast<int>(wfltest::ReadColumn(path, "/rounds/round").back())),
              wfltest::ReadRootAttribute(path, "diverged_round"));
    const auto train = wfltest::ReadColumn(path, "/rounds/train_loss");
    const auto test = wfltest::ReadColumn(path, "/rounds/test_loss");
    ASSERT_FALSE(test.empty());
    EXPECT_FALSE(std::isfinite(test.back()) && std::isfinite(train.back()));
    for (size_t i = 0; i + 1 < test.size(); ++i)
    {
        EXPECT_TRUE(std::isfinite(train[i]) && std::isfinite(test[i])) << "row " << i;
    }
}

