#include "uplink-builder.h"

#include "compression-keys.h"
#include "compressor-registry.h"
#include "digital-aggregator.h"
#include "input-error.h"
#include "key-attributes.h"
#include "over-the-air-aggregator.h"
#include "random.h"
#include "shortest-double.h"
#include "uplink-parts.h"
#include "wireless-aggregator.h"

#include "ns3/boolean.h"
#include "ns3/constant-position-mobility-model.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/node.h"
#include "ns3/object-factory.h"
#include "ns3/pointer.h"
#include "ns3/uinteger.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace wfl
{
namespace
{

std::vector<ns3::Vector>
ClientPositions(const ScenarioConfig& config, uint32_t count)
{
    std::vector<ns3::Vector> positions;
    if (!config.positions.empty())
    {
        std::stringstream stream(config.positions);
        std::string pair;
        while (std::getline(stream, pair, ';'))
        {
            const size_t comma = pair.find(',');
            positions.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)), 0.0);
        }
        if (positions.size() != count)
        {
            throw InputError("channel.positions: " + std::to_string(positions.size()) +
                             " positions for " + std::to_string(count) +
                             " clients (data.clients); give one x,y pair per client");
        }
        return positions;
    }
    // Uniform in the disk: radius R sqrt(U) makes the density uniform in area.
    Rng rng(config.seed, "positions");
    for (uint32_t k = 0; k < count; ++k)
    {
        const double r = config.cellRadiusM * std::sqrt(rng.Uniform());
        const double theta = 2.0 * M_PI * rng.Uniform();
        positions.emplace_back(r * std::cos(theta), r * std::sin(theta), 0.0);
    }
    return positions;
}

/// "ns3::Type[Attr=value|Attr=value]", checked here so that a typo is an
/// InputError rather than an ns-3 fatal error.
ns3::Ptr<ns3::PropagationLossModel>
MakePathLoss(const std::string& spec)
{
    const std::string expected =
        "': expected an ns-3 PropagationLossModel TypeId, optionally with [Attribute=value|...]";
    const size_t open = spec.find('[');
    const std::string name = spec.substr(0, open);
    ns3::TypeId tid;
    if (!ns3::TypeId::LookupByNameFailSafe(name, &tid) ||
        !tid.IsChildOf(ns3::PropagationLossModel::GetTypeId()))
    {
        throw InputError("channel.path-loss = '" + spec + expected);
    }
    ns3::ObjectFactory factory;
    factory.SetTypeId(tid);
    if (open != std::string::npos)
    {
        if (spec.back() != ']')
        {
            throw InputError("channel.path-loss = '" + spec + expected);
        }
        std::stringstream attributes(spec.substr(open + 1, spec.size() - open - 2));
        std::string assignment;
        while (std::getline(attributes, assignment, '|'))
        {
            const size_t eq = assignment.find('=');
            ns3::TypeId::AttributeInformation info;
            if (eq == std::string::npos || !tid.LookupAttributeByName(assignment.substr(0, eq), &info))
            {
                throw InputError("channel.path-loss: " + name + " has no attribute '" +
                                 assignment.substr(0, eq) + "'");
            }
            const std::string text = assignment.substr(eq + 1);
            ns3::Ptr<ns3::AttributeValue> value = info.checker->Create();
            // ns-3 aborts on some malformed numbers: check those first.
            const std::string kind = info.checker->GetValueTypeName();
            char* end = nullptr;
            const bool numeric = kind.find("Double") != std::string::npos ||
                                 kind.find("Integer") != std::string::npos;
            const bool numberOk = !numeric || (std::strtod(text.c_str(), &end), !text.empty() && *end == '\0');
            if (!numberOk || !value->DeserializeFromString(text, info.checker))
            {
                throw InputError("channel.path-loss: '" + assignment + "' is not a valid value of " +
                                 name + "::" + assignment.substr(0, eq) + " (" +
                                 info.checker->GetUnderlyingTypeInformation() + ")");
            }
            factory.Set(assignment.substr(0, eq), *value);
        }
    }
    return factory.Create<ns3::PropagationLossModel>();
}

