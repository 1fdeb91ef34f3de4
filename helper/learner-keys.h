/*
 * The learner.* keys of the scenario (scenario-config.h): the model, the
 * clients' local training and optimizer, and their simulated compute time.
 */
#ifndef WFL_LEARNER_KEYS_H
#define WFL_LEARNER_KEYS_H

#include "scenario-config.h"

#include <vector>

namespace wfl
{

/// Append the learner.* key specs to `keys`.
void AddLearnerKeys(std::vector<KeySpec>& keys);

} // namespace wfl

#endif
