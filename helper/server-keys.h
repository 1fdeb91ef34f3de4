/*
 * The server.* keys of the scenario (scenario-config.h): the server's
 * optimizer step, client sampling per round, and the round deadline.
 */
#ifndef WFL_SERVER_KEYS_H
#define WFL_SERVER_KEYS_H

#include "scenario-config.h"

#include <vector>

namespace wfl
{

/// Append the server.* key specs to `keys`.
void AddServerKeys(std::vector<KeySpec>& keys);

} // namespace wfl

#endif
