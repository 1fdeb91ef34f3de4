/*
 * Local-training throughput of the embedded learner, and the fp32 GEMM peak
 * of this machine measured in the same run (one thread, and one GEMM per
 * core at once), so the fraction of peak each model reaches is printed.
 *
 *   bench-train [--seconds 1.0] [--only cnn] [--cpu-time]   (--only: one model kind, no peak; for perf)
 */
#include "convolutional-network.h"
#include "dataset.h"
#include "local-trainer.h"
#include "model.h"
#include "random.h"

#include <exception>

#include <Eigen/Dense>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace
{

using Clock = std::chrono::steady_clock;

/// --cpu-time: rates per second of the calling thread's CPU time instead of
/// wall time, so a loaded machine (other processes taking turns on the
/// cores) still gives comparable numbers; for development, not the targets.
bool g_cpuTime = false;

double
Now()
{
    if (g_cpuTime)
    {
        timespec t;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
        return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
    }
    return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

/// Calls per second of `work`, run for about `seconds` after a warm-up.
double
Rate(const std::function<void()>& work, double seconds)
{
    work();
    const double start = Now();
    long calls = 0;
    while (Now() - start < seconds)
    {
        work();
        ++calls;
    }
    return calls / (Now() - start);
}

double
GemmGflops(int n, double seconds, unsigned threads)
{
    std::vector<double> rates(threads);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
    {
        pool.emplace_back([&, t] {
            Eigen::MatrixXf a = Eigen::MatrixXf::Random(n, n);
            Eigen::MatrixXf b = Eigen::MatrixXf::Random(n, n);
            Eigen::MatrixXf c(n, n);
            rates[t] = Rate([&] { c.noalias() = a * b; }, seconds);
        });
    }
    for (auto& t : pool)
    {
        t.join();
    }
    double total = 0.0;
    for (double r : rates)
    {
        total += r * 2.0 * n * n * n / 1e9;
    }
    return total;
}

/// Forward + backward FLOPs per sample of a dense network: 2 per weight for
/// the forward product and 2 for the weight gradient, plus 2 for the input
/// gradient of every layer but the first (which needs none).
double
DenseFlopsPerSample(const std::vector<int>& widths)
{
    double flops = 0.0;
    for (size_t l = 0; l + 1 < widths.size(); ++l)
    {
        flops += (l == 0 ? 4.0 : 6.0) * widths[l] * widths[l + 1];
    }
    return flops;
}

/// The same count for the ConvolutionalNetwork (multiply-adds x 2): forward,
/// weight gradients (as many as forward), and input gradients of every layer
/// but the first convolution; pooling, ReLU and the loss are not counted.
double
ConvFlopsPerSample(const wfl::ConvSpec& spec)
{
    double forward = 0.0;
    double inputGrad = 0.0;
    int h = spec.height;
    int w = spec.width;
    int c = spec.channels;
    for (size_t i = 0; i < spec.convChannels.size(); ++i)
    {
        if (i > 0) // 'valid' after the first stage
        {
            h -= spec.kernel - 1;
            w -= spec.kernel - 1;
        }
        const double macs = static_cast<double>(spec.convChannels[i]) * c * spec.kernel * spec.kernel * h * w;
        forward += macs;
        inputGrad += i > 0 ? macs : 0.0;
        c = spec.convChannels[i];
        h /= 2;
        w /= 2;
    }
    std::vector<int> widths{h * w * c};
    widths.insert(widths.end(), spec.hidden.begin(), spec.hidden.end());
    widths.push_back(spec.classes);
    for (size_t l = 0; l + 1 < widths.size(); ++l)
    {
        forward += static_cast<double>(widths[l]) * widths[l + 1];
        inputGrad += static_cast<double>(widths[l]) * widths[l + 1];
    }
    return 2.0 * (2.0 * forward + inputGrad);
}

/// Training samples per second of `spec`, one trainer thread per shard, all
/// at once (64 SGD steps per call, repeated for about `seconds`).
double
SamplesPerSecond(const wfl::ModelSpec& spec,
                 const wfl::Dataset& train,
                 const std::vector<std::vector<int>>& shards,
                 int batch,
                 double seconds)
{
    std::vector<double> rates(shards.size());
    std::vector<std::thread> pool;
    for (size_t t = 0; t < shards.size(); ++t)
    {
        pool.emplace_back([&, t] {
            wfl::LocalTrainer trainer(wfl::MakeModel<float>(spec, 784, 10));
            wfl::LocalTrainingSpec training;
            training.batchSize = batch;
            training.localSteps = 64;
            Eigen::VectorXf params;
            wfl::Rng init(1, "bench-init");
            trainer.GetModel().Initialize(params, init);
            uint64_t round = 0;
            rates[t] = Rate(
                           [&] {
                               wfl::Rng rng(1, "bench-batches", t, ++round);
                               trainer.Train(params, train, shards[t], training, rng);
                           },
                           seconds) *
                       batch * training.localSteps;
        });
    }
    for (auto& t : pool)
    {
        t.join();
    }
    double total = 0.0;
    for (double r : rates)
    {
        total += r;
    }
    return total;
}

} // namespace

int
main(int argc, char** argv)
{
    double seconds = 1.0;
    std::string only;
    for (int i = 1; i < argc; ++i)
    {
        g_cpuTime = g_cpuTime || std::strcmp(argv[i], "--cpu-time") == 0;
        if (i + 1 == argc)
        {
            break;
        }
        if (std::strcmp(argv[i], "--seconds") == 0)
        {
            seconds = std::atof(argv[i + 1]);
        }
        if (std::strcmp(argv[i], "--only") == 0)
        {
            only = argv[i + 1];
        }
    }
    // The best of a few square sizes: no single size is Eigen's best on every cache.
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    double peak1 = 0.0;
    double peakAll = 0.0;
    for (int n : {512, 1024, 1536})
    {
        if (!only.empty())
        {
            peak1 = peakAll = 1.0;
            break;
        }
        peak1 = std::max(peak1, GemmGflops(n, seconds, 1));
        peakAll = std::max(peakAll, GemmGflops(n, seconds, cores));
    }
    std::printf("fp32 GEMM peak (Eigen, best of n = 512, 1024, 1536): %.1f GFLOP/s on 1 core, "
                "%.1f on %u cores\n",
                peak1, peakAll, cores);

    // Fashion-MNIST's bytes when installed (the real gather from 47 MB at
    // random places), else synthetic float clusters of the same shape.
    wfl::TrainTestData data;
    try
    {
        data = wfl::LoadFashionMnist(wfl::kDefaultFashionMnistDir);
    }
    catch (const std::exception&)
    {
        wfl::SyntheticSpec spec;
        spec.dim = 784;
        spec.classes = 10;
        spec.trainSamples = 60000;
        spec.testSamples = 10;
        data = wfl::MakeSyntheticClusters(spec, 1);
    }
    // One client of ten: 6,000 samples drawn across the whole set.
    std::vector<int> indices(static_cast<size_t>(data.train.Count()));
    for (size_t i = 0; i < indices.size(); ++i)
    {
        indices[i] = static_cast<int>(i);
    }
    wfl::Rng shard(1, "bench-shard");
    shard.Shuffle(indices);
    indices.resize(std::min<size_t>(indices.size(), 6000));
    std::printf("data: %s, one client of %zu samples spread over %ld\n\n", data.name.c_str(),
                indices.size(), static_cast<long>(data.train.Count()));
    std::printf("%-22s %6s %14s %10s %14s\n", "model", "batch", "samples/s", "GFLOP/s", "of 1-core peak");
    struct Case
    {
        const char* name;
        wfl::ModelSpec model;
        double flopsPerSample;
    };
    wfl::ModelSpec softmax;
    softmax.kind = "softmax";
    wfl::ModelSpec mlp;
    mlp.kind = "mlp";
    mlp.hidden = {200};
    std::vector<Case> cases{{"softmax 784-10", softmax, DenseFlopsPerSample({784, 10})},
                            {"mlp 784-200-10", mlp, DenseFlopsPerSample({784, 200, 10})}};
    wfl::ModelSpec cnn;
    cnn.kind = "cnn";
    cnn.hidden = {120, 84};
    wfl::ConvSpec lenet;
    lenet.hidden = cnn.hidden;
    cases.push_back({"cnn lenet-5", cnn, ConvFlopsPerSample(lenet)});
    for (const Case& c : cases)
    {
        if (!only.empty() && c.model.kind != only)
        {
            continue;
        }
        for (int batch : {10, 16, 64, 256})
        {
            const double samples = SamplesPerSecond(c.model, data.train, {indices}, batch, seconds);
            const double gflops = samples * c.flopsPerSample / 1e9;
            std::printf("%-22s %6d %14.0f %10.1f %13.0f%%\n", c.name, batch, samples, gflops,
                        100.0 * gflops / peak1);
        }
    }

    // The federated set-up: one client per core, each training its own shard
    // at once (what wfl-run does with one thread per core), against the
    // all-core GEMM peak.
    std::vector<std::vector<int>> shards(cores);
    for (unsigned t = 0; t < cores; ++t)
    {
        shards[t].assign(indices.begin() + static_cast<long>(t * indices.size() / cores),
                         indices.begin() + static_cast<long>((t + 1) * indices.size() / cores));
    }
    std::printf("\n%-22s %6s %14s %10s %14s\n", "model, 1 client/core", "batch", "samples/s",
                "GFLOP/s", "of all-core peak");
    for (int batch : {16, 64})
    {
        const double samples = SamplesPerSecond(cnn, data.train, shards, batch, seconds);
        const double gflops = samples * ConvFlopsPerSample(lenet) / 1e9;
        std::printf("%-22s %6d %14.0f %10.1f %13.0f%%\n", "cnn lenet-5", batch, samples, gflops,
                    100.0 * gflops / peakAll);
    }
    return 0;
}
