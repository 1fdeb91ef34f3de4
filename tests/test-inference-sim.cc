// Tests of the inference simulation over ns-3 (helper/inference-sim.h):
// bytes per (from, to) pair against the traffic, latency against analytic
// oracles, block-diagonal traffic, determinism, Wi-Fi, bad configuration.

#include "inference-sim.h"
#include "input-error.h"
#include "repurpose.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace wfl;

namespace
{

/// counts[l][k][p]: activations worker k needs from node p (p = K: source) for layer l.
using Counts = std::vector<std::vector<std::vector<int>>>;

/// A synthetic traffic: needs lists 0..n-1 of the given sizes, flops[l][k].
NetworkTraffic
MakeTraffic(const Counts& counts, const std::vector<std::vector<double>>& flops)
{
    NetworkTraffic t;
    const size_t k = counts[0].size();
    t.flops.assign(k, 0.0);
    for (size_t l = 0; l < counts.size(); ++l)
    {
        LayerTraffic layer;
        layer.needs.assign(k, std::vector<std::vector<int>>(k + 1));
        for (size_t w = 0; w < k; ++w)
        {
            for (size_t p = 0; p <= k; ++p)
            {
                for (int j = 0; j < counts[l][w][p]; ++j)
                {
                    layer.needs[w][p].push_back(j);
                }
                (p == k ? layer.sourceActivations : layer.crossActivations) += counts[l][w][p];
            }
            t.flops[w] += flops[l][w];
        }
        layer.flops = flops[l];
        t.crossActivations += layer.crossActivations;
        t.sourceActivations += layer.sourceActivations;
        t.layers.push_back(layer);
    }
    return t;
}

/// Expected application bytes [from][to] for `requests` inferences.
std::vector<std::vector<uint64_t>>
ExpectedBytes(const NetworkTraffic& t, const std::vector<int>& logits, uint64_t requests)
{
    const size_t k = logits.size();
    std::vector<std::vector<uint64_t>> bytes(k + 1, std::vector<uint64_t>(k + 1, 0));
    for (const auto& layer : t.layers)
    {
        for (size_t w = 0; w < k; ++w)
        {
            for (size_t p = 0; p <= k; ++p)
            {
                bytes[p][w] += requests * kActivationBytes * layer.needs[w][p].size();
            }
        }
    }
    for (size_t w = 0; w < k; ++w)
    {
        bytes[w][k] += requests * kActivationBytes * static_cast<uint64_t>(logits[w]);
    }
    return bytes;
}

/// K = 3, three layers, source-fed layer 0, uneven cross needs with some zeros.
NetworkTraffic
ThreeWorkerTraffic()
{
    const Counts counts = {
        {{0, 0, 0, 50}, {0, 0, 0, 30}, {0, 0, 0, 700}},     // layer 0: from the source only
        {{0, 3, 0, 0}, {400, 0, 17, 0}, {1, 0, 0, 0}},      // layer 1
        {{0, 9, 2, 0}, {0, 0, 0, 0}, {600, 5, 0, 0}},       // layer 2
    };
    return MakeTraffic(counts, {{1e4, 2e4, 3e4}, {5e3, 5e3, 5e3}, {1e3, 1e3, 2e3}});
}

} // namespace

// The bytes the receivers counted equal 4 x the needed activations per
// (from, to) pair, and the logits (10 classes over K = 3: 4, 3, 3) go to the
// source. Break tried: one activation fewer in every worker-to-worker message
// (SendOutputs): the receivers' stream parser runs out of step and the run
// fails; the pair check compares exact byte counts, so the smallest error
// caught is one byte on one pair.
TEST(InferenceSim, ReceivedBytesMatchTrafficPerPair)
{
    const NetworkTraffic t = ThreeWorkerTraffic();
    InferenceSimConfig c;
    c.requests = 3;
    const InferenceSimResult r = SimulateInference(t, 3, c);
    const auto expected = ExpectedBytes(t, {4, 3, 3}, 3);
    EXPECT_EQ(r.payloadBytes, expected);
    EXPECT_EQ(r.crossPayloadBytesPerInference, static_cast<uint64_t>(t.CrossBytes()));
    EXPECT_EQ(r.sourcePayloadBytesPerInference, static_cast<uint64_t>(t.SourceBytes()));
    EXPECT_EQ(r.logitBytesPerInference, 40U);
    EXPECT_EQ(r.payloadBytesPerInference, static_cast<uint64_t>(t.CrossBytes() + t.SourceBytes() + 40));
    EXPECT_GT(r.wireBytesPerInference, r.payloadBytesPerInference);
    EXPECT_EQ(r.latencyS.size(), 3U);
}

