/*
 * Parallel inference of a restructured network over an ns-3 network
 * (issue 11, item 4): K worker nodes and a source node, connected by
 * point-to-point links or one ad-hoc 802.11a channel; activations travel as
 * TCP byte streams. Semantics, transport and pipelining: docs/repurpose.md,
 * section "Inference over ns-3".
 */
#ifndef WFL_INFERENCE_SIM_H
#define WFL_INFERENCE_SIM_H

#include "repurpose-traffic.h"

#include <cstdint>
#include <string>
#include <vector>

namespace wfl
{

struct InferenceSimConfig
{
    /// p2p: a dedicated point-to-point link between every pair of nodes
    /// (K workers + source); wifi: one ad-hoc 802.11a channel shared by all nodes.
    std::string network = "p2p";       ///< key inference.network
    double rateMbps = 100;             ///< p2p data rate; wifi: the closest 802.11a rate (inference.rate-mbps)
    double delayUs = 50;               ///< p2p propagation delay (inference.delay-us)
    double lossRate = 0;               ///< packet loss probability per receiver, [0, 1) (inference.loss-rate)
    double deviceGflops = 1.0;         ///< each worker's compute speed (inference.device-gflops)
    uint32_t requests = 1;             ///< inferences in a stream (inference.requests)
    double requestIntervalS = 0;       ///< 0: closed loop; > 0: one request every interval (inference.request-interval-s)
    /// Width of the network's last layer (logits in total). Each worker returns
    /// the logits of its own last-layer neurons: traffic.layers.back().neurons
    /// when the traffic gives them (then they must add up to this), else
    /// balanced blocks (BalancedCapacities) (inference.output-classes).
    uint32_t outputClasses = 10;
    uint64_t seed = 1;                 ///< ns-3 run number (RngSeedManager seed 1) (inference.seed)
    double tcpMinRtoMs = 200;          ///< TCP minimum retransmission timeout, Linux's default (inference.tcp-min-rto-ms)
};

struct InferenceSimResult
{
    std::vector<double> latencyS; ///< per request: source's first send -> last logit at the source
    double meanLatencyS = 0;
    double p95LatencyS = 0;       ///< nearest rank: sorted[ceil(0.95 n) - 1]
    double throughputPerS = 0;    ///< requests / (last completion - first issue)
    uint64_t payloadBytesPerInference = 0; ///< application bytes received (activations + logits) / requests
    /// Bytes every device put on the medium from the first request to the end
    /// (1 s after the last completion, for delayed ACKs) / requests.
    uint64_t wireBytesPerInference = 0;
    /// [from node][to node] (node K = source), application bytes the receiver counted, whole run.
    std::vector<std::vector<uint64_t>> payloadBytes;
    /// [from node][to node], bytes the p2p device of `from` on the (from, to)
    /// link transmitted (PPP + IP + TCP headers, data and ACKs, retransmissions);
    /// wifi: on the diagonal [n][n] the bytes node n transmitted (MAC frames incl. ACKs).
    /// Whole run: TCP handshakes (before the first request) included.
    std::vector<std::vector<uint64_t>> wireBytes;
    uint64_t crossPayloadBytesPerInference = 0;  ///< worker -> worker
    uint64_t sourcePayloadBytesPerInference = 0; ///< source -> worker
    uint64_t logitBytesPerInference = 0;         ///< worker -> source
    uint64_t retransmittedSegments = 0; ///< TCP data segments sent again (whole run)
    uint64_t phyRxDrops = 0;            ///< receive drops (p2p: the loss model; wifi: any PHY reason)
    double wifiRateMbps = 0;            ///< 802.11a rate used (wifi only)
    double makespanS = 0;               ///< first issue -> last completion
};

/// @throws InputError naming the inference.* key and its accepted range.
void ValidateInferenceConfig(const InferenceSimConfig& config);

/// The 802.11a OFDM rate (6, 9, ..., 54 Mb/s) closest to rateMbps; the lower one on a tie.
double ClosestWifiRateMbps(double rateMbps);

/**
 * Run `config.requests` inferences of the network whose per-inference traffic
 * is `traffic` over K = `workers` workers. Deterministic under config.seed;
 * calls Simulator::Destroy before returning, so runs can follow in one process.
 * @throws InputError for a bad config; std::invalid_argument if the traffic
 * does not have K workers; std::runtime_error if the network stalls (TCP gave up).
 */
InferenceSimResult SimulateInference(const NetworkTraffic& traffic, int workers, const InferenceSimConfig& config);

} // namespace wfl

#endif
