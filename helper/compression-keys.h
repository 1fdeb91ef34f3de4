/*
 * The compression.* keys of the scenario (scenario-config.h): the digital
 * link (compression.link, compression.bits), the compressor
 * (compression.scheme) and every key a registered compressor declares
 * (compressor-registry.h), generated from the registry.
 */
#ifndef WFL_COMPRESSION_KEYS_H
#define WFL_COMPRESSION_KEYS_H

#include "scenario-config.h"

#include <vector>

namespace wfl
{

/// Append the compression.* key specs to `keys`.
void AddCompressionKeys(std::vector<KeySpec>& keys);

/// Compressor key names (without "compression.") in registry order, each with
/// the schemes that declare it.
std::vector<std::pair<std::string, std::vector<std::string>>> CompressorKeyOwners();

} // namespace wfl

#endif
