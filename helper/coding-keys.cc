/*
 * The coding.* keys of the scenario (scenario-config.h): the uplink scheme
 * and, for rlc, the code's ratio and bucket length.
 */
#include "coding-keys.h"

#include "scenario-key-builders.h"

namespace wfl
{

using namespace scenario_keys;

namespace
{

KeySpec
BucketKey()
{
    KeySpec key;
    key.name = "coding.bucket";
    key.unit = "coordinates";
    key.range = "a power of two in [2, 16777216]";
    key.help = "rlc: bucket length n of the Walsh-Hadamard transform";
    key.apply = [](const std::string& text, ScenarioConfig& c) {
        const uint64_t n = ParseUnsigned("coding.bucket", text, 2, 16777216);
        if ((n & (n - 1)) != 0)
        {
            Reject("coding.bucket", text, "a power of two in [2, 16777216]");
        }
        c.codingBucket = static_cast<uint32_t>(n);
    };
    key.show = [](const ScenarioConfig& c) { return std::to_string(c.codingBucket); };
    key.attribute = "BucketLength";
    return key;
}

} // namespace

void
AddCodingKeys(std::vector<KeySpec>& keys)
{
    using C = ScenarioConfig;
    keys.push_back(ChoiceKey("coding.scheme", {"ideal", "analog", "rlc", "digital"},
        [](C& c) -> std::string& { return c.codingScheme; },
        "uplink: exact average, uncoded over the air, random linear coding over the air, "
        "or orthogonal digital (TDMA + quantization)"));
    keys.back().attribute = "Coding"; // over the air: analog | rlc
    keys.push_back(RealKey("coding.ratio", "", 0.0, 1.0, true,
        [](C& c) -> double& { return c.codingRatio; },
        "rlc: k/n, real symbols per coordinate; digital: the same spectrum share"));
    keys.back().attribute = "CodingRatio";
    keys.push_back(BucketKey());
}

} // namespace wfl