double
MaxPowerW(const ScenarioConfig& config)
{
    return std::pow(10.0, (config.maxPowerDbm - 30.0) / 10.0);
}

ns3::Ptr<MultipleAccessChannel>
MakeChannel(const ScenarioConfig& config)
{
    if (config.coherenceUses == 1)
    {
        throw InputError("channel.coherence-uses = 1: expected 0 or an integer >= 2 "
                         "(a block holds data and one pilot use)");
    }
    auto channel = ns3::CreateObject<MultipleAccessChannel>();
    ApplyKeyAttributes(config, *channel); // channel.bandwidth-hz, noise-figure-db, normalized, snr-db
    channel->SetAttribute("ReferencePowerW", ns3::DoubleValue(MaxPowerW(config)));
    return channel;
}

} // namespace

double
ConfiguredNoisePowerW(const ScenarioConfig& config)
{
    if (config.codingScheme == "ideal")
    {
        return std::numeric_limits<double>::quiet_NaN();
    }
    return MakeChannel(config)->NoisePowerW();
}

ns3::Ptr<Aggregator>
BuildUplink(const ScenarioConfig& config, ns3::Ptr<ns3::Node> server, const ns3::NodeContainer& clients)
{
    if (config.codingScheme == "ideal")
    {
        return ns3::CreateObject<IdealAggregator>();
    }
    CheckCoordination(config); // also checked when the arguments are parsed
    auto serverMobility = ns3::CreateObject<ns3::ConstantPositionMobilityModel>();
    serverMobility->SetPosition(ns3::Vector(0.0, 0.0, 0.0));
    server->AggregateObject(serverMobility);
    auto links = ns3::CreateObject<RadioLinks>();
    links->SetServer(serverMobility);
    const std::vector<ns3::Vector> positions = ClientPositions(config, clients.GetN());
    for (uint32_t k = 0; k < clients.GetN(); ++k)
    {
        auto mobility = ns3::CreateObject<ns3::ConstantPositionMobilityModel>();
        mobility->SetPosition(positions[k]);
        clients.Get(k)->AggregateObject(mobility);
        links->AddClient(mobility);
    }
    if (config.normalized != "true")
    {
        links->SetPropagationLoss(MakePathLoss(config.pathLoss));
    }

    // Every key that is an Attribute of the aggregator (KeySpec::attribute) is
    // set from the configuration; only derived settings are named here.
    ns3::Ptr<WirelessAggregator> aggregator;
    if (config.codingScheme == "digital")
    {
        auto digital = ns3::CreateObject<DigitalAggregator>();
        ApplyKeyAttributes(config, *digital);
        // Equal spectrum: the uses of the rlc slot under the same coordination
        // (its reports with feedback, its pilots when blind).
        const bool feedback = config.coordination == "feedback";
        digital->SetAttribute("FeedbackUses", ns3::UintegerValue(feedback ? config.feedbackUses : 0));
        digital->SetAttribute("MatchPilots", ns3::BooleanValue(!feedback));
        digital->SetCompressor(
            BuildCompressor(config.compressionScheme, config.compressionValues, RunFacts(config)));
        aggregator = digital;
    }
    else
    {
        aggregator = ns3::CreateObject<OverTheAirAggregator>();
        ApplyKeyAttributes(config, *aggregator);
        aggregator->SetAttribute("PowerAllocator", ns3::PointerValue(BuildPart(UplinkPart("power.policy"), config)));
    }
    aggregator->SetAttribute("Channel", ns3::PointerValue(MakeChannel(config)));
    aggregator->SetAttribute("Fading", ns3::PointerValue(BuildPart(UplinkPart("channel.fading"), config)));
    aggregator->SetAttribute("Links", ns3::PointerValue(links));
    return aggregator;
}

} // namespace wfl
