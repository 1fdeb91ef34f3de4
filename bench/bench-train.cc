/*
 * Local-training throughput of the embedded learner, and the fp32 GEMM peak
 * of this machine measured in the same run (one thread, and one GEMM per
 * core at once), so the fraction of peak each model reaches is printed.
 *
 *   bench-train [--seconds 1.0]
 */
#include "dataset.h"
#include "local-trainer.h"
#include "model.h"
#include "random.h"

#include <Eigen/Dense>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

namespace
{

using Clock = std::chrono::steady_clock;

/// Calls per second of `work`, run for about `seconds` after a warm-up.
double
Rate(const std::function<void()>& work, double seconds)
{
    work();
    const auto start = Clock::now();
    long calls = 0;
    while (std::chrono::duration<double>(Clock::now() - start).count() < seconds)
    {
        work();
        ++calls;
    }
    return calls / std::chrono::duration<double>(Clock::now() - start).count();
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

} // namespace

int
main(int argc, char** argv)
{
    double seconds = 1.0;
    for (int i = 1; i + 1 < argc; ++i)
    {
        if (std::strcmp(argv[i], "--seconds") == 0)
        {
            seconds = std::atof(argv[i + 1]);
        }
    }
    const double peak1 = GemmGflops(1024, seconds, 1);
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const double peakAll = GemmGflops(1024, seconds, cores);
    std::printf("fp32 GEMM peak (Eigen, 1024^3): %.1f GFLOP/s on 1 core, %.1f on %u cores\n\n", peak1,
                peakAll, cores);

    wfl::SyntheticSpec spec;
    spec.dim = 784;
    spec.classes = 10;
    spec.trainSamples = 4096;
    spec.testSamples = 10;
    const wfl::TrainTestData data = wfl::MakeSyntheticClusters(spec, 1);
    std::vector<int> indices(4096);
    for (int i = 0; i < 4096; ++i)
    {
        indices[static_cast<size_t>(i)] = i;
    }
    std::printf("%-22s %6s %14s %10s %14s\n", "model", "batch", "samples/s", "GFLOP/s", "of 1-core peak");
    struct Case
    {
        const char* name;
        wfl::ModelSpec model;
        std::vector<int> widths; ///< empty: FLOPs not counted here
    };
    wfl::ModelSpec softmax;
    softmax.kind = "softmax";
    wfl::ModelSpec mlp;
    mlp.kind = "mlp";
    mlp.hidden = {200};
    std::vector<Case> cases{{"softmax 784-10", softmax, {784, 10}}, {"mlp 784-200-10", mlp, {784, 200, 10}}};
    wfl::ModelSpec cnn;
    cnn.kind = "cnn";
    cnn.hidden = {120, 84};
    cases.push_back({"cnn lenet-5", cnn, {}});
    for (const Case& c : cases)
    {
        for (int batch : {10, 64, 256})
        {
            wfl::LocalTrainer trainer(wfl::MakeModel<float>(c.model, 784, 10));
            wfl::LocalTrainingSpec training;
            training.batchSize = batch;
            training.localSteps = 64;
            Eigen::VectorXf params;
            wfl::Rng init(1, "bench-init");
            trainer.GetModel().Initialize(params, init);
            uint64_t round = 0;
            const double rate = Rate(
                [&] {
                    wfl::Rng rng(1, "bench-batches", 0, ++round);
                    trainer.Train(params, data.train, indices, training, rng);
                },
                seconds);
            const double samples = rate * batch * training.localSteps;
            if (c.widths.empty())
            {
                std::printf("%-22s %6d %14.0f %10s %14s\n", c.name, batch, samples, "-", "-");
            }
            else
            {
                const double gflops = samples * DenseFlopsPerSample(c.widths) / 1e9;
                std::printf("%-22s %6d %14.0f %10.1f %13.0f%%\n", c.name, batch, samples, gflops,
                            100.0 * gflops / peak1);
            }
        }
    }
    return 0;
}
