/*
 * Reading a sweep's specification: the [sweep] section of a scenario file
 * and the values of wfl-sweep's flags (grid axes, seeds, shard), into a
 * SweepSpec (sweep-spec.h). Expanding it into points is sweep-plan.cc.
 */
#include "sweep-spec.h"
#include "shortest-double.h"

#include "input-error.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace wfl
{
std::string
TrimSweepText(const std::string& s)
{
    const size_t first = s.find_first_not_of(" \t\r");
    if (first == std::string::npos)
    {
        return "";
    }
    return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

namespace
{

/// Local short name.
std::string
Trim(const std::string& s)
{
    return TrimSweepText(s);
}

bool
ParseNumber(const std::string& text, double& value)
{
    char* end = nullptr;
    value = std::strtod(text.c_str(), &end);
    return !text.empty() && *end == '\0' && std::isfinite(value);
}

std::pair<std::string, std::string>
SplitAssignment(const std::string& text, const std::string& what)
{
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
    {
        throw InputError(what + " = '" + text + "': expected KEY=VALUE");
    }
    return {Trim(text.substr(0, eq)), Trim(text.substr(eq + 1))};
}

} // namespace

std::vector<std::string>
ExpandAxisValues(const std::string& key, const std::string& spec)
{
    std::vector<std::string> values;
    const size_t colon = spec.find(':');
    if (colon != std::string::npos && spec.find(',') == std::string::npos)
    {
        const size_t second = spec.find(':', colon + 1);
        double start = 0.0;
        double step = 0.0;
        double stop = 0.0;
        if (second == std::string::npos || !ParseNumber(Trim(spec.substr(0, colon)), start) ||
            !ParseNumber(Trim(spec.substr(colon + 1, second - colon - 1)), step) ||
            !ParseNumber(Trim(spec.substr(second + 1)), stop) || step <= 0.0 || stop < start)
        {
            throw InputError("--grid " + key + "=" + spec +
                             ": expected START:STEP:STOP with STEP > 0 and STOP >= START, or a "
                             "comma-separated list");
        }
        const double count = std::floor((stop - start) / step + 1e-9);
        if (count > 100000)
        {
            throw InputError("--grid " + key + "=" + spec + ": more than 100000 values");
        }
        for (int i = 0; i <= static_cast<int>(count); ++i)
        {
            // start + i * step, rounded so 0.1 steps print as 0.3 and not 0.30000000000000004.
            const double value = std::round((start + i * step) * 1e12) / 1e12;
            values.push_back(ShortestDouble(value));
        }
        return values;
    }
    std::stringstream stream(spec);
    std::string item;
    while (std::getline(stream, item, ','))
    {
        item = Trim(item);
        if (item.empty())
        {
            throw InputError("--grid " + key + "=" + spec + ": empty value in the list");
        }
        values.push_back(item);
    }
    if (values.empty())
    {
        throw InputError("--grid " + key + "=" + spec + ": no values");
    }
    return values;
}

SweepAxis
ParseAxis(const std::string& text)
{
    const auto [key, rest] = SplitAssignment(text, "grid");
    SweepAxis axis;
    axis.key = key;
    const size_t at = rest.find(" if ");
    axis.values = ExpandAxisValues(key, at == std::string::npos ? rest : Trim(rest.substr(0, at)));
    if (at != std::string::npos)
    {
        const auto [conditionKey, accepted] = SplitAssignment(Trim(rest.substr(at + 4)), "grid " + key);
        axis.conditionKey = conditionKey;
        std::stringstream stream(accepted);
        std::string item;
        while (std::getline(stream, item, ','))
        {
            axis.conditionValues.push_back(Trim(item));
        }
    }
    return axis;
}

std::vector<uint64_t>
ParseSeeds(const std::string& key, const std::string& text)
{
    std::vector<uint64_t> seeds;
    if (key == "seeds")
    {
        char* end = nullptr;
        const long count = std::strtol(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0' || count < 1 || count > 100000)
        {
            throw InputError("seeds = '" + text + "': expected an integer in [1, 100000]");
        }
        for (long s = 1; s <= count; ++s)
        {
            seeds.push_back(static_cast<uint64_t>(s));
        }
        return seeds;
    }
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ','))
    {
        char* end = nullptr;
        item = Trim(item);
        const unsigned long long seed = std::strtoull(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || item[0] == '-')
        {
            throw InputError("seed-list = '" + text + "': expected comma-separated integers >= 0");
        }
        seeds.push_back(seed);
    }
    if (seeds.empty())
    {
        throw InputError("seed-list = '" + text + "': no seeds");
    }
    return seeds;
}

SweepSpec
ReadSweepFile(const std::string& path)
{
    std::ifstream file(path);
    if (!file)
    {
        throw InputError("config: cannot open scenario file " + path);
    }
    SweepSpec spec;
    std::string line;
    bool inSweep = false;
    int lineNumber = 0;
    while (std::getline(file, line))
    {
        ++lineNumber;
        const std::string trimmed = Trim(line);
        if (!trimmed.empty() && trimmed.front() == '[')
        {
            inSweep = trimmed == "[sweep]";
            if (inSweep)
            {
                continue;
            }
        }
        if (!inSweep)
        {
            spec.baseIni += line + "\n";
            continue;
        }
        if (trimmed.empty() || trimmed.front() == '#' || trimmed.front() == ';')
        {
            continue;
        }
        const auto [key, value] = SplitAssignment(trimmed, path + ":" + std::to_string(lineNumber));
        if (key == "grid")
        {
            spec.axes.push_back(ParseAxis(value));
        }
        else if (key == "set")
        {
            spec.sets.push_back(SplitAssignment(value, "set"));
        }
        else if (key == "seeds" || key == "seed-list")
        {
            spec.seeds = ParseSeeds(key, value);
        }
        else if (key == "out")
        {
            spec.outDir = value;
        }
        else if (key == "jobs")
        {
            spec.jobs = static_cast<unsigned>(std::max(1L, std::strtol(value.c_str(), nullptr, 10)));
        }
        else if (key == "target-accuracy")
        {
            double target = 0.0;
            if (!ParseNumber(value, target) || target < 0.0 || target > 1.0)
            {
                throw InputError("sweep.target-accuracy = '" + value + "': expected a number in [0, 1]");
            }
            spec.targetAccuracy = target;
        }
        else
        {
            throw InputError(path + ": unknown key 'sweep." + key +
                             "' (accepted: grid, set, seeds, seed-list, out, jobs, target-accuracy)");
        }
    }
    return spec;
}

std::pair<size_t, size_t>
ParseShard(const std::string& text)
{
    const size_t slash = text.find('/');
    char* end1 = nullptr;
    char* end2 = nullptr;
    const std::string first = text.substr(0, slash);
    const std::string second = slash == std::string::npos ? "" : text.substr(slash + 1);
    const long i = std::strtol(first.c_str(), &end1, 10);
    const long n = std::strtol(second.c_str(), &end2, 10);
    if (slash == std::string::npos || first.empty() || second.empty() || *end1 != '\0' ||
        *end2 != '\0' || n < 1 || i < 0 || i >= n)
    {
        throw InputError("--shard '" + text + "': expected i/N with 0 <= i < N");
    }
    return {static_cast<size_t>(i), static_cast<size_t>(n)};
}

} // namespace wfl
