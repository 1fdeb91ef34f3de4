#include "inference-keys.h"

#include "inference-sim.h"
#include "key-parsing.h"
#include "shortest-double.h"

#include <sstream>

namespace wfl
{
namespace
{

using C = RepurposeToolConfig;

RepurposeToolKey
RealKey(std::string name, std::string unit, double lo, double hi, bool lowOpen, double InferenceSimConfig::*field,
        std::string help)
{
    const std::string range = std::string(lowOpen ? "(" : "[") + ShortestDouble(lo) + ", " + ShortestDouble(hi) + "]";
    RepurposeToolKey key{name, std::move(unit), range, std::move(help), nullptr, nullptr};
    key.apply = [name, lo, hi, lowOpen, field](const std::string& text, C& c) {
        c.inference.*field = ParseRealKey(name, text, lo, hi, lowOpen);
    };
    key.show = [field](const C& c) { return ShortestDouble(c.inference.*field); };
    return key;
}

/// The list of link rates: one simulation per rate and row (empty = none).
RepurposeToolKey
RatesKey()
{
    const std::string name = "inference.rate-mbps";
    RepurposeToolKey key{name, "Mb/s", "empty or comma-separated numbers in (0, 1e+06]",
                         "link rates to simulate every restructured network on (p2p rate; wifi: the closest "
                         "802.11a rate); one latency column per rate; empty = no simulation",
                         nullptr, nullptr};
    key.apply = [name](const std::string& raw, C& c) {
        std::vector<double> rates;
        std::stringstream items(raw);
        std::string item;
        while (!TrimKey(raw).empty() && std::getline(items, item, ','))
        {
            rates.push_back(ParseRealKey(name, item, 0.0, 1e6, true));
        }
        c.rates = rates;
    };
    key.show = [](const C& c) {
        std::string text;
        for (double r : c.rates)
        {
            text += (text.empty() ? "" : ",") + ShortestDouble(r);
        }
        return text;
    };
    return key;
}

RepurposeToolKey
UnsignedKey(std::string name, std::string unit, uint64_t lo, uint64_t hi, std::function<uint64_t&(C&)> wide,
            std::function<uint32_t&(C&)> narrow, std::string help)
{
    RepurposeToolKey key{name, std::move(unit), "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
                         std::move(help), nullptr, nullptr};
    key.apply = [=](const std::string& text, C& c) {
        const uint64_t v = ParseUnsignedKey(name, text, lo, hi);
        wide ? wide(c) = v : narrow(c) = static_cast<uint32_t>(v);
    };
    key.show = [=](const C& c) {
        C& m = const_cast<C&>(c);
        return std::to_string(wide ? wide(m) : narrow(m));
    };
    return key;
}

} // namespace

void
AddInferenceToolKeys(std::vector<RepurposeToolKey>& keys)
{
    keys.push_back(RatesKey());
    RepurposeToolKey network{"inference.network", "", "p2p | wifi",
                             "p2p: a point-to-point link between every pair of nodes (K workers + source); "
                             "wifi: one ad-hoc 802.11a channel shared by all",
                             nullptr, nullptr};
    network.apply = [](const std::string& raw, C& c) {
        const std::string text = TrimKey(raw);
        if (text != "p2p" && text != "wifi")
        {
            RejectKey("inference.network", raw, "one of p2p | wifi");
        }
        c.inference.network = text;
    };
    network.show = [](const C& c) { return c.inference.network; };
    keys.push_back(network);
    keys.push_back(RealKey("inference.delay-us", "us", 0.0, 1e7, false, &InferenceSimConfig::delayUs,
                           "p2p propagation delay of every link"));
    keys.push_back(RealKey("inference.loss-rate", "", 0.0, 0.999999, false, &InferenceSimConfig::lossRate,
                           "packet loss probability at every receiver (TCP retransmits)"));
    keys.push_back(RealKey("inference.device-gflops", "GFLOP/s", 0.0, 1e15, true, &InferenceSimConfig::deviceGflops,
                           "each worker's compute speed: a layer block takes its FLOPs / this"));
    keys.push_back(UnsignedKey("inference.requests", "requests", 1, 1000000, nullptr,
                               [](C& c) -> uint32_t& { return c.inference.requests; },
                               "inferences simulated per row and rate (latency mean and p95 over them)"));
    keys.push_back(RealKey("inference.request-interval-s", "s", 0.0, 1e6, false, &InferenceSimConfig::requestIntervalS,
                           "0: closed loop (a request when the previous one completes); else one every interval"));
    keys.push_back(UnsignedKey("inference.seed", "", 0, 1000000000, [](C& c) -> uint64_t& { return c.inference.seed; },
                               nullptr, "ns-3 run number of the simulation's random streams (loss, Wi-Fi backoff)"));
    keys.push_back(RealKey("inference.tcp-min-rto-ms", "ms", 1.0, 1e5, false, &InferenceSimConfig::tcpMinRtoMs,
                           "TCP minimum retransmission timeout (Linux: 200)"));
}

} // namespace wfl
