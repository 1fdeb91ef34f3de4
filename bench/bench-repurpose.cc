/*
 * RePurpose on a small MLP trained here on Fashion-MNIST: test accuracy,
 * cross-worker bytes per inference and per-worker FLOPs of the four methods
 * (naive split, direct parallel, magnitude pruning, RePurpose) for K
 * workers, sweeping the cross budget as a fraction of the naive split's
 * cross activations. Bench only: the model is trained here and not saved;
 * for saved models (wfl-run --trace.save-model) use build/wfl-repurpose and
 * bench/repurpose-table.sh.
 *
 *   bench-repurpose [--hidden 200[,200...]] [--epochs 3] [--calibration 2000]
 *                   [--workers 2,4] [--input source|split] [--unit activation|weight]
 *                   [--iterations 3] [--sweeps 3] [--ridge 1e-4] [--train N]
 */
#include "dataset.h"
#include "local-trainer.h"
#include "model.h"
#include "random.h"
#include "repurpose-traffic.h"
#include "repurpose.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace
{

using Clock = std::chrono::steady_clock;

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

/// DenseNetwork's flat layout (dense-network.h): per layer W [out x in]
/// row-major, then b [out].
wfl::DenseStack
StackFromParams(const std::vector<int>& widths, const Eigen::VectorXf& params)
{
    wfl::DenseStack net;
    Eigen::Index offset = 0;
    for (size_t l = 0; l + 1 < widths.size(); ++l)
    {
        const int in = widths[l];
        const int out = widths[l + 1];
        using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        wfl::DenseLayer layer;
        layer.weights = Eigen::Map<const RowMajor>(params.data() + offset, out, in).cast<double>();
        offset += static_cast<Eigen::Index>(in) * out;
        layer.bias = params.segment(offset, out).cast<double>();
        offset += out;
        net.push_back(layer);
    }
    if (offset != params.size())
    {
        std::fprintf(stderr, "layout mismatch: %ld of %ld parameters\n", static_cast<long>(offset),
                     static_cast<long>(params.size()));
        std::exit(1);
    }
    return net;
}

Eigen::MatrixXd
Columns(const wfl::Dataset& data, Eigen::Index count)
{
    Eigen::MatrixXf x;
    data.CopyColumns(0, count, x);
    return x.cast<double>();
}

double
MaxFlops(const wfl::NetworkTraffic& t)
{
    return *std::max_element(t.flops.begin(), t.flops.end());
}

void
PrintRow(const char* method, int workers, double fraction, const wfl::RestructuredNetwork& net,
         const Eigen::MatrixXd& test, const std::vector<int>& labels, double seconds)
{
    const wfl::NetworkTraffic t = wfl::CountTraffic(net);
    std::printf("%-10s K=%d budget=%5.3f  acc=%.4f  cross_bytes=%7ld  source_bytes=%7ld  "
                "max_worker_mflops=%.3f  wall=%.2fs\n",
                method, workers, fraction, wfl::Accuracy(wfl::ForwardRestructured(net, test), labels),
                t.CrossBytes(), t.SourceBytes(), MaxFlops(t) / 1e6, seconds);
}

} // namespace

