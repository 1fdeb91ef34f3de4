/*
 * Inference over ns-3 (helper/inference-sim.h) for the traffic of a split
 * MLP: latency, throughput and bytes per inference at 100 and 10 Mb/s on
 * point-to-point links and on 802.11a ad hoc, and the simulator's own CPU
 * and wall time per simulated inference. The traffic depends only on the
 * masks, so the MLP has random weights: naive split (every cross weight),
 * direct parallel (none) and magnitude pruning keeping a fraction of the
 * naive split's cross activations per layer.
 *
 *   bench-inference-sim [--hidden 200[,200...]] [--workers 2,4,8] [--input source|split]
 *                       [--requests 20] [--interval 0] [--gflops 1] [--keep 0.1] [--loss 0]
 */
#include "inference-sim.h"
#include "random.h"
#include "repurpose-traffic.h"
#include "repurpose.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>
#include <string>
#include <vector>

namespace
{

std::vector<int>
IntList(const char* text)
{
    std::vector<int> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
    {
        out.push_back(std::atoi(item.c_str()));
    }
    return out;
}

double
CpuSeconds()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double
WallSeconds()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

wfl::DenseStack
RandomMlp(const std::vector<int>& widths)
{
    wfl::Rng rng(1);
    wfl::DenseStack net;
    for (size_t l = 0; l + 1 < widths.size(); ++l)
    {
        wfl::DenseLayer layer;
        layer.weights.resize(widths[l + 1], widths[l]);
        for (Eigen::Index i = 0; i < layer.weights.size(); ++i)
        {
            layer.weights.data()[i] = rng.Uniform(-1.0, 1.0);
        }
        layer.bias = Eigen::VectorXd::Zero(widths[l + 1]);
        net.push_back(layer);
    }
    return net;
}

void
Simulate(const char* method, const wfl::NetworkTraffic& traffic, int workers, wfl::InferenceSimConfig config)
{
    for (const char* network : {"p2p", "wifi"})
    {
        for (double rate : {100.0, 10.0})
        {
            config.network = network;
            config.rateMbps = rate;
            const double cpu0 = CpuSeconds();
            const double wall0 = WallSeconds();
            const wfl::InferenceSimResult r = wfl::SimulateInference(traffic, workers, config);
            const double cpu = (CpuSeconds() - cpu0) / config.requests;
            const double wall = (WallSeconds() - wall0) / config.requests;
            std::printf("%-10s K=%d %-4s %5.0f Mb/s%s | latency mean %8.3f ms p95 %8.3f ms | %8.1f inf/s | "
                        "payload %7llu B (cross %6llu) wire %7llu B, %llu retx | sim %.2f ms CPU, %.2f ms wall per inference\n",
                        method, workers, network, rate,
                        r.wifiRateMbps > 0 ? (" (" + std::to_string(static_cast<int>(r.wifiRateMbps)) + ")").c_str() : "",
                        1e3 * r.meanLatencyS, 1e3 * r.p95LatencyS, r.throughputPerS,
                        static_cast<unsigned long long>(r.payloadBytesPerInference),
                        static_cast<unsigned long long>(r.crossPayloadBytesPerInference),
                        static_cast<unsigned long long>(r.wireBytesPerInference),
                        static_cast<unsigned long long>(r.retransmittedSegments), 1e3 * cpu, 1e3 * wall);
        }
    }
}

} // namespace

int
main(int argc, char** argv)
{
    std::vector<int> hidden = {200};
    std::vector<int> workerCounts = {2, 4, 8};
    wfl::InferenceSimConfig config;
    config.requests = 20;
    wfl::RepurposeConfig base;
    double keep = 0.1;
    for (int i = 1; i + 1 < argc; i += 2)
    {
        const std::string key = argv[i];
        const char* value = argv[i + 1];
        if (key == "--hidden") hidden = IntList(value);
        else if (key == "--workers") workerCounts = IntList(value);
        else if (key == "--input") base.input = std::strcmp(value, "split") == 0 ? wfl::InputPlacement::kSplit : wfl::InputPlacement::kSource;
        else if (key == "--requests") config.requests = static_cast<uint32_t>(std::atoi(value));
        else if (key == "--interval") config.requestIntervalS = std::atof(value);
        else if (key == "--gflops") config.deviceGflops = std::atof(value);
        else if (key == "--keep") keep = std::atof(value);
        else if (key == "--loss") config.lossRate = std::atof(value);
        else
        {
            std::fprintf(stderr, "bench-inference-sim: unknown option %s\n", key.c_str());
            return 2;
        }
    }
    std::vector<int> widths = {784};
    widths.insert(widths.end(), hidden.begin(), hidden.end());
    widths.push_back(10);
    const wfl::DenseStack net = RandomMlp(widths);
    double load[3] = {0, 0, 0};
    std::FILE* f = std::fopen("/proc/loadavg", "r");
    if (f != nullptr && std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
    {
        load[0] = -1;
    }
    if (f != nullptr)
    {
        std::fclose(f);
    }
    std::printf("MLP %s, %s input, %u requests, interval %g s, %g GFLOP/s, loss %g, load %.2f\n",
                [&] { std::string s; for (int w : widths) s += (s.empty() ? "" : "-") + std::to_string(w); return s; }().c_str(),
                base.input == wfl::InputPlacement::kSplit ? "split" : "source", config.requests,
                config.requestIntervalS, config.deviceGflops, config.lossRate, load[0]);
    for (int k : workerCounts)
    {
        wfl::RepurposeConfig rc = base;
        rc.workers = k;
        const wfl::NetworkTraffic naive = wfl::CountTraffic(wfl::NaiveSplit(net, rc));
        rc.budget.clear();
        for (const auto& layer : naive.layers)
        {
            rc.budget.push_back(static_cast<long>(keep * static_cast<double>(layer.crossActivations)));
        }
        Simulate("naive", naive, k, config);
        Simulate("direct", wfl::CountTraffic(wfl::DirectParallel(net, rc)), k, config);
        Simulate(("magn" + std::to_string(static_cast<int>(100 * keep)) + "%").c_str(),
                 wfl::CountTraffic(wfl::MagnitudePruned(net, rc)), k, config);
    }
    return 0;
}
