/*
 * Scenario configuration: keys that cannot take effect where they are set
 * are errors naming the key that decides (helper/scenario-rules.cc).
 */
#include "config-fixtures.h"
#include "scenario-config.h"
#include "test-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace wfl;
using namespace configtest;

// ---- Keys that cannot take effect (scenario-rules.cc) ----

namespace
{

struct InertCase
{
    std::vector<std::string> args; ///< sets `key` where it has no effect
    std::string key;
    std::string decider;                ///< a key the message must name
    std::vector<std::string> fixArgs;   ///< added to args, make `key` take effect
};

std::vector<InertCase>
InertCases()
{
    using V = std::vector<std::string>;
    return {
        {V{"--coding.scheme", "rlc", "--channel.snr-db", "0"}, "channel.snr-db", "channel.normalized",
         V{"--channel.normalized", "true"}},
        {V{"--coding.scheme", "rlc", "--channel.normalized", "true", "--channel.noise-figure-db", "5"},
         "channel.noise-figure-db", "channel.normalized", V{"--channel.normalized", "false"}},
        {V{"--coding.scheme", "analog", "--channel.normalized", "true", "--channel.path-loss",
           "ns3::FriisPropagationLossModel"},
         "channel.path-loss", "channel.normalized", V{"--channel.normalized", "false"}},
        {V{"--coding.scheme", "analog", "--channel.positions", "1,1;2,2", "--data.clients", "2",
           "--channel.cell-radius-m", "50"},
         "channel.cell-radius-m", "channel.positions", V{"--channel.positions", ""}},
        {V{"--coding.scheme", "rlc", "--channel.rician-k", "4"}, "channel.rician-k", "channel.fading",
         V{"--channel.fading", "rician"}},
        {V{"--coding.scheme", "rlc", "--channel.nakagami-m", "4"}, "channel.nakagami-m",
         "channel.fading", V{"--channel.fading", "nakagami"}},
        {V{"--coding.scheme", "rlc", "--power.gain-threshold", "0.3"}, "power.gain-threshold",
         "power.policy", V{"--power.policy", "truncated"}},
        {V{"--channel.fading", "none"}, "channel.fading", "coding.scheme", V{"--coding.scheme", "digital"}},
        {V{"--power.max-dbm", "10"}, "power.max-dbm", "coding.scheme", V{"--coding.scheme", "analog"}},
        {V{"--coding.scheme", "analog", "--coding.ratio", "0.5"}, "coding.ratio", "coding.scheme",
         V{"--coding.scheme", "digital"}},
        {V{"--coding.scheme", "analog", "--coding.bucket", "256"}, "coding.bucket", "coding.scheme",
         V{"--coding.scheme", "rlc"}},
        {V{"--coding.scheme", "digital", "--power.policy", "full"}, "power.policy", "coding.scheme",
         V{"--coding.scheme", "analog"}},
        {V{"--learner.momentum", "0.5"}, "learner.momentum", "learner.optimizer",
         V{"--learner.optimizer", "momentum"}},
        {V{"--learner.optimizer", "momentum", "--learner.beta2", "0.9"}, "learner.beta2",
         "learner.optimizer", V{"--learner.optimizer", "adam"}},
        {V{"--server.momentum", "0.5"}, "server.momentum", "server.optimizer",
         V{"--server.optimizer", "fedavgm"}},
        {V{"--server.optimizer", "fedavgm", "--server.tau", "0.01"}, "server.tau", "server.optimizer",
         V{"--server.optimizer", "fedadam"}},
        {V{"--data.dirichlet-alpha", "0.1"}, "data.dirichlet-alpha", "data.partition",
         V{"--data.partition", "dirichlet"}},
        {V{"--data.partition", "dirichlet", "--data.size-sigma", "1"}, "data.size-sigma",
         "data.partition", V{"--data.partition", "iid"}},
        {V{"--data.synthetic-dim", "8"}, "data.synthetic-dim", "data.dataset",
         V{"--data.dataset", "synthetic"}},
        {V{"--data.dataset", "synthetic", "--data.path", "/tmp"}, "data.path", "data.dataset",
         V{"--data.dataset", "fashion-mnist"}},
        {V{"--learner.local-epochs", "1", "--learner.local-steps", "5"}, "learner.local-steps",
         "learner.local-epochs", V{"--learner.local-epochs", "0"}},
        {V{"--learner.model", "softmax", "--learner.hidden", "10"}, "learner.hidden", "learner.model",
         V{"--learner.model", "mlp"}},
        {V{"--learner.conv", "4,8"}, "learner.conv", "learner.model", V{"--learner.model", "cnn"}},
        {V{"--learner.compute-distribution", "uniform"}, "learner.compute-distribution",
         "learner.compute-spread", V{"--learner.compute-spread", "0.5"}},
        {V{"--learner.compute-time-s", "0", "--learner.compute-spread", "0.5"},
         "learner.compute-spread", "learner.compute-time-s", V{"--learner.compute-time-s", "1"}},
        {V{"--server.clients-fraction", "0.5", "--server.clients-per-round", "3"},
         "server.clients-per-round", "server.clients-fraction", V{"--server.clients-fraction", "0"}},
        {V{"--learner.compute-time-s", "0", "--server.deadline-s", "1"}, "server.deadline-s",
         "learner.compute-time-s", V{"--learner.compute-time-s", "0.5"}},
        {V{"--server.sampling", "size"}, "server.sampling", "server.clients-per-round",
         V{"--server.clients-per-round", "5"}},
        // Information structure: G only without reports, report uses only with them
        // (digital is matched to the rlc slot's reports), the threshold also blind.
        {V{"--coding.scheme", "rlc", "--power.norm-bound", "5"}, "power.norm-bound",
         "power.coordination", V{"--power.coordination", "blind", "--power.policy", "truncated"}},
        {V{"--coding.scheme", "digital", "--power.coordination", "blind", "--power.feedback-uses", "4"},
         "power.feedback-uses", "power.coordination", V{"--power.coordination", "feedback"}},
        {V{"--coding.scheme", "analog", "--power.policy", "full", "--power.gain-threshold", "0.3"},
         "power.gain-threshold", "power.coordination",
         V{"--power.coordination", "blind", "--power.norm-bound", "2"}},
    };
}

} // namespace

