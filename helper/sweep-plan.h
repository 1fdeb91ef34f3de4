/*
 * A parameter sweep: a base scenario, axes (config keys with lists of
 * values), seeds (sweep-spec.h), expanded into points, each with a stable id.
 *
 * A point's id is a hash of its fully resolved configuration (every key, the
 * output path excluded), so it does not depend on the order of the axes, on
 * how a value was written, or on which other points the sweep has.
 */
#ifndef WFL_SWEEP_PLAN_H
#define WFL_SWEEP_PLAN_H

#include "scenario-config.h"
#include "sweep-spec.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace wfl
{

struct SweepPoint
{
    size_t index = 0;          ///< position in expansion order
    std::string id;            ///< 16 hex digits
    uint64_t seed = 0;
    std::vector<std::pair<std::string, std::string>> axisValues; ///< (key, value) in axis order
    ScenarioConfig config;     ///< resolved, output not yet set
};

/**
 * Cartesian product of the axes (first axis slowest) times the seeds
 * (innermost), each point resolved and validated like wfl-run would.
 * @throws InputError for bad values (naming the key) or duplicate axes.
 */
std::vector<SweepPoint> ExpandSweep(const SweepSpec& spec);

/// Whether the condition (key, accepted values) holds at a point: its axis
/// value, else its unconditional set, is one of them (sweep-sets.cc).
/// @throws InputError if the key is neither swept nor set unconditionally.
bool ConditionHolds(const std::string& key,
                    const std::vector<std::string>& accepted,
                    const std::vector<std::pair<std::string, std::string>>& axisValues,
                    const SweepSpec& spec,
                    const std::string& what);

/**
 * "--KEY VALUE" arguments of the sets that apply at a point with these axis
 * values (sweep-sets.cc). @throws InputError for a malformed condition or one
 * naming a key that is neither swept nor set unconditionally.
 */
std::vector<std::string> PointSetArguments(const SweepSpec& spec,
                                           const std::vector<std::pair<std::string, std::string>>& axisValues);

/**
 * The sets of a sweep once the command line's are added (sweep-sets.cc): a
 * command-line set replaces every file set of its key; every other set is
 * kept, several of one key included (each with its own condition, e.g.
 * compression.levels per compression.scheme). A set of a key that an axis
 * sweeps without a condition is dropped (the axis gives it everywhere); one
 * of a key swept under a condition is kept for the points where that axis
 * does not apply (where it does, the axis value comes last and wins).
 */
std::vector<std::pair<std::string, std::string>> MergeSets(
    const std::vector<std::pair<std::string, std::string>>& fileSets,
    const std::vector<std::pair<std::string, std::string>>& commandLineSets,
    const std::vector<SweepAxis>& axes);

/// Stable id of a resolved configuration (FNV-1a of its INI; output and
/// run.threads excluded, as they do not change results).
std::string PointId(const ScenarioConfig& config);

} // namespace wfl

#endif
