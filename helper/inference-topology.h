/*
 * The ns-3 network of the inference simulation: K workers and a source
 * node, with IPv4 + TCP, connected by a point-to-point link between every
 * pair of nodes or by one ad-hoc 802.11a channel. Counts the bytes every
 * device transmits and the packets receivers drop.
 */
#ifndef WFL_INFERENCE_TOPOLOGY_H
#define WFL_INFERENCE_TOPOLOGY_H

#include "inference-sim.h"

#include "ns3/error-model.h"
#include "ns3/ipv4-address.h"
#include "ns3/node-container.h"

#include <cstdint>
#include <map>
#include <vector>

namespace wfl
{

/// Filled by device traces while the simulation runs.
struct LinkCounters
{
    /// [from][to]: p2p bytes `from` transmitted on the (from, to) link;
    /// wifi: [n][n] bytes node n transmitted. Whole run, connection set-up included.
    std::vector<std::vector<uint64_t>> wireBytes;
    uint64_t streamWireBytes = 0; ///< all devices, from the first request on
    uint64_t phyRxDrops = 0;
    bool counting = false; ///< true from the first request on
};

struct InferenceTopology
{
    ns3::NodeContainer nodes; ///< 0 .. K-1 workers, K the source
    /// peer[from][to]: the address of `to` that `from` reaches it at
    /// (p2p: its end of their link; wifi: its only address).
    std::vector<std::vector<ns3::Ipv4Address>> peer;
    std::map<uint32_t, int> owner; ///< Ipv4Address::Get() -> node index
    double wifiRateMbps = 0;
    /// Every receiver's loss model; created disabled (connections are set up
    /// loss-free before the stream), enabled by EnableLoss.
    std::vector<ns3::Ptr<ns3::ErrorModel>> lossModels;

    void EnableLoss() const;
};

/**
 * Create `nodeCount` nodes and the network config.network asks for; every
 * random stream is assigned explicitly from `stream` (and `stream` advanced),
 * so that a run does not depend on earlier runs in the same process.
 * `counters` must outlive the simulation.
 */
InferenceTopology BuildInferenceTopology(const InferenceSimConfig& config,
                                         int nodeCount,
                                         LinkCounters& counters,
                                         int64_t& stream);

} // namespace wfl

#endif
