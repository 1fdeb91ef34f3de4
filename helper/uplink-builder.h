/*
 * Builds the uplink a scenario asks for: client positions (ns-3 mobility),
 * path loss, fading, the multiple-access channel and the aggregation stage.
 */
#ifndef WFL_UPLINK_BUILDER_H
#define WFL_UPLINK_BUILDER_H

#include "aggregator.h"
#include "scenario-config.h"

#include "ns3/node-container.h"

namespace wfl
{

/**
 * Install mobility on the server (at the origin) and the clients (fixed
 * positions, or a uniform drop in the cell from the stream "positions"), and
 * return the aggregator for config.codingScheme.
 * @throws InputError for an unknown path-loss model or a wrong position count.
 */
ns3::Ptr<Aggregator> BuildUplink(const ScenarioConfig& config,
                                 ns3::Ptr<ns3::Node> server,
                                 const ns3::NodeContainer& clients);

/// Noise power per complex channel use the configuration implies, W (NaN for ideal).
double ConfiguredNoisePowerW(const ScenarioConfig& config);

} // namespace wfl

#endif