// The same for the traffic CountTraffic derives from a restructured network
// (naive split of a random 12-8-6-4 stack, input split over the workers, so
// layer 0 is sent worker to worker): the issue's "traffic bytes computed from
// the mask match what the ns-3 links carried". The last layer's neurons per
// worker (2, 1, 1) are the logits each worker reports.
TEST(InferenceSim, ReceivedBytesMatchRestructuredNetwork)
{
    DenseStack net;
    const std::vector<int> widths = {12, 8, 6, 4};
    for (size_t l = 0; l + 1 < widths.size(); ++l)
    {
        DenseLayer layer;
        layer.weights = Eigen::MatrixXd::Ones(widths[l + 1], widths[l]);
        layer.bias = Eigen::VectorXd::Zero(widths[l + 1]);
        net.push_back(layer);
    }
    RepurposeConfig rc;
    rc.workers = 3;
    rc.input = InputPlacement::kSplit;
    const NetworkTraffic t = CountTraffic(NaiveSplit(net, rc));
    ASSERT_GT(t.crossActivations, 0);
    InferenceSimConfig c;
    c.outputClasses = 4;
    c.requests = 2;
    const InferenceSimResult r = SimulateInference(t, 3, c);
    EXPECT_EQ(r.payloadBytes, ExpectedBytes(t, t.layers.back().neurons, 2));
    EXPECT_EQ(r.sourcePayloadBytesPerInference, 0U);
    c.outputClasses = 10; // does not match the 4 output neurons
    EXPECT_THROW(SimulateInference(t, 3, c), InputError);
}

// Compute-bound: zero delay, 100 Gb/s, every worker needs 2 activations from
// every other worker at every layer (all-to-all), so each layer starts when
// the slowest worker of the previous one is done. Oracle: latency = sum over
// layers of max_k flops / speed (here 3 + 6 + 2 = 11 ms). The network adds
// L + 1 = 4 hops on the critical path, each one segment of at most
// 16 + 64 bytes (payload + headers, 54 of them: PPP 2, IPv4 20, TCP 32 with
// timestamps): 4 * 80 * 8 / 1e11 s = 25.6 ns, plus 1 ns of rounding per event
// (8). Tolerance 40 ns. Break tried: every compute time 1e-5 (relative) too
// short, 110 ns below the oracle, fails (a worker that did not wait for the
// slowest, i.e. a mean instead of a max, would be 3.7 ms off). Smallest error
// caught 40 ns, 4e-6 relative.
TEST(InferenceSim, ComputeBoundLatencyIsSumOfSlowestWorkers)
{
    const int k = 3;
    Counts counts(3, std::vector<std::vector<int>>(k, std::vector<int>(k + 1, 2)));
    for (int l = 0; l < 3; ++l)
    {
        for (int w = 0; w < k; ++w)
        {
            counts[l][w][w] = 0;
            counts[l][w][k] = l == 0 ? 4 : 0; // 16 bytes from the source at layer 0 only
        }
    }
    const NetworkTraffic t = MakeTraffic(counts, {{1e6, 3e6, 2e6}, {6e6, 1e6, 1e6}, {2e6, 2e6, 0.5e6}});
    InferenceSimConfig c;
    c.rateMbps = 1e5;
    c.delayUs = 0;
    c.deviceGflops = 1.0;
    c.requests = 2;
    const InferenceSimResult r = SimulateInference(t, k, c);
    const double oracle = 11e-3;
    for (double latency : r.latencyS)
    {
        EXPECT_GE(latency, oracle);
        EXPECT_LE(latency, oracle + 40e-9);
    }
}

