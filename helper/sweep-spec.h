/*
 * The specification of a parameter sweep, as written: a base scenario, axes
 * (config keys with lists of values), fixed sets and seeds, read from the
 * [sweep] section of a scenario file or from wfl-sweep's flags. Expanding it
 * into points is sweep-plan.h.
 */
#ifndef WFL_SWEEP_SPEC_H
#define WFL_SWEEP_SPEC_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace wfl
{

/// s without leading and trailing spaces, tabs and carriage returns (sweep
/// files may have CRLF line ends); shared by the spec and the set parsers.
std::string TrimSweepText(const std::string& s);

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

/// "i/N" -> (i, N), 0 <= i < N. @throws InputError.
std::pair<size_t, size_t> ParseShard(const std::string& text);

} // namespace wfl

#endif
