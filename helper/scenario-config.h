/*
 * Scenario configuration: every key of a wfl run, with unit, default and
 * accepted range, read from an INI file and the command line.
 *
 * An INI key `rounds` in section `[run]` is the option `run.rounds`; the
 * command line (`--run.rounds 50`) overrides the file. Errors name the key and
 * its accepted range and are InputErrors (exit code 2).
 */
#ifndef WFL_SCENARIO_CONFIG_H
#define WFL_SCENARIO_CONFIG_H

#include "local-trainer.h"
#include "model.h"

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace wfl
{

struct ScenarioConfig
{
    // [run]
    uint32_t rounds = 50;
    uint64_t seed = 1;
    uint32_t evalEvery = 1;
    uint32_t threads = 0; ///< 0 = all cores
    // [data]
    std::string dataset = "fashion-mnist";
    std::string dataPath = "/usr/share/datasets/fashion-mnist";
    uint32_t clients = 20;
    std::string partition = "iid";
    double dirichletAlpha = 0.5;
    double sizeSigma = 0.0;
    uint32_t trainSamples = 0; ///< 0 = whole training set
    uint32_t testSamples = 0;  ///< 0 = whole test set
    uint32_t syntheticClasses = 10;
    uint32_t syntheticDim = 32;
    uint32_t syntheticTrain = 6000;
    uint32_t syntheticTest = 1000;
    double syntheticSeparation = 4.0;
    // [learner]
    ModelSpec model;
    LocalTrainingSpec training;
    double computeTimeS = 0.1;
    double computeSpread = 0.0;
    std::string computeDistribution = "lognormal";
    // [server]
    double serverLr = 1.0;
    std::string serverOptimizer = "fedavg";
    double serverMomentum = 0.9;
    double serverBeta1 = 0.9;
    double serverBeta2 = 0.99;
    double serverTau = 1e-3;
    uint32_t clientsPerRound = 0;
    double clientsFraction = 0.0; ///< 0 = use clientsPerRound
    std::string sampling = "uniform";
    double deadlineS = 0.0;
    // [coding]
    std::string codingScheme = "ideal";
    double codingRatio = 0.1;
    uint32_t codingBucket = 4096;
    // [compression] (digital; compression-keys.cc, compressor-registry.h)
    std::string compressionLink = "tdma";
    double compressionBits = 0.0; ///< pipe budget per client and round; 0 = unlimited
    std::string compressionScheme = "qsgd";
    /// Compressor keys as given (name without "compression." -> canonical text);
    /// absent keys take the compressor's defaults.
    std::map<std::string, std::string> compressionValues;
    // [channel]
    std::string fading = "rayleigh";
    double ricianK = 3.0;
    double nakagamiM = 2.0;
    uint32_t coherenceUses = 0;
    double bandwidthHz = 1e6;
    double noiseFigureDb = 7.0;
    std::string normalized = "false";
    double snrDb = 10.0;
    std::string pathLoss = "ns3::LogDistancePropagationLossModel";
    double cellRadiusM = 200.0;
    std::string positions; ///< "x,y;x,y;..." in m, or "" for a uniform drop in the disk
    // [power]
    std::string powerPolicy = "inversion";
    double maxPowerDbm = 23.0;
    std::string powerLimit = "average";
    double energyBudgetJ = 0.01;
    double gainThreshold = 0.1;
    double participation = 1.0;
    std::string coordination = "feedback";
    uint32_t feedbackUses = 16;
    double normBound = 0.0;
    // [trace] (trace-keys.h)
    std::vector<uint32_t> saveUpdateRounds; ///< rounds whose updates the trace keeps, ascending
    uint32_t saveClients = 1;               ///< clients saved per such round (lowest indices)
    // [trace] (model-file.h)
    std::string traceModel = "false"; ///< "true": the final model goes into the trace as /model
    std::string saveModel;            ///< "" or a model file to write at the end
    // top level
    std::string output = "results/run.h5";
};

/// One configurable key.
struct KeySpec
{
    std::string name;         ///< dotted name, e.g. "run.rounds"
    std::string unit;         ///< "" when dimensionless
    std::string range;        ///< accepted values, human readable
    std::string help;
    /// Parse and range-check `text` into the config; throws InputError.
    std::function<void(const std::string& text, ScenarioConfig&)> apply;
    /// Current value of the key in `config`, as it would be written in INI.
    std::function<std::string(const ScenarioConfig&)> show;
    /// The ns-3 Attribute of the uplink objects (channel, aggregator) this key
    /// sets, "" if none: the uplink builder applies every such key to every
    /// object whose TypeId has the attribute, from `show` (so the INI text is
    /// the one value, and no builder code names the key again).
    std::string attribute;
};

/// All keys, in documentation order.
const std::vector<KeySpec>& ScenarioKeys();

/// Result of reading a program's arguments.
struct ParsedArguments
{
    ScenarioConfig config;
    std::string configFile;    ///< "" if none
    bool overwrite = false;
    bool helpRequested = false;
    bool printConfig = false;
    std::string commandLine;
    std::set<std::string> givenKeys; ///< keys set in the file or on the command line
};

/**
 * Read `--config FILE` (or a positional FILE), the INI file, and command-line
 * overrides. `--help` sets helpRequested and returns without validation.
 * @throws InputError for unknown keys, malformed values, values out of range,
 *         a key set where it has no effect (CheckGivenKeysTakeEffect), or a
 *         file with a [sweep] section (that is wfl-sweep's input).
 */
ParsedArguments ParseArguments(int argc, const char* const* argv);

/// The key table printed by --help.
void PrintKeyTable(std::ostream& os);

/// Every key with its resolved value.
std::map<std::string, std::string> ResolvedKeys(const ScenarioConfig& config);

/**
 * The resolved configuration as an INI document (sections in key order).
 * With markInert, keys that have no effect under the others are written as
 * comments with the reason, so the text reads back without an error.
 */
std::string ToIni(const ScenarioConfig& config, bool markInert = true);

/// A key that cannot take effect under the other settings.
struct InertKey
{
    std::string key;
    std::string condition; ///< when it would take effect: "channel.normalized = true"
    std::string message;   ///< one line naming the key, the condition and the deciding keys
};

/// Every key without effect under `config`, in key order (scenario-rules.cc).
std::vector<InertKey> InertKeys(const ScenarioConfig& config);

/// @throws InputError with the message of the first key in `given` that has no effect.
void CheckGivenKeysTakeEffect(const ScenarioConfig& config, const std::set<std::string>& given);

/// Clients the server samples per round (server.clients-per-round or
/// server.clients-fraction of data.clients), as the runner computes it.
uint32_t SampledPerRound(const ScenarioConfig& config);

/// Combinations that cannot run: blind coordination with a policy that needs
/// per-client reports, or without a norm bound (InputError naming the keys).
void CheckCoordination(const ScenarioConfig& config);

/// The rules as lines "keys: only if condition" (for --help and the README);
/// "section.*" stands for every key of the section.
std::vector<std::string> InertRuleTable();

} // namespace wfl

#endif
