/*
 * How a scenario key's spec (scenario-config.h: name, unit, range, help,
 * apply, show) is built from an accessor of its ScenarioConfig field, one
 * builder per kind of value; shared by the per-section key files
 * (data-keys.cc, learner-keys.cc, ...) and scenario-keys.cc. Internal to
 * the key table: parsing itself is key-parsing.h's.
 */
#ifndef WFL_SCENARIO_KEY_BUILDERS_H
#define WFL_SCENARIO_KEY_BUILDERS_H

#include "key-parsing.h"
#include "scenario-config.h"
#include "shortest-double.h"

#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace wfl
{
namespace scenario_keys
{

[[noreturn]] inline void
Reject(const std::string& key, const std::string& text, const std::string& expected)
{
    RejectKey(key, text, expected);
}

inline std::string
Trim(const std::string& s)
{
    return TrimKey(s);
}

inline uint64_t
ParseUnsigned(const std::string& key, const std::string& raw, uint64_t lo, uint64_t hi)
{
    return ParseUnsignedKey(key, raw, lo, hi);
}

inline double
ParseReal(const std::string& key, const std::string& raw, double lo, double hi, bool lowOpen)
{
    return ParseRealKey(key, raw, lo, hi, lowOpen);
}

template <typename T, typename Access>
KeySpec
UnsignedKey(std::string name, std::string unit, uint64_t lo, uint64_t hi, Access access, std::string help)
{
    KeySpec key;
    key.name = name;
    key.unit = std::move(unit);
    key.range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    key.help = std::move(help);
    key.apply = [name, lo, hi, access](const std::string& text, ScenarioConfig& c) {
        access(c) = static_cast<T>(ParseUnsigned(name, text, lo, hi));
    };
    key.show = [access](const ScenarioConfig& c) {
        return std::to_string(access(const_cast<ScenarioConfig&>(c)));
    };
    return key;
}

template <typename Access>
KeySpec
RealKey(std::string name, std::string unit, double lo, double hi, bool lowOpen, Access access, std::string help)
{
    KeySpec key;
    key.name = name;
    key.unit = std::move(unit);
    key.range = std::string(lowOpen ? "(" : "[") + ShortestDouble(lo) + ", " + ShortestDouble(hi) + "]";
    key.help = std::move(help);
    key.apply = [name, lo, hi, lowOpen, access](const std::string& text, ScenarioConfig& c) {
        access(c) = ParseReal(name, text, lo, hi, lowOpen);
    };
    key.show = [access](const ScenarioConfig& c) {
        return ShortestDouble(access(const_cast<ScenarioConfig&>(c)));
    };
    return key;
}

template <typename Access>
KeySpec
ChoiceKey(std::string name, std::vector<std::string> choices, Access access, std::string help)
{
    KeySpec key;
    key.name = name;
    for (const std::string& choice : choices)
    {
        key.range += (key.range.empty() ? "" : " | ") + choice;
    }
    key.help = std::move(help);
    key.apply = [name, choices, range = key.range, access](const std::string& raw, ScenarioConfig& c) {
        const std::string text = Trim(raw);
        for (const std::string& choice : choices)
        {
            if (text == choice)
            {
                access(c) = text;
                return;
            }
        }
        Reject(name, raw, "one of " + range);
    };
    key.show = [access](const ScenarioConfig& c) { return access(const_cast<ScenarioConfig&>(c)); };
    return key;
}

template <typename Access>
KeySpec
PathKey(std::string name, Access access, std::string help)
{
    KeySpec key;
    key.name = name;
    key.unit = "path";
    key.range = "non-empty path";
    key.help = std::move(help);
    key.apply = [name, access](const std::string& raw, ScenarioConfig& c) {
        const std::string text = Trim(raw);
        if (text.empty())
        {
            Reject(name, raw, "a non-empty path");
        }
        access(c) = text;
    };
    key.show = [access](const ScenarioConfig& c) { return access(const_cast<ScenarioConfig&>(c)); };
    return key;
}

/// A comma-separated list of integers in [1, hi] (layer widths, channels).
template <typename Access>
KeySpec
IntListKey(std::string name, std::string unit, uint64_t hi, Access access, std::string help)
{
    KeySpec key;
    key.name = name;
    key.unit = std::move(unit);
    key.range = "comma-separated integers in [1, " + std::to_string(hi) + "]";
    key.help = std::move(help);
    key.apply = [name, hi, range = key.range, access](const std::string& raw, ScenarioConfig& c) {
        std::vector<int> values;
        std::stringstream stream(raw);
        std::string item;
        while (std::getline(stream, item, ','))
        {
            values.push_back(static_cast<int>(ParseUnsigned(name, item, 1, hi)));
        }
        if (values.empty())
        {
            Reject(name, raw, range);
        }
        access(c) = values;
    };
    key.show = [access](const ScenarioConfig& c) {
        std::string text;
        for (int v : access(const_cast<ScenarioConfig&>(c)))
        {
            text += (text.empty() ? "" : ",") + std::to_string(v);
        }
        return text;
    };
    return key;
}

} // namespace scenario_keys
} // namespace wfl

#endif
