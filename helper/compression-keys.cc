#include "compression-keys.h"

#include "compressor-registry.h"
#include "key-parsing.h"
#include "shortest-double.h"

#include <algorithm>

namespace wfl
{
namespace
{

/// "a | b | c" of the registered schemes.
std::string
SchemeRange()
{
    std::string range;
    for (const CompressorRegistration& r : CompressorRegistry())
    {
        range += (range.empty() ? "" : " | ") + r.scheme;
    }
    return range;
}

KeySpec
SchemeKey()
{
    KeySpec key;
    key.name = "compression.scheme";
    key.range = SchemeRange();
    key.help = "digital: the compressor each client runs";
    for (const CompressorRegistration& r : CompressorRegistry())
    {
        key.help += "; " + r.scheme + ": " + r.help;
    }
    key.apply = [range = key.range](const std::string& raw, ScenarioConfig& c) {
        const std::string text = TrimKey(raw);
        if (FindCompressor(text) == nullptr)
        {
            RejectKey("compression.scheme", raw, "one of " + range);
        }
        c.compressionScheme = text;
    };
    key.show = [](const ScenarioConfig& c) { return c.compressionScheme; };
    return key;
}

KeySpec
LinkKey()
{
    KeySpec key;
    key.name = "compression.link";
    key.range = "tdma | pipe";
    key.help = "digital: TDMA over the fading channel (Shannon budget per client), or an "
               "error-free bit pipe of compression.bits per client (no channel uses)";
    key.apply = [](const std::string& raw, ScenarioConfig& c) {
        const std::string text = TrimKey(raw);
        if (text != "tdma" && text != "pipe")
        {
            RejectKey("compression.link", raw, "one of tdma | pipe");
        }
        c.compressionLink = text;
    };
    key.show = [](const ScenarioConfig& c) { return c.compressionLink; };
    key.attribute = "Link";
    return key;
}

KeySpec
BitsKey()
{
    KeySpec key;
    key.name = "compression.bits";
    key.unit = "bit";
    key.range = "[0, 1e+15]";
    key.help = "pipe: bits each client may send per round (0 = unlimited)";
    key.apply = [](const std::string& raw, ScenarioConfig& c) {
        c.compressionBits = ParseRealKey("compression.bits", raw, 0.0, 1e15, false);
    };
    key.show = [](const ScenarioConfig& c) { return ShortestDouble(c.compressionBits); };
    key.attribute = "PipeBits";
    return key;
}

/// "qsgd: x; qcs: y", or "qsgd, qcs: x" when all declarers agree.
std::string
Joined(const std::vector<std::pair<std::string, std::string>>& perScheme, bool prefixAlways)
{
    const bool same = std::all_of(perScheme.begin(), perScheme.end(),
                                  [&](const auto& p) { return p.second == perScheme.front().second; });
    if (same)
    {
        if (!prefixAlways)
        {
            return perScheme.front().second;
        }
        std::string schemes;
        for (const auto& p : perScheme)
        {
            schemes += (schemes.empty() ? "" : ", ") + p.first;
        }
        return schemes + ": " + perScheme.front().second;
    }
    std::string text;
    for (const auto& p : perScheme)
    {
        text += (text.empty() ? "" : "; ") + p.first + ": " + p.second;
    }
    return text;
}

/// compression.<name>: parsed by the selected scheme's declaration; kept as
/// given when the scheme does not declare it (the inert rule reports it).
KeySpec
CompressorKeySpec(const std::string& name, const std::vector<std::string>& owners)
{
    std::vector<std::pair<std::string, std::string>> ranges;
    std::vector<std::pair<std::string, std::string>> helps;
    std::string unit;
    for (const std::string& scheme : owners)
    {
        const CompressorKey* k = FindCompressorKey(*FindCompressor(scheme), name);
        unit = unit.empty() ? k->unit : unit;
        ranges.emplace_back(scheme, k->range);
        helps.emplace_back(scheme, k->help);
    }
    KeySpec key;
    key.name = "compression." + name;
    key.unit = unit;
    key.range = Joined(ranges, false);
    key.help = Joined(helps, true);
    key.apply = [name](const std::string& raw, ScenarioConfig& c) {
        const CompressorRegistration* r = FindCompressor(c.compressionScheme);
        const CompressorKey* k = r ? FindCompressorKey(*r, name) : nullptr;
        c.compressionValues[name] = k ? k->canonical(raw) : TrimKey(raw);
    };
    // The value given, else the selected scheme's default, else the first declarer's.
    key.show = [name, first = owners.front()](const ScenarioConfig& c) {
        const auto given = c.compressionValues.find(name);
        if (given != c.compressionValues.end())
        {
            return given->second;
        }
        const CompressorRegistration* r = FindCompressor(c.compressionScheme);
        const CompressorKey* k = r ? FindCompressorKey(*r, name) : nullptr;
        return (k ? k : FindCompressorKey(*FindCompressor(first), name))->defaultText;
    };
    return key;
}

} // namespace

CompressorRunFacts
RunFacts(const ScenarioConfig& c)
{
    CompressorRunFacts facts;
    facts.clients = c.clients;
    facts.factors = c.codingScheme == "digital" && c.training.localEpochs == 0 && c.training.localSteps == 1 &&
                    c.training.optimizer.kind != "adam" && c.training.optimizer.weightDecay == 0.0;
    return facts;
}

std::vector<std::pair<std::string, std::vector<std::string>>>
CompressorKeyOwners()
{
    std::vector<std::pair<std::string, std::vector<std::string>>> owners;
    for (const CompressorRegistration& r : CompressorRegistry())
    {
        for (const CompressorKey& k : r.keys)
        {
            auto it = std::find_if(owners.begin(), owners.end(), [&](const auto& o) { return o.first == k.name; });
            if (it == owners.end())
            {
                owners.push_back({k.name, {}});
                it = owners.end() - 1;
            }
            it->second.push_back(r.scheme);
        }
    }
    return owners;
}

void
AddCompressionKeys(std::vector<KeySpec>& keys)
{
    keys.push_back(LinkKey());
    keys.push_back(BitsKey());
    keys.push_back(SchemeKey());
    for (const auto& [name, owners] : CompressorKeyOwners())
    {
        keys.push_back(CompressorKeySpec(name, owners));
    }
}

} // namespace wfl
