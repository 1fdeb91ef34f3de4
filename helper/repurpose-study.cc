#include "repurpose-study.h"

#include "dataset.h"
#include "input-error.h"
#include "key-parsing.h"
#include "shortest-double.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <stdexcept>
#include <ostream>

namespace wfl
{
namespace
{

double
ThreadCpuSeconds()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

Eigen::MatrixXd
Columns(const Dataset& data, Eigen::Index count)
{
    Eigen::MatrixXf x;
    data.CopyColumns(0, count, x);
    return x.cast<double>();
}

/// Everything one study needs besides the settings.
struct StudyInputs
{
    DenseStack net;
    Eigen::MatrixXd calibration; ///< dense-stack inputs [in0 x samples]
    Eigen::MatrixXd test;
    std::vector<int> labels;
};

StudyInputs
LoadInputs(const RepurposeToolConfig& config, const SavedModel& model)
{
    const TrainTestData data = LoadFashionMnist(config.dataPath);
    if (model.spec.inputDim != data.test.Dim() || model.spec.classes != data.test.numClasses)
    {
        throw InputError("model " + config.model + ": input_dim " + std::to_string(model.spec.inputDim) + " and " +
                         std::to_string(model.spec.classes) + " classes (trained on " + model.dataset +
                         "), but wfl-repurpose evaluates on Fashion-MNIST (" + std::to_string(data.test.Dim()) +
                         " features, " + std::to_string(data.test.numClasses) + " classes)");
    }
    const Eigen::Index tests = config.testSamples == 0 ? data.test.Count()
                                                       : std::min<Eigen::Index>(config.testSamples, data.test.Count());
    if (static_cast<Eigen::Index>(config.calibration) > data.train.Count())
    {
        RejectKey("repurpose.calibration", std::to_string(config.calibration),
                  "at most the " + std::to_string(data.train.Count()) + " training images");
    }
    StudyInputs in;
    in.net = DenseLayersOf(model.spec, model.params);
    DenseInput denseInput(model.spec, model.params);
    in.calibration = denseInput(Columns(data.train, config.calibration));
    in.test = denseInput(Columns(data.test, tests));
    in.labels.assign(data.test.labels.begin(), data.test.labels.begin() + tests);
    return in;
}

RepurposeRow
MakeRow(int method, int workers, int setting, const RestructuredNetwork& net, const StudyInputs& in)
{
    RepurposeRow row;
    row.method = method;
    row.workers = workers;
    row.setting = setting;
    row.accuracy = Accuracy(ForwardRestructured(net, in.test), in.labels);
    row.traffic = CountTraffic(net);
    for (const RestructuredLayer& layer : net.layers)
    {
        row.assignment.push_back(layer.worker);
    }
    return row;
}

/// Budget per layer: round(fraction x the naive split's cross units of the layer).
std::vector<long>
FractionBudget(const NetworkTraffic& naive, double fraction, PruneUnit unit)
{
    std::vector<long> budget;
    for (const LayerTraffic& layer : naive.layers)
    {
        const long units = unit == PruneUnit::kWeight ? layer.crossWeights : layer.crossActivations;
        budget.push_back(std::lround(fraction * static_cast<double>(units)));
    }
    return budget;
}

/// Kept cross units per layer of RePurpose's chosen iterates.
std::vector<long>
ChosenUnits(const RepurposeResult& result)
{
    std::vector<long> units(result.chosenIteration.size(), 0);
    for (const IterationRecord& r : result.history)
    {
        if (r.iteration == result.chosenIteration[static_cast<size_t>(r.layer)])
        {
            units[static_cast<size_t>(r.layer)] = r.crossUnits;
        }
    }
    return units;
}

RepurposeRow
RunRepurpose(const StudyInputs& in, const RepurposeConfig& config, int setting, RepurposeResult& result)
{
    const auto wall = std::chrono::steady_clock::now();
    const double cpu = ThreadCpuSeconds();
    result = Repurpose(in.net, in.calibration, config);
    const double cpuSeconds = ThreadCpuSeconds() - cpu;
    const double wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
    RepurposeRow row = MakeRow(kRepurposeMethod, config.workers, setting, result.network, in);
    row.history = result.history;
    row.chosenIteration = result.chosenIteration;
    row.wallSeconds = wallSeconds;
    row.cpuSeconds = cpuSeconds;
    return row;
}

/**
 * Run the row's restructured network over ns-3 at every configured rate.
 * The bytes the simulated receivers counted must equal what the masks imply
 * (repurpose-traffic.h): a mismatch is a bug, never a result.
 */
void
SimulateRow(const RepurposeToolConfig& config, int classes, RepurposeRow& row)
{
    for (double rate : config.rates)
    {
        InferenceSimConfig sim = config.inference;
        sim.rateMbps = rate;
        sim.outputClasses = static_cast<uint32_t>(classes);
        InferenceSimResult result = SimulateInference(row.traffic, row.workers, sim);
        if (result.crossPayloadBytesPerInference != static_cast<uint64_t>(row.traffic.CrossBytes()) ||
            result.sourcePayloadBytesPerInference != static_cast<uint64_t>(row.traffic.SourceBytes()))
        {
            throw std::logic_error("inference simulation carried " +
                                   std::to_string(result.crossPayloadBytesPerInference) + " cross and " +
                                   std::to_string(result.sourcePayloadBytesPerInference) +
                                   " source bytes per inference; the masks imply " +
                                   std::to_string(row.traffic.CrossBytes()) + " and " +
                                   std::to_string(row.traffic.SourceBytes()));
        }
        row.inference.push_back(std::move(result));
    }
}

void
Report(std::ostream* progress, const RepurposeStudy& study, const RepurposeRow& row)
{
    if (progress == nullptr)
    {
        return;
    }
    *progress << std::left << std::setw(10) << RepurposeMethodNames()[static_cast<size_t>(row.method)] << " K="
              << row.workers << " setting=" << (row.setting < 0 ? std::string("-") : ShortestDouble(
                                                     study.settings[static_cast<size_t>(row.setting)]))
              << std::fixed << std::setprecision(4) << "  accuracy " << row.accuracy << "  cross_bytes "
              << row.traffic.CrossBytes() << "  source_bytes " << row.traffic.SourceBytes() << std::setprecision(3)
              << "  wall " << row.wallSeconds << " s  cpu " << row.cpuSeconds << " s";
    for (size_t i = 0; i < row.inference.size(); ++i)
    {
        *progress << std::setprecision(3) << "  latency@" << ShortestDouble(study.rates[i]) << "Mb/s "
                  << 1e3 * row.inference[i].meanLatencyS << " ms";
    }
    *progress << std::endl;
    progress->unsetf(std::ios::floatfield);
}

} // namespace

const std::vector<std::string>&
RepurposeMethodNames()
{
    static const std::vector<std::string> names{"naive", "direct", "magnitude", "repurpose"};
    return names;
}

RepurposeStudy
RunRepurposeStudy(const RepurposeToolConfig& config, std::ostream* progress)
{
    RepurposeStudy study;
    study.model = LoadModel(config.model);
    const StudyInputs in = LoadInputs(config, study.model);
    study.widths.push_back(static_cast<int>(in.net.front().weights.cols()));
    for (const DenseLayer& layer : in.net)
    {
        study.widths.push_back(static_cast<int>(layer.weights.rows()));
    }
    study.originalAccuracy = Accuracy(ForwardDense(in.net, in.test), in.labels);
    study.testSamples = static_cast<long>(in.test.cols());
    study.calibrationSamples = static_cast<long>(in.calibration.cols());
    study.rhoSettings = !config.rhos.empty();
    study.settings = study.rhoSettings ? config.rhos : config.budgets;
    if (progress)
    {
        *progress << "model " << config.model << ": dense stack of " << in.net.size()
                  << " layers, original test accuracy " << study.originalAccuracy << " on " << study.testSamples
                  << " test images, " << study.calibrationSamples << " calibration images" << std::endl;
    }
    study.rates = config.rates;
    auto add = [&](RepurposeRow row) {
        SimulateRow(config, study.widths.back(), row);
        Report(progress, study, row);
        study.rows.push_back(std::move(row));
    };
    for (int workers : config.workers)
    {
        RepurposeConfig base = BaseRepurposeConfig(config, workers);
        ValidateConfig(base, in.net, in.calibration);
        const RestructuredNetwork naive = NaiveSplit(in.net, base);
        add(MakeRow(kNaiveMethod, workers, -1, naive, in));
        add(MakeRow(kDirectMethod, workers, -1, DirectParallel(in.net, base), in));
        const NetworkTraffic naiveTraffic = CountTraffic(naive);
        for (size_t s = 0; s < study.settings.size(); ++s)
        {
            RepurposeConfig c = base;
            const int setting = static_cast<int>(s);
            RepurposeResult result;
            if (study.rhoSettings)
            {
                // RePurpose decides the unit counts; magnitude keeps as many per layer.
                c.rho = study.settings[s];
                RepurposeRow row = RunRepurpose(in, c, setting, result);
                c.rho = -1.0;
                c.budget = ChosenUnits(result);
                add(MakeRow(kMagnitudeMethod, workers, setting, MagnitudePruned(in.net, c), in));
                add(std::move(row));
            }
            else
            {
                c.budget = FractionBudget(naiveTraffic, study.settings[s], c.unit);
                add(MakeRow(kMagnitudeMethod, workers, setting, MagnitudePruned(in.net, c), in));
                add(RunRepurpose(in, c, setting, result));
            }
        }
    }
    return study;
}

} // namespace wfl
