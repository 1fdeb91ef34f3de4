/*
 * The channel.* keys of the scenario (scenario-config.h): fading, coherence,
 * bandwidth and noise, path loss and where the clients are.
 */
#ifndef WFL_CHANNEL_KEYS_H
#define WFL_CHANNEL_KEYS_H

#include "scenario-config.h"

#include <vector>

namespace wfl
{

/// Append the channel.* key specs to `keys`.
void AddChannelKeys(std::vector<KeySpec>& keys);

} // namespace wfl

#endif
