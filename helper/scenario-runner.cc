#include "scenario-runner.h"

#include "digital-aggregator.h"

#include "compute-speed.h"
#include "federation-helper.h"
#include "hdf5-trace-sink.h"
#include "input-error.h"
#include "learning-task.h"
#include "random.h"
#include "run-diagnosis.h"
#include "update-trace-sink.h"
#include "uplink-builder.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/node-container.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <map>
#include <ostream>
#include <unistd.h>

namespace wfl
{

std::shared_ptr<LearningTask>
MakeLearningTask(const ScenarioConfig& config)
{
    auto data = std::make_shared<TrainTestData>();
    if (config.dataset == "fashion-mnist")
    {
        *data = LoadFashionMnist(config.dataPath);
    }
    else
    {
        SyntheticSpec spec;
        spec.classes = static_cast<int>(config.syntheticClasses);
        spec.dim = static_cast<int>(config.syntheticDim);
        spec.trainSamples = static_cast<int>(config.syntheticTrain);
        spec.testSamples = static_cast<int>(config.syntheticTest);
        spec.separation = config.syntheticSeparation;
        *data = MakeSyntheticClusters(spec, config.seed);
    }
    data->train.Truncate(config.trainSamples);
    data->test.Truncate(config.testSamples);

    Rng partitionRng(config.seed, "partition");
    const int clients = static_cast<int>(config.clients);
    Partition partition =
        config.partition == "iid"
            ? PartitionIid(static_cast<int>(data->train.Count()), clients, config.sizeSigma,
                           partitionRng)
            : PartitionDirichlet(data->train.labels, data->train.numClasses, clients,
                                 config.dirichletAlpha, 1, partitionRng);
    LocalTrainingSpec training = config.training;
    // FedSGD over the digital uplink: clients keep their dense layers' gradient
    // factors for compressors that quantize them (ISGQ; compressor.h).
    training.keepFactors = config.codingScheme == "digital" && training.localEpochs == 0 &&
                           training.localSteps == 1;
    return std::make_shared<LearningTask>(data, std::move(partition), config.model, training,
                                          config.seed, config.threads);
}

namespace
{

/// What trace.save-updates saves, and whether the saved updates are -lr_t g (update-trace-sink.h).
UpdateSaving
SavingOf(const ScenarioConfig& config, const ParameterLayout& layout)
{
    const LocalTrainingSpec& t = config.training;
    UpdateSaving saving;
    saving.rounds = config.saveUpdateRounds;
    saving.clients = config.saveClients;
    saving.layout = layout;
    saving.learningRate = t.learningRate;
    saving.learningRateDecay = t.learningRateDecay;
    // One step from a fresh optimizer state: sgd and momentum both step by -lr g.
    saving.fedSgd = t.localEpochs == 0 && t.localSteps == 1 && t.optimizer.kind != "adam" &&
                    t.optimizer.weightDecay == 0.0;
    return saving;
}

/// Fail before training, not after it, when the model file cannot be written.
void
CheckSaveModelPath(const ParsedArguments& arguments)
{
    const std::string& path = arguments.config.saveModel;
    if (path.empty())
    {
        return;
    }
    if (path == arguments.config.output)
    {
        throw InputError("trace.save-model = " + path + ": is the trace itself (use trace.model = true)");
    }
    if (!arguments.overwrite && access(path.c_str(), F_OK) == 0)
    {
        throw InputError("trace.save-model = " + path + ": already exists; choose another path or pass --overwrite");
    }
    const size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, std::max<size_t>(slash, 1));
    if (access(dir.c_str(), W_OK) != 0)
    {
        throw InputError("trace.save-model = " + path + ": directory " + dir + " is not writable or does not exist");
    }
}

/// The final global model into the trace and/or its own file (trace.* keys).
void
SaveFinalModel(const ScenarioConfig& config,
               const LearningTask& task,
               const Eigen::VectorXf& params,
               uint32_t rounds,
               Hdf5TraceSink& sink)
{
    SavedModel model;
    model.spec.model = config.model;
    model.spec.inputDim = static_cast<int>(task.Data().train.Dim());
    model.spec.classes = task.Data().train.numClasses;
    model.params = params;
    model.dataset = task.Data().name;
    model.rounds = rounds;
    if (config.traceModel == "true")
    {
        sink.WriteModel(model);
    }
    if (!config.saveModel.empty())
    {
        SaveModelFile(config.saveModel, model);
    }
}

} // namespace

