/*
 * A whole run from a ScenarioConfig: data, nodes, federation, trace.
 * wfl-run is a thin program over this; C++ scenarios can use the same pieces
 * (MakeLearningTask, FederationHelper, Hdf5TraceSink) directly.
 */
#ifndef WFL_SCENARIO_RUNNER_H
#define WFL_SCENARIO_RUNNER_H

#include "scenario-config.h"

#include <iosfwd>
#include <memory>
#include <string>

namespace wfl
{

class LearningTask;

/// Load (or generate) the data, split it among the clients, and build the task.
/// @throws InputError for missing or corrupt data and impossible partitions.
std::shared_ptr<LearningTask> MakeLearningTask(const ScenarioConfig& config);

struct RunSummary
{
    uint32_t rounds = 0;
    double finalAccuracy = 0.0;
    double finalLoss = 0.0;
    double wallSeconds = 0.0;
    std::string tracePath;
};

/**
 * Run the scenario to completion, writing the trace to config.output.
 * @param progress if not null, one line per evaluated round goes there.
 * @throws InputError for bad input; the trace keeps every completed round.
 */
RunSummary RunScenario(const ParsedArguments& arguments, std::ostream* progress);

} // namespace wfl

#endif
