/*
 * Uplink parts chosen by one scenario key (channel.fading, power.policy):
 * one table row per choice names the ns-3 TypeId it builds and which
 * scenario keys set which of its Attributes. From the table follow the
 * choice key's accepted values (scenario-keys.cc), the object (uplink-
 * builder.cc, through an ns-3 ObjectFactory) and the rules that make an
 * attribute key inert under the other choices (scenario-rules.cc), so adding
 * a fading model or a power rule is its class plus one row here (and a key
 * spec for a new parameter).
 */
#ifndef WFL_UPLINK_PARTS_H
#define WFL_UPLINK_PARTS_H

#include "scenario-config.h"

#include "ns3/object.h"

#include <string>
#include <utility>
#include <vector>

namespace wfl
{

struct PartChoice
{
    std::string name;   ///< the choice key's value
    std::string typeId; ///< ns-3 TypeId of the object it builds
    /// Scenario key -> Attribute it sets (value as the key shows it).
    std::vector<std::pair<std::string, std::string>> attributes;
};

struct PartTable
{
    std::string key; ///< the choice key, e.g. "channel.fading"
    std::vector<PartChoice> choices;
    /// Attribute keys whose rule is written by hand (they also act elsewhere).
    std::vector<std::string> manualRules;
};

/// channel.fading and power.policy.
const std::vector<PartTable>& UplinkParts();

/// The table of `key` (aborts if there is none: a programming error).
const PartTable& UplinkPart(const std::string& key);

/// The choices' names, in table order.
std::vector<std::string> PartChoiceNames(const PartTable& table);

/// The object for the configured choice, its attributes set from the keys.
ns3::Ptr<ns3::Object> BuildPart(const PartTable& table, const ScenarioConfig& config);

} // namespace wfl

#endif
