/*
 * The uplink part tables (uplink-parts.h): every row builds its TypeId, and
 * its attribute keys reach the object's Attributes.
 */
#include "fading-model.h"
#include "power-allocator.h"
#include "scenario-config.h"
#include "uplink-parts.h"

#include "ns3/double.h"

#include <gtest/gtest.h>

using namespace wfl;

// Break tried: the rician row without its channel.rician-k -> KFactor stays
// at its default 3 (fails).
TEST(UplinkParts, EveryChoiceBuildsItsTypeWithItsKeys)
{
    for (const PartTable& table : UplinkParts())
    {
        for (const PartChoice& choice : table.choices)
        {
            ScenarioConfig config;
            if (table.key == "channel.fading")
            {
                config.fading = choice.name;
            }
            else
            {
                config.powerPolicy = choice.name;
            }
            EXPECT_EQ(BuildPart(table, config)->GetInstanceTypeId().GetName(), choice.typeId) << choice.name;
        }
    }
    ScenarioConfig config;
    config.fading = "rician";
    config.ricianK = 5.5;
    ns3::DoubleValue k;
    BuildPart(UplinkPart("channel.fading"), config)->GetAttribute("KFactor", k);
    EXPECT_EQ(k.Get(), 5.5);
    config.fading = "nakagami";
    config.nakagamiM = 0.75;
    ns3::DoubleValue m;
    BuildPart(UplinkPart("channel.fading"), config)->GetAttribute("M", m);
    EXPECT_EQ(m.Get(), 0.75);
    config.powerPolicy = "truncated";
    config.gainThreshold = 0.123456789;
    ns3::DoubleValue threshold;
    BuildPart(UplinkPart("power.policy"), config)->GetAttribute("GainThreshold", threshold);
    EXPECT_EQ(threshold.Get(), 0.123456789); // exact: the key's shortest text round-trips
}
