/*
 * A sweep's fixed keys, optionally conditional: "--set KEY=VALUE if KEY2=a,b"
 * gives KEY only to the points whose KEY2 is a or b (sweep-plan.h), so that a
 * grid over coding.scheme can give each scheme the keys it acts on and no
 * point sets a key without effect (scenario-rules.cc).
 */
#include "input-error.h"
#include "sweep-plan.h"

#include <algorithm>
#include <sstream>

namespace wfl
{
namespace
{

std::string
Trim(const std::string& s)
{
    return TrimSweepText(s); // sweep-spec.h
}

/// A set's value and its condition: "V if KEY=a,b" -> (V, KEY, {a, b}).
struct ConditionalValue
{
    std::string value;
    std::string key; ///< "" if unconditional
    std::vector<std::string> values;
};

ConditionalValue
SplitCondition(const std::string& key, const std::string& text)
{
    const size_t at = text.find(" if ");
    if (at == std::string::npos)
    {
        return {text, "", {}};
    }
    ConditionalValue c;
    c.value = Trim(text.substr(0, at));
    const std::string condition = Trim(text.substr(at + 4));
    const size_t eq = condition.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == condition.size())
    {
        throw InputError("set " + key + "=" + text + ": expected VALUE if KEY=v1,v2,...");
    }
    c.key = Trim(condition.substr(0, eq));
    std::stringstream stream(condition.substr(eq + 1));
    std::string item;
    while (std::getline(stream, item, ','))
    {
        c.values.push_back(Trim(item));
    }
    return c;
}

/// The value of `key` at a point: its axis value, else its unconditional set.
/// @throws InputError if neither exists (a condition must name one of them).
std::string
PointValue(const std::string& key,
           const std::vector<std::pair<std::string, std::string>>& axisValues,
           const std::vector<std::pair<std::string, std::string>>& sets,
           const std::string& condition)
{
    for (const auto& [k, v] : axisValues)
    {
        if (k == key)
        {
            return v;
        }
    }
    for (const auto& [k, v] : sets)
    {
        if (k == key && v.find(" if ") == std::string::npos)
        {
            return v;
        }
    }
    throw InputError(condition + ": " + key +
                     " is neither swept (grid) nor set unconditionally; a condition must name one");
}

} // namespace

bool
ConditionHolds(const std::string& key,
               const std::vector<std::string>& accepted,
               const std::vector<std::pair<std::string, std::string>>& axisValues,
               const SweepSpec& spec,
               const std::string& what)
{
    const std::string at = PointValue(key, axisValues, spec.sets, what);
    return std::find(accepted.begin(), accepted.end(), at) != accepted.end();
}

std::vector<std::string>
PointSetArguments(const SweepSpec& spec, const std::vector<std::pair<std::string, std::string>>& axisValues)
{
    std::vector<std::string> args;
    for (const auto& [key, text] : spec.sets)
    {
        const ConditionalValue c = SplitCondition(key, text);
        if (!c.key.empty() && !ConditionHolds(c.key, c.values, axisValues, spec, "set " + key + "=" + text))
        {
            continue;
        }
        args.push_back("--" + key);
        args.push_back(c.value);
    }
    return args;
}

std::vector<std::pair<std::string, std::string>>
MergeSets(const std::vector<std::pair<std::string, std::string>>& fileSets,
          const std::vector<std::pair<std::string, std::string>>& commandLineSets,
          const std::vector<SweepAxis>& axes)
{
    const auto overridden = [&commandLineSets](const std::string& key) {
        return std::any_of(commandLineSets.begin(), commandLineSets.end(),
                           [&key](const auto& set) { return set.first == key; });
    };
    const auto sweptEverywhere = [&axes](const std::string& key) {
        return std::any_of(axes.begin(), axes.end(), [&key](const SweepAxis& axis) {
            return axis.key == key && axis.conditionKey.empty();
        });
    };
    std::vector<std::pair<std::string, std::string>> sets;
    for (const auto& set : fileSets)
    {
        if (!overridden(set.first) && !sweptEverywhere(set.first))
        {
            sets.push_back(set);
        }
    }
    for (const auto& set : commandLineSets)
    {
        if (!sweptEverywhere(set.first))
        {
            sets.push_back(set);
        }
    }
    return sets;
}


} // namespace wfl
