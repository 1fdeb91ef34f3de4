/*
 * The power.* keys of the scenario (scenario-config.h): the over-the-air
 * power policy and limits, coordination (feedback or blind) and participation.
 */
#include "power-keys.h"

#include "scenario-key-builders.h"
#include "uplink-parts.h"

namespace wfl
{

using namespace scenario_keys;

void
AddPowerKeys(std::vector<KeySpec>& keys)
{
    using C = ScenarioConfig;
    keys.push_back(ChoiceKey("power.policy", PartChoiceNames(UplinkPart("power.policy")),
        [](C& c) -> std::string& { return c.powerPolicy; },
        "over-the-air power allocation"));
    keys.push_back(RealKey("power.max-dbm", "dBm", -100.0, 100.0, false,
        [](C& c) -> double& { return c.maxPowerDbm; },
        "transmit power limit per client: bounds the block mean or every symbol, as power.limit "
        "says"));
    keys.back().attribute = "MaxPowerDbm";
    keys.push_back(ChoiceKey("power.limit", {"average", "peak"},
        [](C& c) -> std::string& { return c.powerLimit; },
        "what power.max-dbm bounds: the mean power over each coherence block a client sends in "
        "(average; single symbols may exceed it), or every symbol (peak)"));
    keys.back().attribute = "PowerLimit";
    keys.push_back(RealKey("power.energy-j", "J", 0.0, 1e6, true,
        [](C& c) -> double& { return c.energyBudgetJ; }, "uplink energy budget per client and round"));
    keys.back().attribute = "EnergyBudgetJ";
    keys.push_back(RealKey("power.gain-threshold", "", 0.0, 1e6, false,
        [](C& c) -> double& { return c.gainThreshold; },
        "truncated: clients with fading power |h|^2 below this stay silent"));
    keys.back().attribute = "BlindGainThreshold";
    keys.push_back(ChoiceKey("power.coordination", {"feedback", "blind"},
        [](C& c) -> std::string& { return c.coordination; },
        "over the air: per-client reports before the slot (charged uses and energy; the "
        "server knows W), or none (c from power.norm-bound, W from the pilot)"));
    keys.back().attribute = "Coordination";
    keys.push_back(UnsignedKey<uint32_t>("power.feedback-uses", "uses", 0, 1000000,
        [](C& c) -> uint32_t& { return c.feedbackUses; },
        "feedback: channel uses of one client's report per coherence block (16 = two "
        "float32 at 4 bit/use; 0 = free feedback, an idealisation)"));
    keys.back().attribute = "FeedbackUses";
    keys.push_back(RealKey("power.norm-bound", "", 0.0, 1e12, false,
        [](C& c) -> double& { return c.normBound; },
        "blind: clients clip ||w_k g_k|| to this bound G, from which the server sets c "
        "(required > 0 with blind)"));
    keys.back().attribute = "NormBound";
    keys.push_back(RealKey("power.participation", "", 0.0, 1.0, false,
        [](C& c) -> double& { return c.participation; },
        "probability that a client takes part in a round (idle otherwise)"));
}

} // namespace wfl
