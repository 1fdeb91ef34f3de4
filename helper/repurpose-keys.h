/*
 * wfl-repurpose's configuration (issue 11, item 5): the keys, their units and
 * ranges, and the arguments (INI file + command line, the command line wins),
 * with wfl-run's conventions: every error is an InputError naming the key and
 * the accepted range (exit code 2).
 *
 *   wfl-repurpose MODEL [--config FILE.ini] [--workers K[,K...]] [--KEY VALUE ...]
 *                 [--output FILE.h5] [--overwrite]
 *
 * MODEL is a model file or a trace with a /model group (model-file.h).
 */
#ifndef WFL_REPURPOSE_KEYS_H
#define WFL_REPURPOSE_KEYS_H

#include "inference-sim.h"
#include "repurpose.h"

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace wfl
{

struct RepurposeToolConfig
{
    std::string model;             ///< MODEL (positional)
    std::vector<int> workers{2};   ///< repurpose.workers
    std::string input = "source";  ///< repurpose.input
    /// Cross units kept per layer, as fractions of the naive split's (one setting each).
    std::vector<double> budgets{0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8};
    std::vector<double> rhos;      ///< repurpose.rho: settings by cost per kept unit instead
    int iterations = 3;
    int sweeps = 3;
    std::string refit = "true";
    double ridge = 1e-4;
    std::string unit = "activation";
    std::string assignCost = "saliency";
    uint32_t calibration = 2000;   ///< first N training images
    std::string dataPath = "/usr/share/datasets/fashion-mnist";
    uint32_t testSamples = 0;      ///< 0 = the whole test set
    std::string output = "results/repurpose.h5";
    /// inference.rate-mbps: one ns-3 simulation per row and rate (empty = none).
    std::vector<double> rates{100.0, 10.0};
    /// The other inference.* keys (inference-keys.h); rateMbps and
    /// outputClasses are set per simulation.
    InferenceSimConfig inference;
};

struct RepurposeToolKey
{
    std::string name;
    std::string unit;
    std::string range;
    std::string help;
    std::function<void(const std::string&, RepurposeToolConfig&)> apply;
    std::function<std::string(const RepurposeToolConfig&)> show;
};

/// All keys in documentation order.
const std::vector<RepurposeToolKey>& RepurposeToolKeys();

struct RepurposeToolArguments
{
    RepurposeToolConfig config;
    std::set<std::string> givenKeys;
    bool overwrite = false;
    bool helpRequested = false;
    std::string commandLine;
};

/// @throws InputError for a missing MODEL, an unknown key, a bad value, or
///         repurpose.budget and repurpose.rho both given.
RepurposeToolArguments ParseRepurposeArguments(int argc, const char* const* argv);

/// The usage text with every key (unit, default, range).
std::string RepurposeUsage();

/// The resolved keys as INI text (written into the result).
std::string RepurposeIni(const RepurposeToolConfig& config);

/// The RepurposeConfig of one K (no budget: the settings set it).
RepurposeConfig BaseRepurposeConfig(const RepurposeToolConfig& config, int workers);

} // namespace wfl

#endif
