/*
 * Expanding a SweepSpec (sweep-spec.h) into its points: the grid of axis
 * values times the seeds, each point resolved like wfl-run would, with its id.
 */
#include "sweep-plan.h"

#include "input-error.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <unistd.h>

namespace wfl
{
namespace
{

/// Blank the conditional axes whose condition fails at this combination
/// (value ""); false if such an axis is past its first value, which would
/// repeat a point already expanded.
bool
ApplyAxisConditions(const SweepSpec& spec,
                    std::vector<std::pair<std::string, std::string>>& values,
                    const std::vector<size_t>& digits)
{
    for (size_t a = 0; a < spec.axes.size(); ++a)
    {
        const SweepAxis& axis = spec.axes[a];
        if (axis.conditionKey.empty() ||
            ConditionHolds(axis.conditionKey, axis.conditionValues, values, spec, "grid " + axis.key))
        {
            continue;
        }
        if (digits[a] > 0)
        {
            return false;
        }
        values[a].second = "";
    }
    return true;
}

std::string
DescribePoint(const std::vector<std::pair<std::string, std::string>>& values, uint64_t seed)
{
    std::string text;
    for (const auto& [key, value] : values)
    {
        text += value.empty() ? "" : key + "=" + value + " "; // "": axis not applied
    }
    return text + "seed=" + std::to_string(seed);
}

} // namespace

std::string
PointId(const ScenarioConfig& config)
{
    // Neither the output path nor the thread count changes a point's results.
    ScenarioConfig neutral = config;
    neutral.output = "-";
    neutral.threads = 0;
    // Every key, inert ones included, so ids do not change when a rule is added.
    const std::string text = ToIni(neutral, false);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : text)
    {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    char id[17];
    std::snprintf(id, sizeof(id), "%016llx", static_cast<unsigned long long>(h));
    return id;
}

namespace
{
/// trace.save-model names one file; two points writing it would collide (the
/// second fails with "already exists" after the first has run), so the plan
/// is refused before anything runs.
void
RejectSharedModelFiles(const std::vector<SweepPoint>& points)
{
    std::map<std::string, size_t> firstPoint;
    for (const SweepPoint& point : points)
    {
        const std::string& path = point.config.saveModel;
        if (path.empty())
        {
            continue;
        }
        const auto [it, fresh] = firstPoint.emplace(path, point.index);
        if (!fresh)
        {
            throw InputError("trace.save-model = " + path + ": the same file for points " +
                             std::to_string(it->second) + " and " + std::to_string(point.index) +
                             " of the sweep; give each point its own with --set 'trace.save-model=FILE if KEY=VALUE', "
                             "or use trace.model = true (each point's trace keeps its model)");
        }
    }
}
} // namespace

std::vector<SweepPoint>
ExpandSweep(const SweepSpec& spec)
{
    std::set<std::string> seen;
    for (const SweepAxis& axis : spec.axes)
    {
        if (axis.key == "run.seed" || axis.key == "output")
        {
            throw InputError("--grid " + axis.key + ": use --seeds / --seed-list for seeds; "
                             "outputs are chosen by wfl-sweep");
        }
        if (!seen.insert(axis.key).second)
        {
            throw InputError("--grid " + axis.key + ": the key is swept twice");
        }
    }
    // The base scenario goes through the same parser as wfl-run, from a file.
    std::string pathTemplate = (std::filesystem::temp_directory_path() / "wfl-sweep-base-XXXXXX").string();
    char* basePath = pathTemplate.data();
    const int fd = mkstemp(basePath);
    if (fd < 0)
    {
        throw InputError("sweep: cannot create a temporary file");
    }
    if (write(fd, spec.baseIni.data(), spec.baseIni.size()) != static_cast<ssize_t>(spec.baseIni.size()))
    {
        close(fd);
        unlink(basePath);
        throw InputError("sweep: cannot write a temporary file");
    }
    close(fd);

    std::vector<SweepPoint> points;
    size_t combinations = 1;
    for (const SweepAxis& axis : spec.axes)
    {
        combinations *= axis.values.size();
    }
    try
    {
        for (size_t c = 0; c < combinations; ++c)
        {
            // Mixed-radix digits of c, first axis slowest.
            std::vector<std::pair<std::string, std::string>> values(spec.axes.size());
            std::vector<size_t> digits(spec.axes.size());
            size_t rest = c;
            for (size_t a = spec.axes.size(); a-- > 0;)
            {
                const SweepAxis& axis = spec.axes[a];
                digits[a] = rest % axis.values.size();
                values[a] = {axis.key, axis.values[digits[a]]};
                rest /= axis.values.size();
            }
            if (!ApplyAxisConditions(spec, values, digits))
            {
                continue; // the same point as this combination's first value
            }
            for (uint64_t seed : spec.seeds)
            {
                std::vector<std::string> args{"wfl-sweep", basePath};
                for (const std::string& arg : PointSetArguments(spec, values))
                {
                    args.push_back(arg);
                }
                for (const auto& [key, value] : values)
                {
                    if (!value.empty()) // "": a conditional axis that does not apply here
                    {
                        args.push_back("--" + key);
                        args.push_back(value);
                    }
                }
                args.push_back("--run.seed");
                args.push_back(std::to_string(seed));
                std::vector<const char*> argv;
                for (const std::string& a : args)
                {
                    argv.push_back(a.c_str());
                }
                SweepPoint point;
                point.index = points.size();
                point.seed = seed;
                point.axisValues = values;
                try
                {
                    point.config = ParseArguments(static_cast<int>(argv.size()), argv.data()).config;
                }
                catch (const InputError& e)
                {
                    // Name the point: the base alone may be fine (e.g. a key
                    // that acts only under some values of a swept key).
                    throw InputError("point " + std::to_string(points.size()) + " (" +
                                     DescribePoint(values, seed) + "): " + e.what());
                }
                point.id = PointId(point.config);
                points.push_back(std::move(point));
            }
        }
    }
    catch (...)
    {
        unlink(basePath);
        throw;
    }
    unlink(basePath);
    RejectSharedModelFiles(points);
    return points;
}

} // namespace wfl
