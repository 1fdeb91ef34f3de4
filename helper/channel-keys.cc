/*
 * The channel.* keys of the scenario (scenario-config.h): fading, coherence,
 * bandwidth and noise, path loss and where the clients are.
 */
#include "channel-keys.h"

#include "scenario-key-builders.h"
#include "uplink-parts.h"

#include <sstream>

namespace wfl
{

using namespace scenario_keys;

namespace
{

KeySpec
PositionsKey()
{
    KeySpec key;
    key.name = "channel.positions";
    key.unit = "m";
    key.range = "empty, or x,y pairs separated by ';'";
    key.help = "fixed client positions (one per client) instead of the random drop";
    key.apply = [](const std::string& raw, ScenarioConfig& c) {
        const std::string text = Trim(raw);
        std::stringstream stream(text);
        std::string pair;
        while (std::getline(stream, pair, ';'))
        {
            const size_t comma = pair.find(',');
            if (comma == std::string::npos)
            {
                Reject("channel.positions", raw, "x,y pairs separated by ';'");
            }
            ParseReal("channel.positions", pair.substr(0, comma), -1e7, 1e7, false);
            ParseReal("channel.positions", pair.substr(comma + 1), -1e7, 1e7, false);
        }
        c.positions = text;
    };
    key.show = [](const ScenarioConfig& c) { return c.positions; };
    return key;
}

} // namespace

void
AddChannelKeys(std::vector<KeySpec>& keys)
{
    using C = ScenarioConfig;
    keys.push_back(ChoiceKey("channel.fading", PartChoiceNames(UplinkPart("channel.fading")),
        [](C& c) -> std::string& { return c.fading; }, "small-scale block fading, E|h|^2 = 1"));
    keys.push_back(RealKey("channel.rician-k", "", 0.0, 1e6, false,
        [](C& c) -> double& { return c.ricianK; }, "rician K factor (linear)"));
    keys.push_back(RealKey("channel.nakagami-m", "", 0.5, 1e6, false,
        [](C& c) -> double& { return c.nakagamiM; }, "nakagami shape m"));
    keys.push_back(UnsignedKey<uint32_t>("channel.coherence-uses", "uses", 0, 1000000000,
        [](C& c) -> uint32_t& { return c.coherenceUses; },
        "channel uses per fading block within a round, pilot included (0 = one block per "
        "round; else >= 2)"));
    keys.back().attribute = "CoherenceUses";
    keys.push_back(RealKey("channel.bandwidth-hz", "Hz", 1.0, 1e12, false,
        [](C& c) -> double& { return c.bandwidthHz; }, "bandwidth; a channel use lasts 1/B"));
    keys.back().attribute = "BandwidthHz";
    keys.push_back(RealKey("channel.noise-figure-db", "dB", 0.0, 100.0, false,
        [](C& c) -> double& { return c.noiseFigureDb; }, "receiver noise figure"));
    keys.back().attribute = "NoiseFigureDb";
    keys.push_back(ChoiceKey("channel.normalized", {"false", "true"},
        [](C& c) -> std::string& { return c.normalized; },
        "textbook mode: unit path loss and noise set by channel.snr-db"));
    keys.back().attribute = "Normalized";
    keys.push_back(RealKey("channel.snr-db", "dB", -100.0, 200.0, false,
        [](C& c) -> double& { return c.snrDb; },
        "normalized mode: P_max / sigma^2 per channel use"));
    keys.back().attribute = "SnrDb";
    keys.push_back(PathKey("channel.path-loss", [](C& c) -> std::string& { return c.pathLoss; },
        "ns-3 PropagationLossModel, with attributes: ns3::Type[Attr=value|...]"));
    keys.back().unit = "TypeId";
    keys.back().range = "a PropagationLossModel TypeId";
    keys.push_back(RealKey("channel.cell-radius-m", "m", 0.0, 1e7, true,
        [](C& c) -> double& { return c.cellRadiusM; },
        "clients drop uniformly in a disk of this radius around the server"));
    keys.push_back(PositionsKey());
}

} // namespace wfl
