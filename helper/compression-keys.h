/*
 * The compression.* keys of the scenario (scenario-config.h): the digital
 * link (compression.link, compression.bits), the compressor
 * (compression.scheme) and every key a registered compressor declares
 * (compressor-registry.h), generated from the registry.
 */
#ifndef WFL_COMPRESSION_KEYS_H
#define WFL_COMPRESSION_KEYS_H

#include "compressor-registry.h"
#include "scenario-config.h"

#include <vector>

namespace wfl
{

/// Append the compression.* key specs to `keys`.
void AddCompressionKeys(std::vector<KeySpec>& keys);

/// The facts of the run a compressor may depend on (compressor-registry.h):
/// the client count, and whether the learner sends dense-layer factors,
/// which LocalTrainer does for exactly one plain step: coding.scheme =
/// digital, learner.local-epochs = 0, learner.local-steps = 1, optimizer
/// not adam, no weight decay (local-trainer.h; every model records them).
CompressorRunFacts RunFacts(const ScenarioConfig& config);

/// Compressor key names (without "compression.") in registry order, each with
/// the schemes that declare it.
std::vector<std::pair<std::string, std::vector<std::string>>> CompressorKeyOwners();

} // namespace wfl

#endif