TEST(ConfigRules, SnrWithoutNormalizedModeIsAnErrorNamingBothKeys)
{
    EXPECT_EQ(ErrorOf({"--coding.scheme", "rlc", "--channel.snr-db", "0"}),
              "channel.snr-db has no effect unless channel.normalized = true (it is false); remove "
              "it or set channel.normalized = true");
    // From a file too, and whatever the value (the default's value included:
    // writing it down says the user expects it to act).
    EXPECT_NE(ErrorOf({WriteFile("[coding]\nscheme = rlc\n[channel]\nsnr-db = 10\n")})
                  .find("channel.snr-db has no effect"),
              std::string::npos);
}

TEST(ConfigRules, EveryInertKeyIsAnErrorAndTakesEffectOnceItsConditionHolds)
{
    // Catches a rule wrong in either direction: a key accepted where it has no
    // effect, or still rejected once its condition holds (checked by making
    // the snr-db predicate always true: this test and the one above fail).
    for (const InertCase& c : InertCases())
    {
        const std::string message = ErrorOf(c.args);
        SCOPED_TRACE(c.key + ": " + message);
        EXPECT_EQ(message.rfind(c.key + " has no effect unless", 0), 0u);
        EXPECT_NE(message.find(c.decider), std::string::npos);
        EXPECT_EQ(message.find('\n'), std::string::npos);
        std::vector<std::string> fixed = c.args;
        fixed.insert(fixed.end(), c.fixArgs.begin(), c.fixArgs.end());
        EXPECT_EQ(ErrorOf(fixed), "");
    }
}