// Network-bound: compute ~0 (1e15 GFLOP/s), 10 Mb/s, 50 us per link.
// K = 2, two layers, 5 logits per worker. Critical path: source -> worker 0
// (400 activations, 1600 B in 2 segments), worker 0 -> worker 1 (300, 1200 B,
// 1 segment), worker 1 -> source (5 logits, 20 B, 1 segment); the other
// messages (source -> 1: 400 B, 1 -> 0: 40 B, 0 -> source) run in parallel
// on other links and arrive earlier. Oracle: payload bytes * 8 / rate + 3
// delays = 2820 * 8 / 1e7 + 150 us = 2.406 ms. Headers add 54 B per segment
// (4 segments): exactly 172.8 us; checked to 100 ns (ns rounding of each
// transmission). Break tried: each link's delay 40 ns short (120 ns on the
// path) fails; smallest error caught 100 ns, i.e. 1.25 bytes at 10 Mb/s.
TEST(InferenceSim, NetworkBoundLatencyIsSerialisationPlusDelays)
{
    const Counts counts = {
        {{0, 0, 400}, {0, 0, 100}},
        {{0, 10, 0}, {300, 0, 0}},
    };
    const NetworkTraffic t = MakeTraffic(counts, {{1e6, 1e6}, {1e6, 1e6}});
    InferenceSimConfig c;
    c.rateMbps = 10;
    c.delayUs = 50;
    c.deviceGflops = 1e15;
    const InferenceSimResult r = SimulateInference(t, 2, c);
    const double rate = 10e6;
    const double payloadOracle = (1600 + 1200 + 20) * 8 / rate + 3 * 50e-6;
    const double headerBytes = 54;
    const double headers = 4 * headerBytes * 8 / rate;
    ASSERT_EQ(r.latencyS.size(), 1U);
    EXPECT_GE(r.latencyS[0], payloadOracle);
    EXPECT_LE(r.latencyS[0], payloadOracle + 4 * 64 * 8 / rate); // any header <= 64 B
    EXPECT_NEAR(r.latencyS[0], payloadOracle + headers, 100e-9);
}

// Block-diagonal: workers need only the source's input; no worker-to-worker
// connection is opened, so not a byte crosses between workers, not even a TCP
// handshake (the per-pair wire matrix counts the whole run). Break tried:
// opening a connection for every worker pair regardless of the traffic:
// 170 wire bytes (the handshake) per pair, fails.
TEST(InferenceSim, BlockDiagonalSendsNoCrossWorkerPackets)
{
    const Counts counts = {
        {{0, 0, 0, 100}, {0, 0, 0, 100}, {0, 0, 0, 100}},
        {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}},
    };
    const NetworkTraffic t = MakeTraffic(counts, {{1e5, 1e5, 1e5}, {1e4, 1e4, 1e4}});
    InferenceSimConfig c;
    c.requests = 2;
    const InferenceSimResult r = SimulateInference(t, 3, c);
    EXPECT_EQ(r.crossPayloadBytesPerInference, 0U);
    for (int from = 0; from < 3; ++from)
    {
        for (int to = 0; to < 3; ++to)
        {
            EXPECT_EQ(r.payloadBytes[from][to], 0U);
            EXPECT_EQ(r.wireBytes[from][to], 0U) << from << " -> " << to;
        }
    }
    EXPECT_EQ(r.sourcePayloadBytesPerInference, 1200U);
}

// Same seed, same everything (two runs in one process, with 5% loss so that
// random streams matter); another seed gives another loss pattern. TCP
// delivers every byte despite the loss. Break tried: leaving the loss models'
// streams to ns-3's automatic assignment (a process-wide counter): the second
// run draws other losses and the latencies differ.
TEST(InferenceSim, DeterministicUnderSeed)
{
    const NetworkTraffic t = ThreeWorkerTraffic();
    for (const std::string network : {"p2p", "wifi"})
    {
        InferenceSimConfig c;
        c.network = network;
        c.lossRate = 0.05;
        c.requests = 6;
        const InferenceSimResult a = SimulateInference(t, 3, c);
        const InferenceSimResult b = SimulateInference(t, 3, c);
        EXPECT_EQ(a.latencyS, b.latencyS) << network;
        EXPECT_EQ(a.wireBytes, b.wireBytes) << network;
        EXPECT_EQ(a.retransmittedSegments, b.retransmittedSegments) << network;
        EXPECT_EQ(a.payloadBytes, ExpectedBytes(t, {4, 3, 3}, 6)) << network;
        EXPECT_GT(a.phyRxDrops, 0U) << network;
        c.seed = 2;
        const InferenceSimResult other = SimulateInference(t, 3, c);
        EXPECT_NE(a.latencyS, other.latencyS) << network;
    }
}