int
main(int argc, char** argv)
{
    std::vector<int> hidden{200};
    std::vector<int> workerCounts{2, 4};
    int epochs = 3;
    int calibration = 2000;
    long trainSamples = -1;
    wfl::RepurposeConfig base;
    for (int i = 1; i + 1 < argc; i += 2)
    {
        const std::string key = argv[i];
        const char* value = argv[i + 1];
        if (key == "--hidden") hidden = IntList(value);
        else if (key == "--workers") workerCounts = IntList(value);
        else if (key == "--epochs") epochs = std::atoi(value);
        else if (key == "--calibration") calibration = std::atoi(value);
        else if (key == "--train") trainSamples = std::atol(value);
        else if (key == "--iterations") base.iterations = std::atoi(value);
        else if (key == "--sweeps") base.sweeps = std::atoi(value);
        else if (key == "--ridge") base.ridge = std::atof(value);
        else if (key == "--input") base.input = std::strcmp(value, "split") == 0 ? wfl::InputPlacement::kSplit : wfl::InputPlacement::kSource;
        else if (key == "--unit") base.unit = std::strcmp(value, "weight") == 0 ? wfl::PruneUnit::kWeight : wfl::PruneUnit::kActivation;
        else
        {
            std::fprintf(stderr, "unknown option %s\n", key.c_str());
            return 2;
        }
    }
    wfl::TrainTestData data = wfl::LoadFashionMnist(wfl::kDefaultFashionMnistDir);
    if (trainSamples > 0)
    {
        data.train.Truncate(trainSamples);
    }
    wfl::ModelSpec spec;
    spec.kind = "mlp";
    spec.hidden = hidden;
    std::vector<int> widths{784};
    widths.insert(widths.end(), hidden.begin(), hidden.end());
    widths.push_back(10);

    // Train: one client holding the whole training set, momentum SGD.
    auto start = Clock::now();
    wfl::LocalTrainer trainer(wfl::MakeModel<float>(spec, 784, 10));
    Eigen::VectorXf params(trainer.GetModel().NumParams());
    wfl::Rng initRng(1, "bench-repurpose-init");
    trainer.GetModel().Initialize(params, initRng);
    wfl::LocalTrainingSpec training;
    training.optimizer.kind = "momentum";
    training.learningRate = 0.02;
    training.batchSize = 64;
    training.localEpochs = epochs;
    std::vector<int> indices(static_cast<size_t>(data.train.Count()));
    std::iota(indices.begin(), indices.end(), 0);
    wfl::Rng trainRng(1, "bench-repurpose-train");
    params += trainer.Train(params, data.train, indices, training, trainRng).delta;
    std::printf("trained %s for %d epochs in %.1f s\n", trainer.GetModel().Describe().c_str(), epochs,
                std::chrono::duration<double>(Clock::now() - start).count());

    const wfl::DenseStack net = StackFromParams(widths, params);
    const Eigen::MatrixXd test = Columns(data.test, data.test.Count());
    const Eigen::MatrixXd calib = Columns(data.train, calibration);
    const double originalAccuracy = wfl::Accuracy(wfl::ForwardDense(net, test), data.test.labels);
    std::printf("original test accuracy %.4f (%ld test samples, %d calibration samples, input %s, unit %s)\n",
                originalAccuracy, static_cast<long>(test.cols()), calibration,
                base.input == wfl::InputPlacement::kSplit ? "split" : "source",
                base.unit == wfl::PruneUnit::kWeight ? "weight" : "activation");

    const std::vector<double> fractions{0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8};
    for (int workers : workerCounts)
    {
        wfl::RepurposeConfig config = base;
        config.workers = workers;
        const wfl::RestructuredNetwork naive = wfl::NaiveSplit(net, config);
        PrintRow("naive", workers, 1.0, naive, test, data.test.labels, 0.0);
        PrintRow("direct", workers, 0.0, wfl::DirectParallel(net, config), test, data.test.labels, 0.0);
        const wfl::NetworkTraffic naiveTraffic = wfl::CountTraffic(naive);
        for (double fraction : fractions)
        {
            // Budget per layer: a fraction of the naive split's cross units
            // (activation units: (K-1) per worker-held input).
            config.budget.clear();
            for (size_t l = 0; l < net.size(); ++l)
            {
                const long units = config.unit == wfl::PruneUnit::kWeight ? naiveTraffic.layers[l].crossWeights
                                                                          : naiveTraffic.layers[l].crossActivations;
                config.budget.push_back(std::lround(fraction * static_cast<double>(units)));
            }
            PrintRow("magnitude", workers, fraction, wfl::MagnitudePruned(net, config), test,
                     data.test.labels, 0.0);
            start = Clock::now();
            const wfl::RepurposeResult result = wfl::Repurpose(net, calib, config);
            const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
            PrintRow("repurpose", workers, fraction, result.network, test, data.test.labels, seconds);
            for (const auto& r : result.history)
            {
                std::printf("    layer %d iter %d: cross_units=%ld rel_err=%.5f objective=%.5g assign_cost=%.5g\n",
                            r.layer, r.iteration, r.crossUnits, r.relativeError, r.objective, r.assignmentCost);
            }
        }
    }
    return 0;
}