TEST(ConfigRules, BlindCoordinationNeedsAReportFreePolicyAndANormBoundAtParseTime)
{
    // At parse time, so wfl-sweep --dry-run rejects such a point before it runs.
    EXPECT_NE(ErrorOf({"--coding.scheme", "rlc", "--power.coordination", "blind", "--power.norm-bound", "1"})
                  .find("power.policy = inversion needs per-client reports"),
              std::string::npos);
    EXPECT_NE(ErrorOf({"--coding.scheme", "rlc", "--power.coordination", "blind", "--power.policy", "full"})
                  .find("power.norm-bound = 0: power.coordination = blind needs a norm bound"),
              std::string::npos);
    EXPECT_EQ(ErrorOf({"--coding.scheme", "rlc", "--power.coordination", "blind", "--power.policy", "truncated",
                       "--power.norm-bound", "1"}),
              "");
}

TEST(ConfigRules, KeysLeftAtTheirDefaultAreNeverErrors)
{
    // Every scheme, dataset, model and optimizer with nothing else set.
    for (const char* scheme : {"ideal", "analog", "rlc", "digital"})
    {
        EXPECT_EQ(ErrorOf({"--coding.scheme", scheme}), "") << scheme;
    }
    EXPECT_EQ(ErrorOf({"--data.dataset", "synthetic", "--learner.model", "softmax",
                       "--learner.optimizer", "adam", "--server.optimizer", "fedyogi"}),
              "");
}

TEST(ConfigRules, UnderIdealEveryChannelAndPowerKeyButParticipationIsInert)
{
    ScenarioConfig ideal;
    ideal.codingScheme = "ideal";
    std::map<std::string, std::string> inert;
    for (const InertKey& k : InertKeys(ideal))
    {
        inert[k.key] = k.message;
    }
    for (const KeySpec& key : ScenarioKeys())
    {
        const bool uplink = key.name.rfind("channel.", 0) == 0 || key.name.rfind("power.", 0) == 0 ||
                            key.name == "coding.ratio" || key.name == "coding.bucket";
        if (!uplink)
        {
            continue;
        }
        // Idle clients are decided at the client, whatever the uplink.
        if (key.name == "power.participation")
        {
            EXPECT_EQ(inert.count(key.name), 0u);
            continue;
        }
        ASSERT_EQ(inert.count(key.name), 1u) << key.name;
        EXPECT_NE(inert[key.name].find("coding.scheme"), std::string::npos) << inert[key.name];
    }
}

TEST(ConfigRules, EveryKeyARuleNamesExists)
{
    std::set<std::string> names;
    for (const KeySpec& key : ScenarioKeys())
    {
        names.insert(key.name);
    }
    for (const std::string& line : InertRuleTable())
    {
        std::istringstream words(line.substr(0, line.find(':')));
        std::string word;
        while (words >> word)
        {
            if (word == "except")
            {
                continue;
            }
            const std::string name = word;
            if (name.back() == '*')
            {
                const std::string prefix = name.substr(0, name.size() - 1);
                EXPECT_TRUE(std::any_of(names.begin(), names.end(),
                                        [&](const std::string& n) { return n.rfind(prefix, 0) == 0; }))
                    << line;
            }
            else
            {
                EXPECT_EQ(names.count(name), 1u) << line;
            }
        }
    }
}

TEST(ConfigRules, ScenarioWithASweepSectionSaysToUseWflSweep)
{
    const std::string path = WriteFile("[run]\nrounds = 3\n\n[sweep]\ngrid = learner.lr=0.1,0.2\n");
    const std::string message = ErrorOf({path});
    EXPECT_NE(message.find("[sweep]"), std::string::npos) << message;
    EXPECT_NE(message.find("wfl-sweep"), std::string::npos) << message;
    const auto result = wfltest::Run({WFL_RUN_BINARY, path});
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}
