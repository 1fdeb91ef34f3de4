#include "uplink-parts.h"

#include "ns3/abort.h"
#include "ns3/object-factory.h"
#include "ns3/string.h"

namespace wfl
{

const std::vector<PartTable>&
UplinkParts()
{
    static const std::vector<PartTable> parts{
        {"channel.fading",
         {{"none", "wfl::NoFading", {}},
          {"rayleigh", "wfl::RayleighFading", {}},
          {"rician", "wfl::RicianFading", {{"channel.rician-k", "KFactor"}}},
          {"nakagami", "wfl::NakagamiFading", {{"channel.nakagami-m", "M"}}}},
         {}},
        // power.gain-threshold also sizes the blind broadcast scale: its rule is in scenario-rules.cc.
        {"power.policy",
         {{"full", "wfl::FullPowerAllocator", {}},
          {"inversion", "wfl::InversionPowerAllocator", {}},
          {"truncated", "wfl::TruncatedInversionPowerAllocator", {{"power.gain-threshold", "GainThreshold"}}},
          {"mse-optimal", "wfl::MseOptimalPowerAllocator", {}}},
         {"power.gain-threshold"}},
    };
    return parts;
}

const PartTable&
UplinkPart(const std::string& key)
{
    for (const PartTable& table : UplinkParts())
    {
        if (table.key == key)
        {
            return table;
        }
    }
    NS_ABORT_MSG("no uplink part table for " << key);
}

std::vector<std::string>
PartChoiceNames(const PartTable& table)
{
    std::vector<std::string> names;
    for (const PartChoice& choice : table.choices)
    {
        names.push_back(choice.name);
    }
    return names;
}

ns3::Ptr<ns3::Object>
BuildPart(const PartTable& table, const ScenarioConfig& config)
{
    const std::map<std::string, std::string> values = ResolvedKeys(config);
    const std::string& chosen = values.at(table.key);
    for (const PartChoice& choice : table.choices)
    {
        if (choice.name != chosen)
        {
            continue;
        }
        ns3::ObjectFactory factory(choice.typeId);
        for (const auto& [key, attribute] : choice.attributes)
        {
            // The key's own parser already checked the value's range.
            factory.Set(attribute, ns3::StringValue(values.at(key)));
        }
        return factory.Create<ns3::Object>();
    }
    NS_ABORT_MSG(table.key << " = " << chosen << " has no row in the uplink part table");
}

} // namespace wfl
