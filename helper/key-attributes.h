/*
 * Scenario keys that are ns-3 Attributes of the uplink objects.
 *
 * A key declares the Attribute it sets (KeySpec::attribute) once, beside its
 * name, unit, range and help; the uplink builder then sets it on every object
 * whose TypeId (or a parent's) has that Attribute, from the key's INI text.
 * This replaces one hand-written SetAttribute per key and scheme, so a new
 * uplink setting is a config field plus one key entry.
 */
#ifndef WFL_KEY_ATTRIBUTES_H
#define WFL_KEY_ATTRIBUTES_H

#include "scenario-config.h"

#include "ns3/object-base.h"

#include <string>
#include <vector>

namespace wfl
{

/**
 * Set every attribute-bound key of `config` that `object`'s TypeId has, from
 * KeySpec::show (ns-3 parses the text with the Attribute's own checker).
 * @return the names of the keys that were applied.
 * Aborts (a programming error, never input) if the checker rejects the text:
 * the key's own range check has already passed, so the two disagree.
 */
std::vector<std::string> ApplyKeyAttributes(const ScenarioConfig& config, ns3::ObjectBase& object);

} // namespace wfl

#endif