// Wi-Fi carries the same payload as point-to-point, at the closest 802.11a rate.
TEST(InferenceSim, WifiCarriesSamePayload)
{
    const NetworkTraffic t = ThreeWorkerTraffic();
    InferenceSimConfig c;
    c.requests = 2;
    const InferenceSimResult p2p = SimulateInference(t, 3, c);
    c.network = "wifi";
    const InferenceSimResult wifi = SimulateInference(t, 3, c);
    EXPECT_EQ(wifi.payloadBytes, p2p.payloadBytes);
    EXPECT_EQ(wifi.wifiRateMbps, 54.0);
    EXPECT_GT(wifi.meanLatencyS, p2p.meanLatencyS); // 54 Mb/s shared against 100 Mb/s per link
    EXPECT_EQ(ClosestWifiRateMbps(10), 9.0);
    EXPECT_EQ(ClosestWifiRateMbps(10.5), 9.0); // tie -> lower
    EXPECT_EQ(ClosestWifiRateMbps(1000), 54.0);
    EXPECT_EQ(ClosestWifiRateMbps(0.1), 6.0);
}

// Open-loop stream: one request every interval, longer than a latency, so no
// request waits: makespan = (R - 1) * interval + the last latency, and all
// latencies are equal (no loss). Closed loop: throughput = 1 / mean latency.
TEST(InferenceSim, StreamThroughput)
{
    const NetworkTraffic t = ThreeWorkerTraffic();
    InferenceSimConfig c;
    c.requests = 4;
    const InferenceSimResult closed = SimulateInference(t, 3, c);
    EXPECT_NEAR(closed.throughputPerS, 1.0 / closed.meanLatencyS, 1e-9 / closed.meanLatencyS);
    c.requestIntervalS = 0.01;
    const InferenceSimResult open = SimulateInference(t, 3, c);
    EXPECT_NEAR(open.makespanS, 3 * 0.01 + open.latencyS.back(), 1e-9);
    EXPECT_NEAR(open.p95LatencyS, open.latencyS[0], 1e-6 * open.latencyS[0]);
    // Requests closer than a latency overlap: throughput beats the closed loop.
    c.requestIntervalS = closed.meanLatencyS / 4;
    const InferenceSimResult piped = SimulateInference(t, 3, c);
    EXPECT_GT(piped.throughputPerS, closed.throughputPerS);
    EXPECT_EQ(piped.payloadBytes, closed.payloadBytes);
}

namespace
{

/// The message of the InputError `config` raises.
std::string
ConfigError(const InferenceSimConfig& config)
{
    try
    {
        SimulateInference(ThreeWorkerTraffic(), 3, config);
    }
    catch (const InputError& e)
    {
        return e.what();
    }
    return "no error";
}

} // namespace

TEST(InferenceSim, BadConfigNamesKeyAndRange)
{
    InferenceSimConfig c;
    c.rateMbps = -1;
    EXPECT_EQ(ConfigError(c), "inference.rate-mbps = -1: expected a number in (0, 1e+06]");
    c = {};
    c.lossRate = 1;
    EXPECT_EQ(ConfigError(c), "inference.loss-rate = 1: expected a number in [0, 1)");
    c = {};
    c.network = "lte";
    EXPECT_EQ(ConfigError(c), "inference.network = lte: expected p2p or wifi");
    c = {};
    c.delayUs = -5;
    EXPECT_NE(ConfigError(c).find("inference.delay-us"), std::string::npos);
    c = {};
    c.deviceGflops = 0;
    EXPECT_NE(ConfigError(c).find("inference.device-gflops"), std::string::npos);
    c = {};
    c.requests = 0;
    EXPECT_NE(ConfigError(c).find("inference.requests"), std::string::npos);
    c = {};
    c.requestIntervalS = -1;
    EXPECT_NE(ConfigError(c).find("inference.request-interval-s"), std::string::npos);
    c = {};
    c.outputClasses = 0;
    EXPECT_NE(ConfigError(c).find("inference.output-classes"), std::string::npos);
}

// Without loss TCP never retransmits, even when the stream overloads the
// links and messages queue for tens of ms. Break tried: the receivers'
// delayed-ACK timeout back at ns-3's 200 ms (= the minimum RTO): spurious
// timeouts, retransmissions > 0, fails.
TEST(InferenceSim, NoRetransmissionsWithoutLoss)
{
    const NetworkTraffic t = ThreeWorkerTraffic();
    InferenceSimConfig c;
    c.rateMbps = 10;
    c.requests = 40;
    c.requestIntervalS = 0.001;
    const InferenceSimResult r = SimulateInference(t, 3, c);
    EXPECT_EQ(r.retransmittedSegments, 0U);
    EXPECT_EQ(r.phyRxDrops, 0U);
    EXPECT_GT(r.p95LatencyS, 10 * r.latencyS[0]); // the queue did build up
    EXPECT_EQ(r.payloadBytes, ExpectedBytes(t, {4, 3, 3}, 40));
}
