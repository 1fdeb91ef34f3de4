/*
 * The data.* keys of the scenario (scenario-config.h): which dataset, how
 * many clients and how its training samples are split among them, and the
 * synthetic dataset's shape.
 */
#ifndef WFL_DATA_KEYS_H
#define WFL_DATA_KEYS_H

#include "scenario-config.h"

#include <vector>

namespace wfl
{

/// Append the data.* key specs to `keys`.
void AddDataKeys(std::vector<KeySpec>& keys);

} // namespace wfl

#endif
