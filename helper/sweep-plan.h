/*
 * A parameter sweep: a base scenario, axes (config keys with lists of
 * values), seeds, expanded into points, each with a stable id.
 *
 * A point's id is a hash of its fully resolved configuration (every key, the
 * output path excluded), so it does not depend on the order of the axes, on
 * how a value was written, or on which other points the sweep has.
 */
#ifndef WFL_SWEEP_PLAN_H
#define WFL_SWEEP_PLAN_H

#include "scenario-config.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace wfl
{

struct SweepAxis
{
    std::string key;                 ///< e.g. "channel.snr-db"
    std::vector<std::string> values; ///< as written to wfl-run
    /// "KEY=SPEC if KEY2=a,b": the axis applies only to points whose KEY2 (an
    /// earlier axis or an unconditional set) is a or b; elsewhere KEY is not
    /// set and the point appears once, with the axis value "" (e.g. the
    /// ideal uplink, which has no SNR, in a sweep over SNR).
    std::string conditionKey;                 ///< "" if unconditional
    std::vector<std::string> conditionValues;
};

/// "a:step:b" (inclusive numeric range) or "v1,v2,..." (list).
/// @throws InputError naming `key`.
std::vector<std::string> ExpandAxisValues(const std::string& key, const std::string& spec);

/// "key=spec" or "key=spec if key2=a,b" -> axis. @throws InputError.
SweepAxis ParseAxis(const std::string& text);

struct SweepPoint
{
    size_t index = 0;          ///< position in expansion order
    std::string id;            ///< 16 hex digits
    uint64_t seed = 0;
    std::vector<std::pair<std::string, std::string>> axisValues; ///< (key, value) in axis order
    ScenarioConfig config;     ///< resolved, output not yet set
};

struct SweepSpec
{
    std::string baseIni;                                   ///< scenario text without [sweep]
    /// Fixed overrides (key, value). A value "V if KEY=a,b" applies only to the
    /// points whose KEY (a swept key or an unconditional set) is a or b: the
    /// way to give a key only to the schemes it acts on (scenario-rules.cc).
    std::vector<std::pair<std::string, std::string>> sets;
    std::vector<SweepAxis> axes;
    std::vector<uint64_t> seeds{1};
    std::string outDir = "results/sweep";
    unsigned jobs = 1;
    double targetAccuracy = 0.8;
};

/**
 * Split a scenario file into its [sweep] section (grid, set, seeds,
 * seed-list, out, jobs, target-accuracy) and the rest (the base scenario).
 * @throws InputError for unknown [sweep] keys or malformed values.
 */
SweepSpec ReadSweepFile(const std::string& path);

/// Apply a "seeds" (N -> 1..N) or "seed-list" (a,b,c) value.
std::vector<uint64_t> ParseSeeds(const std::string& key, const std::string& text);

/**
 * Cartesian product of the axes (first axis slowest) times the seeds
 * (innermost), each point resolved and validated like wfl-run would.
 * @throws InputError for bad values (naming the key) or duplicate axes.
 */
std::vector<SweepPoint> ExpandSweep(const SweepSpec& spec);

/**
 * "--KEY VALUE" arguments of the sets that apply at a point with these axis
 * values (sweep-sets.cc). @throws InputError for a malformed condition or one
 * naming a key that is neither swept nor set unconditionally.
 */
/// Whether the condition (key, accepted values) holds at a point: its axis
/// value, else its unconditional set, is one of them (sweep-sets.cc).
/// @throws InputError if the key is neither swept nor set unconditionally.
bool ConditionHolds(const std::string& key,
                    const std::vector<std::string>& accepted,
                    const std::vector<std::pair<std::string, std::string>>& axisValues,
                    const SweepSpec& spec,
                    const std::string& what);

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

/// "i/N" -> (i, N), 0 <= i < N. @throws InputError.
std::pair<size_t, size_t> ParseShard(const std::string& text);

} // namespace wfl

#endif
