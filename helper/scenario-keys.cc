/*
 * The scenario keys: name, unit, accepted range, help, and how each one is
 * parsed into a ScenarioConfig and shown back (scenario-config.h).
 *
 * This file keeps the table's order and the run.* and output keys; each
 * other section is in its own file (data-keys.cc, learner-keys.cc,
 * server-keys.cc, coding-keys.cc, compression-keys.cc, channel-keys.cc,
 * power-keys.cc, trace-keys.cc), built with scenario-key-builders.h.
 */
#include "channel-keys.h"
#include "coding-keys.h"
#include "compression-keys.h"
#include "data-keys.h"
#include "learner-keys.h"
#include "power-keys.h"
#include "scenario-config.h"
#include "scenario-key-builders.h"
#include "server-keys.h"
#include "trace-keys.h"

#include <limits>

namespace wfl
{

using namespace scenario_keys;

namespace
{

std::vector<KeySpec>
BuildKeys()
{
    using C = ScenarioConfig;
    std::vector<KeySpec> keys;
    keys.push_back(UnsignedKey<uint32_t>("run.rounds", "rounds", 1, 1000000,
        [](C& c) -> uint32_t& { return c.rounds; }, "number of federated rounds"));
    keys.push_back(UnsignedKey<uint64_t>("run.seed", "", 0, std::numeric_limits<int64_t>::max(),
        [](C& c) -> uint64_t& { return c.seed; },
        "seed of every random stream of the run (data split, init, batches)"));
    keys.back().attribute = "Seed";
    keys.push_back(UnsignedKey<uint32_t>("run.eval-every", "rounds", 1, 1000000,
        [](C& c) -> uint32_t& { return c.evalEvery; },
        "evaluate the global model every this many rounds (and always in the last)"));

    keys.push_back(UnsignedKey<uint32_t>("run.threads", "threads", 0, 1024,
        [](C& c) -> uint32_t& { return c.threads; },
        "worker threads for local training and evaluation (0 = all cores); results do "
        "not depend on it"));

    AddDataKeys(keys);
    AddLearnerKeys(keys);
    AddServerKeys(keys);
    AddCodingKeys(keys);
    AddCompressionKeys(keys);
    AddChannelKeys(keys);
    AddPowerKeys(keys);

    keys.push_back(PathKey("output", [](C& c) -> std::string& { return c.output; },
        "HDF5 trace file to write (never overwritten without --overwrite)"));
    AddTraceKeys(keys);
    return keys;
}

} // namespace

const std::vector<KeySpec>&
ScenarioKeys()
{
    static const std::vector<KeySpec> keys = BuildKeys();
    return keys;
}

} // namespace wfl
