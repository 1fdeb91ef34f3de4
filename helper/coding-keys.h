/*
 * The coding.* keys of the scenario (scenario-config.h): the uplink scheme
 * and, for rlc, the code's ratio and bucket length.
 */
#ifndef WFL_CODING_KEYS_H
#define WFL_CODING_KEYS_H

#include "scenario-config.h"

#include <vector>

namespace wfl
{

/// Append the coding.* key specs to `keys`.
void AddCodingKeys(std::vector<KeySpec>& keys);

} // namespace wfl

#endif
