/*
 * Keys bound to ns-3 Attributes (KeySpec::attribute, key-attributes.h): every
 * bound key names an Attribute that exists on an uplink object, and its INI
 * value reaches that Attribute exactly (text -> checker -> typed value).
 */
#include "digital-aggregator.h"
#include "key-attributes.h"
#include "multiple-access-channel.h"
#include "over-the-air-aggregator.h"
#include "scenario-config.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/uinteger.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace wfl;

namespace
{

std::vector<ns3::TypeId>
UplinkTypes()
{
    return {MultipleAccessChannel::GetTypeId(), DigitalAggregator::GetTypeId(),
            OverTheAirAggregator::GetTypeId()};
}

ScenarioConfig
Parse(std::vector<std::string> args)
{
    std::vector<const char*> argv{"wfl-run"};
    for (const std::string& a : args)
    {
        argv.push_back(a.c_str());
    }
    return ParseArguments(static_cast<int>(argv.size()), argv.data()).config;
}

} // namespace

// Break tried: "MaxPowerDBm" (a typo) on power.max-dbm -> no uplink TypeId has
// it (fails here; before this test the key would silently not apply).
TEST(KeyAttributes, EveryBoundKeyNamesAnExistingAttribute)
{
    int bound = 0;
    for (const KeySpec& key : ScenarioKeys())
    {
        if (key.attribute.empty())
        {
            continue;
        }
        ++bound;
        ns3::TypeId::AttributeInformation info;
        const auto types = UplinkTypes();
        EXPECT_TRUE(std::any_of(types.begin(), types.end(),
                                [&](const ns3::TypeId& t) { return t.LookupAttributeByName(key.attribute, &info); }))
            << key.name << " -> " << key.attribute;
    }
    EXPECT_GE(bound, 18);
}

// Values chosen away from every default and with all significant digits, so
// a lossy text conversion (e.g. 6-digit printing) or a key bound to the wrong
// Attribute shows. Break tried: power.max-dbm bound to "EnergyBudgetJ" -> the
// energy reads 23.456789012345678 (fails); enum names left "Peak" -> abort.
TEST(KeyAttributes, ValuesReachTheAttributesExactly)
{
    const ScenarioConfig config = Parse(
        {"--coding.scheme", "rlc", "--coding.ratio", "0.123456789012345", "--coding.bucket", "2048",
         "--run.seed", "4611686018427387905", "--channel.coherence-uses", "77", "--power.max-dbm",
         "23.456789012345678", "--power.limit", "peak", "--power.energy-j", "0.0123456789",
         "--power.coordination", "blind", "--power.policy", "truncated", "--power.norm-bound", "3.25",
         "--power.gain-threshold", "0.4375",});
    auto ota = ns3::CreateObject<OverTheAirAggregator>();
    const std::vector<std::string> applied = ApplyKeyAttributes(config, *ota);
    EXPECT_GE(applied.size(), 12u);

    ns3::DoubleValue d;
    ns3::UintegerValue u;
    ns3::EnumValue e;
    ota->GetAttribute("CodingRatio", d);
    EXPECT_EQ(d.Get(), 0.123456789012345);
    ota->GetAttribute("MaxPowerDbm", d);
    EXPECT_EQ(d.Get(), 23.456789012345678);
    ota->GetAttribute("EnergyBudgetJ", d);
    EXPECT_EQ(d.Get(), 0.0123456789);
    ota->GetAttribute("NormBound", d);
    EXPECT_EQ(d.Get(), 3.25);
    ota->GetAttribute("BlindGainThreshold", d);
    EXPECT_EQ(d.Get(), 0.4375);
    ota->GetAttribute("BucketLength", u);
    EXPECT_EQ(u.Get(), 2048u);
    ota->GetAttribute("Seed", u);
    EXPECT_EQ(u.Get(), 4611686018427387905ull);
    ota->GetAttribute("CoherenceUses", u);
    EXPECT_EQ(u.Get(), 77u);
    ota->GetAttribute("PowerLimit", e);
    EXPECT_EQ(e.Get(), WirelessAggregator::PEAK);
    ota->GetAttribute("Coordination", e);
    EXPECT_EQ(e.Get(), OverTheAirAggregator::BLIND);
    ota->GetAttribute("Coding", e);
    EXPECT_EQ(e.Get(), OverTheAirAggregator::RLC);
}

// Break tried: compression.link bound to nothing -> Link stays tdma (fails).
TEST(KeyAttributes, DigitalAndChannelKeys)
{
    // Set directly: the parse rules would reject some of these together
    // (channel keys over the pipe), which is beside the point here.
    ScenarioConfig config;
    config.codingScheme = "digital";
    config.compressionLink = "pipe";
    config.compressionBits = 123456789012.0;
    config.feedbackUses = 9;
    config.normalized = "true";
    config.snrDb = 12.5;
    config.bandwidthHz = 2.5e6;
    config.noiseFigureDb = 6.5;
    auto digital = ns3::CreateObject<DigitalAggregator>();
    ApplyKeyAttributes(config, *digital);
    ns3::EnumValue e;
    ns3::DoubleValue d;
    digital->GetAttribute("Link", e);
    EXPECT_EQ(e.Get(), DigitalAggregator::PIPE);
    digital->GetAttribute("PipeBits", d);
    EXPECT_EQ(d.Get(), 123456789012.0);
    ns3::UintegerValue u;
    digital->GetAttribute("FeedbackUses", u);
    EXPECT_EQ(u.Get(), 9u);

    auto channel = ns3::CreateObject<MultipleAccessChannel>();
    const std::vector<std::string> applied = ApplyKeyAttributes(config, *channel);
    EXPECT_EQ(applied.size(), 4u); // bandwidth, noise figure, normalized, snr
    ns3::BooleanValue b;
    channel->GetAttribute("Normalized", b);
    EXPECT_TRUE(b.Get());
    channel->GetAttribute("SnrDb", d);
    EXPECT_EQ(d.Get(), 12.5);
    channel->GetAttribute("BandwidthHz", d);
    EXPECT_EQ(d.Get(), 2.5e6);
    channel->GetAttribute("NoiseFigureDb", d);
    EXPECT_EQ(d.Get(), 6.5);
}
