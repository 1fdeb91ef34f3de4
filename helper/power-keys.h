/*
 * The power.* keys of the scenario (scenario-config.h): the over-the-air
 * power policy and limits, coordination (feedback or blind) and participation.
 */
#ifndef WFL_POWER_KEYS_H
#define WFL_POWER_KEYS_H

#include "scenario-config.h"

#include <vector>

namespace wfl
{

/// Append the power.* key specs to `keys`.
void AddPowerKeys(std::vector<KeySpec>& keys);

} // namespace wfl

#endif
