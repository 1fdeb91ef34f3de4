#include "inference-run.h"

#include "input-error.h"
#include "repurpose-network.h"

#include "ns3/nstime.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace wfl
{
namespace
{

/// Simulated time after the last request to let delayed ACKs go out.
constexpr double kDrainS = 1.0;

} // namespace

InferenceRun::InferenceRun(const NetworkTraffic& traffic, int workers, const InferenceSimConfig& config)
    : m_traffic(traffic),
      m_workers(workers),
      m_layers(static_cast<int>(traffic.layers.size())),
      m_config(config)
{
    const size_t k = static_cast<size_t>(workers);
    const auto& last = traffic.layers.back().neurons;
    const int classes = static_cast<int>(config.outputClasses);
    m_logits = last.size() == k ? last : BalancedCapacities(classes, workers);
    const int total = std::accumulate(m_logits.begin(), m_logits.end(), 0);
    if (total != classes)
    {
        throw InputError("inference.output-classes = " + std::to_string(classes) +
                         ": the traffic's last layer has " + std::to_string(total) + " neurons");
    }
    m_needCount.assign(k, std::vector<int>(static_cast<size_t>(m_layers), 0));
    for (int w = 0; w < workers; ++w)
    {
        for (int l = 0; l < m_layers; ++l)
        {
            for (int p = 0; p <= workers; ++p)
            {
                m_needCount[static_cast<size_t>(w)][static_cast<size_t>(l)] += Needs(l, w, p).empty() ? 0 : 1;
            }
        }
    }
    const size_t requests = config.requests;
    m_received.assign(k, std::vector<uint32_t>(requests * static_cast<size_t>(m_layers), 0));
    m_state.assign(k, Worker{});
    m_issued.assign(requests, false);
    m_issueTime.assign(requests, 0.0);
    m_logitsArrived.assign(requests, 0);
    m_latency.assign(requests, 0.0);
    m_logitSenders = static_cast<int>(std::count_if(m_logits.begin(), m_logits.end(), [](int n) { return n > 0; }));
    m_payload.assign(k + 1, std::vector<uint64_t>(k + 1, 0));
}

const std::vector<int>&
InferenceRun::Needs(int layer, int worker, int from) const
{
    return m_traffic.layers[static_cast<size_t>(layer)].needs[static_cast<size_t>(worker)][static_cast<size_t>(from)];
}

/// One connection per ordered pair that carries at least one message per request.
void
InferenceRun::BuildConnections()
{
    const int source = m_workers;
    m_connIndex.assign(static_cast<size_t>(source + 1), std::vector<int>(static_cast<size_t>(source + 1), -1));
    for (int from = 0; from <= source; ++from)
    {
        for (int to = 0; to <= source; ++to)
        {
            if (from == to)
            {
                continue;
            }
            Connection c;
            c.from = from;
            c.to = to;
            if (to == source)
            {
                const int n = m_logits[static_cast<size_t>(from)];
                if (n > 0)
                {
                    c.pattern.push_back({m_layers, static_cast<uint64_t>(kActivationBytes) * static_cast<uint64_t>(n)});
                }
            }
            else
            {
                for (int l = 0; l < m_layers; ++l)
                {
                    const size_t n = Needs(l, to, from).size();
                    if (n > 0)
                    {
                        c.pattern.push_back({l, static_cast<uint64_t>(kActivationBytes) * n});
                    }
                }
            }
            if (!c.pattern.empty())
            {
                m_connIndex[static_cast<size_t>(from)][static_cast<size_t>(to)] = static_cast<int>(m_conns.size());
                m_conns.push_back(c);
            }
        }
    }
}

/// Split the byte stream into the messages the pattern predicts.
void
InferenceRun::Consume(Connection& c, uint64_t bytes)
{
    while (bytes > 0)
    {
        if (c.rxRequest >= m_config.requests)
        {
            throw std::logic_error("inference simulation: more bytes than the traffic predicts");
        }
        const Message& m = c.pattern[c.rxIndex];
        const uint64_t take = std::min(bytes, m.bytes - c.rxBytes);
        c.rxBytes += take;
        bytes -= take;
        if (c.rxBytes == m.bytes)
        {
            const uint32_t request = c.rxRequest;
            c.rxBytes = 0;
            if (++c.rxIndex == c.pattern.size())
            {
                c.rxIndex = 0;
                ++c.rxRequest;
            }
            Deliver(c, request, m.layer);
        }
    }
}

void
InferenceRun::Deliver(const Connection& c, uint32_t request, int layer)
{
    if (c.to == m_workers)
    {
        if (++m_logitsArrived[request] == m_logitSenders)
        {
            Complete(request);
        }
        return;
    }
    ++m_received[static_cast<size_t>(c.to)][request * static_cast<size_t>(m_layers) + static_cast<size_t>(layer)];
    TryAdvance(c.to);
}

void
InferenceRun::Issue(uint32_t request)
{
    const double now = ns3::Simulator::Now().GetSeconds();
    if (request == 0)
    {
        m_counters.counting = true;
        m_topo.EnableLoss();
        m_firstIssue = now;
    }
    m_issued[request] = true;
    m_issueTime[request] = now;
    for (int k = 0; k < m_workers; ++k)
    {
        for (int l = 0; l < m_layers; ++l)
        {
            const size_t n = Needs(l, k, m_workers).size();
            if (n > 0)
            {
                Send(m_workers, k, static_cast<uint64_t>(kActivationBytes) * n);
            }
        }
    }
    if (m_config.requestIntervalS > 0 && request + 1 < m_config.requests)
    {
        ns3::Simulator::Schedule(ns3::Seconds(m_config.requestIntervalS), &InferenceRun::Issue, this, request + 1);
    }
    for (int k = 0; k < m_workers; ++k)
    {
        TryAdvance(k);
    }
}

void
InferenceRun::Complete(uint32_t request)
{
    const double now = ns3::Simulator::Now().GetSeconds();
    m_latency[request] = now - m_issueTime[request];
    m_lastCompletion = std::max(m_lastCompletion, now);
    if (++m_completed == m_config.requests)
    {
        ns3::Simulator::Stop(ns3::Seconds(kDrainS));
    }
    else if (m_config.requestIntervalS == 0 && request + 1 < m_config.requests)
    {
        Issue(request + 1);
    }
}

/// Start the worker's next computation if it is idle and has every input.
void
InferenceRun::TryAdvance(int worker)
{
    Worker& w = m_state[static_cast<size_t>(worker)];
    if (w.busy || w.request >= m_config.requests)
    {
        return;
    }
    if (!w.started)
    {
        if (!m_issued[w.request])
        {
            return;
        }
        w.started = true;
        SendOutputs(worker, -1); // the inputs this worker holds (split input)
    }
    const size_t l = static_cast<size_t>(w.layer);
    if (m_received[static_cast<size_t>(worker)][w.request * static_cast<size_t>(m_layers) + l] <
        static_cast<uint32_t>(m_needCount[static_cast<size_t>(worker)][l]))
    {
        return;
    }
    w.busy = true;
    // FLOPs / (GFLOP/s) = nanoseconds.
    const double ns = m_traffic.layers[l].flops[static_cast<size_t>(worker)] / m_config.deviceGflops;
    ns3::Simulator::Schedule(ns3::Seconds(ns * 1e-9), &InferenceRun::FinishCompute, this, worker);
}

void
InferenceRun::FinishCompute(int worker)
{
    Worker& w = m_state[static_cast<size_t>(worker)];
    w.busy = false;
    SendOutputs(worker, w.layer);
    if (++w.layer == m_layers)
    {
        w.layer = 0;
        w.started = false;
        ++w.request;
    }
    TryAdvance(worker);
}

/// After computing `layer` (-1: at the start of a request), send every other
/// worker the activations it needs for layer + 1; after the last layer, the logits.
void
InferenceRun::SendOutputs(int worker, int layer)
{
    if (layer + 1 == m_layers)
    {
        const int n = m_logits[static_cast<size_t>(worker)];
        if (n > 0)
        {
            Send(worker, m_workers, static_cast<uint64_t>(kActivationBytes) * static_cast<uint64_t>(n));
        }
        return;
    }
    for (int j = 0; j < m_workers; ++j)
    {
        const size_t n = j == worker ? 0 : Needs(layer + 1, j, worker).size();
        if (n > 0)
        {
            Send(worker, j, static_cast<uint64_t>(kActivationBytes) * n);
        }
    }
}

void
InferenceRun::Run()
{
    int64_t stream = 0;
    m_topo = BuildInferenceTopology(m_config, m_workers + 1, m_counters, stream);
    BuildConnections();
    // After the nodes' Initialize events (scheduled at time 0 when they were created).
    ns3::Simulator::Schedule(ns3::Seconds(0), &InferenceRun::OpenConnections, this);
    ns3::Simulator::Run();
    if (m_completed < m_config.requests)
    {
        throw std::runtime_error("inference simulation stalled: " + std::to_string(m_completed) + " of " +
                                 std::to_string(m_config.requests) + " requests completed");
    }
}

InferenceSimResult
InferenceRun::Result() const
{
    InferenceSimResult r;
    const uint64_t requests = m_config.requests;
    r.latencyS = m_latency;
    std::vector<double> sorted = m_latency;
    std::sort(sorted.begin(), sorted.end());
    r.meanLatencyS = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(requests);
    // Nearest rank: the smallest latency with at least 95% of requests at or below it.
    const auto rank = static_cast<size_t>(std::ceil(0.95 * static_cast<double>(requests)));
    r.p95LatencyS = sorted[std::max<size_t>(rank, 1) - 1];
    r.makespanS = m_lastCompletion - m_firstIssue;
    r.throughputPerS = static_cast<double>(requests) / r.makespanS;
    r.payloadBytes = m_payload;
    r.wireBytes = m_counters.wireBytes;
    uint64_t cross = 0;
    uint64_t source = 0;
    uint64_t logits = 0;
    const size_t k = static_cast<size_t>(m_workers);
    for (size_t from = 0; from <= k; ++from)
    {
        for (size_t to = 0; to <= k; ++to)
        {
            const uint64_t b = m_payload[from][to];
            (from == k ? source : (to == k ? logits : cross)) += b;
        }
    }
    r.crossPayloadBytesPerInference = cross / requests;
    r.sourcePayloadBytesPerInference = source / requests;
    r.logitBytesPerInference = logits / requests;
    r.payloadBytesPerInference = (cross + source + logits) / requests;
    r.wireBytesPerInference = m_counters.streamWireBytes / requests;
    r.retransmittedSegments = m_retransmitted;
    r.phyRxDrops = m_counters.phyRxDrops;
    r.wifiRateMbps = m_topo.wifiRateMbps;
    return r;
}

} // namespace wfl