RunSummary
RunScenario(const ParsedArguments& arguments, std::ostream* progress)
{
    const ScenarioConfig& config = arguments.config;
    const auto wallStart = std::chrono::steady_clock::now();

    // ns-3's own random variables: fixed seed, the run seed as the run number.
    ns3::RngSeedManager::SetSeed(1);
    ns3::RngSeedManager::SetRun(config.seed);

    CheckSaveModelPath(arguments);
    std::shared_ptr<LearningTask> task = MakeLearningTask(config);

    ns3::NodeContainer serverNode;
    serverNode.Create(1);
    ns3::NodeContainer clientNodes;
    clientNodes.Create(config.clients);

    FederationHelper helper;
    helper.SetServerAttribute("Rounds", ns3::UintegerValue(config.rounds));
    helper.SetServerAttribute("EvalEvery", ns3::UintegerValue(config.evalEvery));
    helper.SetServerAttribute("ServerLearningRate", ns3::DoubleValue(config.serverLr));
    helper.SetServerAttribute("Optimizer", ns3::StringValue(config.serverOptimizer));
    helper.SetServerAttribute("ServerMomentum", ns3::DoubleValue(config.serverMomentum));
    helper.SetServerAttribute("ServerBeta1", ns3::DoubleValue(config.serverBeta1));
    helper.SetServerAttribute("ServerBeta2", ns3::DoubleValue(config.serverBeta2));
    helper.SetServerAttribute("ServerTau", ns3::DoubleValue(config.serverTau));
    const uint32_t perRound =
        config.clientsFraction > 0.0
            ? std::max(1u, static_cast<uint32_t>(std::lround(config.clientsFraction * config.clients)))
            : config.clientsPerRound;
    helper.SetServerAttribute("ClientsPerRound", ns3::UintegerValue(perRound));
    helper.SetServerAttribute("SizeWeightedSampling", ns3::BooleanValue(config.sampling == "size"));
    helper.SetServerAttribute("Deadline", ns3::TimeValue(ns3::Seconds(config.deadlineS)));
    helper.SetClientAttribute("ComputeTime", ns3::TimeValue(ns3::Seconds(config.computeTimeS)));
    helper.SetClientAttribute("ParticipationProbability", ns3::DoubleValue(config.participation));
    ns3::Ptr<Aggregator> uplink = BuildUplink(config, serverNode.Get(0), clientNodes);
    const ParameterLayout layout =
        MakeModel<float>(config.model, static_cast<int>(task->Data().train.Dim()), task->Data().train.numClasses)
            ->Layout();
    if (auto digital = ns3::DynamicCast<DigitalAggregator>(uplink))
    {
        // Both sides know the architecture: the layout costs no bits.
        digital->SetLayout(layout);
    }
    helper.SetAggregator(uplink);
    FederationApps apps = helper.Install(serverNode.Get(0), clientNodes, task);
    // Heterogeneous devices: a fixed speed per client.
    for (const auto& client : apps.clients)
    {
        Rng speed(config.seed, "compute-speed", client->GetIndex());
        client->SetAttribute("ComputeSpeed",
                             ns3::DoubleValue(DrawComputeSpeed(config.computeDistribution,
                                                               config.computeSpread, speed)));
    }

    RunMetadata metadata;
    metadata.configIni = ToIni(config);
    metadata.config = ResolvedKeys(config);
    metadata.seed = config.seed;
    metadata.commandLine = arguments.commandLine;
    metadata.dataset = task->Data().name;
    metadata.model = MakeModel<float>(config.model, static_cast<int>(task->Data().train.Dim()),
                                      task->Data().train.numClasses)
                         ->Describe();
    metadata.numParams = task->NumParams();
    metadata.codingScheme = config.codingScheme;
    if (config.codingScheme != "ideal")
    {
        metadata.maxPowerW = std::pow(10.0, (config.maxPowerDbm - 30.0) / 10.0);
        metadata.energyBudgetJ = config.energyBudgetJ;
        metadata.powerLimit = config.powerLimit;
        metadata.noisePowerW = ConfiguredNoisePowerW(config);
    }
    Hdf5TraceSink sink(config.output, arguments.overwrite, metadata);
    sink.ConnectTo(apps.server);
    std::unique_ptr<UpdateTraceSink> updates;
    if (!config.saveUpdateRounds.empty())
    {
        updates = std::make_unique<UpdateTraceSink>(sink.File(), SavingOf(config, layout));
        updates->ConnectTo(uplink, apps.server);
    }

    RunSummary summary;
    summary.tracePath = sink.Path();
    auto onRound = [&](const RoundRecord& record) {
        summary.rounds = record.round;
        summary.diagnosis.Add(record);
        if (progress != nullptr && !std::isnan(record.testAccuracy))
        {
            const double elapsed = std::chrono::duration<double>(
                                       std::chrono::steady_clock::now() - wallStart)
                                       .count();
            *progress << "round " << record.round << "/" << config.rounds << std::fixed
                      << std::setprecision(4) << "  test_accuracy " << record.testAccuracy
                      << "  test_loss " << record.testLoss << "  train_loss "
                      << record.trainLoss;
            if (!std::isnan(record.uplink.meanRxSnrDb))
            {
                *progress << std::setprecision(3) << "  nmse " << record.uplink.nmse
                          << std::setprecision(1) << "  rx_snr_db " << record.uplink.meanRxSnrDb
                          << "  active " << record.uplink.activeClients << "/"
                          << record.participants;
            }
            *progress << std::setprecision(1) << "  wall " << elapsed
                      << " s" << std::endl;
        }
    };
    apps.server->TraceConnectWithoutContext(
        "RoundCompleted",
        ns3::MakeCallback(&decltype(onRound)::operator(), &onRound));

    try
    {
        ns3::Simulator::Run();
        apps.server->RethrowFailure();
    }
    catch (...)
    {
        ns3::Simulator::Destroy();
        throw;
    }
    summary.divergedRound = apps.server->GetDivergedRound();
    ns3::Simulator::Destroy();
    if (summary.divergedRound > 0)
    {
        sink.MarkDiverged(summary.divergedRound);
        summary.divergedMessage = DivergenceMessage(config, summary.divergedRound);
    }
    else
    {
        SaveFinalModel(config, *task, apps.server->GetGlobalParameters(), summary.rounds, sink);
        sink.MarkComplete();
        summary.warnings = CompletionWarnings(config, summary.diagnosis);
    }
    summary.wallSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    return summary;
}

} // namespace wfl
