#include "key-attributes.h"

#include "ns3/abort.h"
#include "ns3/string.h"
#include "ns3/type-id.h"

namespace wfl
{

std::vector<std::string>
ApplyKeyAttributes(const ScenarioConfig& config, ns3::ObjectBase& object)
{
    std::vector<std::string> applied;
    const ns3::TypeId tid = object.GetInstanceTypeId();
    for (const KeySpec& key : ScenarioKeys())
    {
        ns3::TypeId::AttributeInformation info;
        if (key.attribute.empty() || !tid.LookupAttributeByName(key.attribute, &info))
        {
            continue;
        }
        const std::string text = key.show(config);
        NS_ABORT_MSG_IF(!object.SetAttributeFailSafe(key.attribute, ns3::StringValue(text)),
                        key.name << " = " << text << ": rejected by " << tid.GetName() << "::"
                                 << key.attribute << " (key range and Attribute checker disagree)");
        applied.push_back(key.name);
    }
    return applied;
}

} // namespace wfl
