/*
 * wfl-repurpose's inference.* keys: the ns-3 simulation of every restructured
 * network (inference-sim.h) on each link rate of a list. They join the tool's
 * key table (repurpose-keys.h), so --help, the INI file and the stored
 * configuration show them like every other key.
 */
#ifndef WFL_INFERENCE_KEYS_H
#define WFL_INFERENCE_KEYS_H

#include "repurpose-keys.h"

#include <vector>

namespace wfl
{

/// Append inference.rate-mbps (the rate list), network, delay-us, loss-rate,
/// device-gflops, requests, request-interval-s, seed and tcp-min-rto-ms.
void AddInferenceToolKeys(std::vector<RepurposeToolKey>& keys);

} // namespace wfl

#endif
