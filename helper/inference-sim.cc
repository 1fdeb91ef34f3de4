#include "inference-sim.h"

#include "inference-run.h"
#include "input-error.h"

#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

namespace wfl
{
namespace
{

/// Ends the simulation (Simulator::Destroy) however the run leaves, so that
/// the next run in this process starts from an empty simulator.
struct DestroyOnExit
{
    ~DestroyOnExit()
    {
        ns3::Simulator::Destroy();
    }
};

/// Each layer gives every worker a needs list per node (K workers + source) and a FLOP count.
void
CheckTraffic(const NetworkTraffic& traffic, int workers)
{
    if (workers < 1)
    {
        throw std::invalid_argument("SimulateInference: workers = " + std::to_string(workers) + " (expected >= 1)");
    }
    if (traffic.layers.empty())
    {
        throw std::invalid_argument("SimulateInference: the traffic has no layers");
    }
    const size_t k = static_cast<size_t>(workers);
    for (size_t l = 0; l < traffic.layers.size(); ++l)
    {
        const LayerTraffic& t = traffic.layers[l];
        bool ok = t.needs.size() == k && t.flops.size() == k && (t.neurons.empty() || t.neurons.size() == k);
        for (size_t w = 0; ok && w < k; ++w)
        {
            ok = t.needs[w].size() == k + 1 && t.needs[w][w].empty() && t.flops[w] >= 0;
        }
        if (!ok)
        {
            throw std::invalid_argument("SimulateInference: layer " + std::to_string(l) + " of the traffic is not for " +
                                        std::to_string(workers) + " workers");
        }
    }
}

} // namespace

double
ClosestWifiRateMbps(double rateMbps)
{
    static const std::array<double, 8> kRates = {6, 9, 12, 18, 24, 36, 48, 54};
    double best = kRates[0];
    for (double r : kRates)
    {
        best = std::abs(r - rateMbps) < std::abs(best - rateMbps) ? r : best;
    }
    return best;
}

void
ValidateInferenceConfig(const InferenceSimConfig& c)
{
    if (c.network != "p2p" && c.network != "wifi")
    {
        throw InputError("inference.network = " + c.network + ": expected p2p or wifi");
    }
    RequireRange("inference.rate-mbps", c.rateMbps, 0, 1e6, true, false);
    RequireRange("inference.delay-us", c.delayUs, 0, 1e7, false, false);
    RequireRange("inference.loss-rate", c.lossRate, 0, 1, false, true);
    RequireRange("inference.device-gflops", c.deviceGflops, 0, 1e15, true, false);
    RequireRange("inference.requests", c.requests, 1, 1e6, false, false);
    RequireRange("inference.request-interval-s", c.requestIntervalS, 0, 1e6, false, false);
    RequireRange("inference.output-classes", c.outputClasses, 1, 1e6, false, false);
    RequireRange("inference.tcp-min-rto-ms", c.tcpMinRtoMs, 1, 1e5, false, false);
}

InferenceSimResult
SimulateInference(const NetworkTraffic& traffic, int workers, const InferenceSimConfig& config)
{
    ValidateInferenceConfig(config);
    CheckTraffic(traffic, workers);
    DestroyOnExit destroy;
    ns3::RngSeedManager::SetSeed(1);
    ns3::RngSeedManager::SetRun(config.seed);
    InferenceRun run(traffic, workers, config);
    run.Run();
    return run.Result();
}

} // namespace wfl
