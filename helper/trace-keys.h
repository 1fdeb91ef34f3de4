/*
 * The trace.* keys (scenario-config.h): what a run's trace keeps besides its
 * tables. Today: sampled client updates, replayable through wfl-compress
 * (update-trace-sink.h has the layout in the file).
 *
 *   trace.save-updates  rounds  default ""  empty, or comma-separated rounds
 *                       and inclusive ranges A-B in [1, run.rounds]
 *                       (e.g. 1-20,50); wfl-run's --save-updates ROUNDS is
 *                       the same key
 *   trace.save-clients  clients default 1   [1, clients sampled per round]:
 *                       the lowest-indexed clients whose updates reach the
 *                       server in each saved round
 */
#ifndef WFL_TRACE_KEYS_H
#define WFL_TRACE_KEYS_H

#include "scenario-config.h"

#include <cstdint>
#include <string>
#include <vector>

namespace wfl
{

/// Append the trace.* key specs to `keys`.
void AddTraceKeys(std::vector<KeySpec>& keys);

/// Rounds in canonical text: ascending, runs of consecutive rounds as A-B ("1-3,7").
std::string FormatRoundList(const std::vector<uint32_t>& rounds);

/**
 * The trace keys against the other keys: a saved round beyond run.rounds,
 * or more saved clients than are sampled per round, could never take effect.
 * @throws InputError naming the key and the range it may take here.
 */
void CheckTraceKeys(const ScenarioConfig& config);

} // namespace wfl

#endif
