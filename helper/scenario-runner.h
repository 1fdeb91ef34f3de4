/*
 * A whole run from a ScenarioConfig: data, nodes, federation, trace.
 * wfl-run is a thin program over this; C++ scenarios can use the same pieces
 * (MakeLearningTask, FederationHelper, Hdf5TraceSink) directly.
 */
#ifndef WFL_SCENARIO_RUNNER_H
#define WFL_SCENARIO_RUNNER_H

#include "run-diagnosis.h"
#include "scenario-config.h"

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace wfl
{

class LearningTask;

/// Load (or generate) the data, split it among the clients, and build the task.
/// @throws InputError for missing or corrupt data and impossible partitions.
std::shared_ptr<LearningTask> MakeLearningTask(const ScenarioConfig& config);

/// Exit status of wfl-run when training diverged (0 ok, 1 internal error, 2 bad input).
constexpr int kExitDiverged = 3;

struct RunSummary
{
    uint32_t rounds = 0;
    uint32_t divergedRound = 0;    ///< 0 unless training diverged (then the last round)
    std::string divergedMessage;   ///< one line: the round and the likely causes
    RunDiagnosis diagnosis;            ///< what the rounds said
    std::vector<std::string> warnings; ///< one line each (CompletionWarnings), for a completed run
    double wallSeconds = 0.0;
    std::string tracePath;
};


/**
 * Run the scenario to completion, or until training diverges (the trace then
 * says status = diverged, see Hdf5TraceSink::MarkDiverged), writing the trace
 * to config.output.
 * @param progress if not null, one line per evaluated round goes there.
 * @throws InputError for bad input; the trace keeps every completed round.
 */
RunSummary RunScenario(const ParsedArguments& arguments, std::ostream* progress);

} // namespace wfl

#endif
