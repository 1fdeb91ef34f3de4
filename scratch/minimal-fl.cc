/*
 * A complete federated run written the ns-3 way: nodes, helpers,
 * Attributes, a trace sink, Simulator::Run.
 *
 *   minimal-fl [--rounds=N] [--output=FILE]
 *
 * Ten clients learn a synthetic 10-class problem with FedAvg over ideal
 * aggregation and the trace goes to an HDF5 file.
 */
#include "federation-helper.h"
#include "hdf5-trace-sink.h"
#include "learning-task.h"
#include "random.h"

#include "ns3/core-module.h"
#include "ns3/node-container.h"

#include <iostream>

using namespace ns3;

int
main(int argc, char** argv)
{
    uint32_t rounds = 10;
    std::string output = "results/minimal-fl.h5";
    CommandLine cmd(__FILE__);
    cmd.AddValue("rounds", "number of federated rounds", rounds);
    cmd.AddValue("output", "HDF5 trace file (replaced if it exists)", output);
    cmd.Parse(argc, argv);

    // The learning task: synthetic clusters split IID among 10 clients.
    const uint64_t seed = 1;
    auto data = std::make_shared<wfl::TrainTestData>(wfl::MakeSyntheticClusters({}, seed));
    wfl::Rng partitionRng(seed, "partition");
    wfl::Partition partition = wfl::PartitionIid(static_cast<int>(data->train.Count()), 10, 0.0,
                                                 partitionRng);
    wfl::ModelSpec model;
    model.kind = "softmax";
    wfl::LocalTrainingSpec training;
    training.learningRate = 0.1;
    training.localSteps = 20;
    auto task = std::make_shared<wfl::LearningTask>(data, partition, model, training, seed);

    // One server node and ten client nodes.
    NodeContainer serverNode(1);
    NodeContainer clientNodes(10);

    wfl::FederationHelper federation;
    federation.SetServerAttribute("Rounds", UintegerValue(rounds));
    federation.SetClientAttribute("ComputeTime", TimeValue(MilliSeconds(50)));
    federation.SetAggregatorType("wfl::IdealAggregator");
    wfl::FederationApps apps = federation.Install(serverNode.Get(0), clientNodes, task);

    wfl::RunMetadata metadata;
    metadata.seed = seed;
    metadata.dataset = data->name;
    metadata.numParams = task->NumParams();
    wfl::Hdf5TraceSink sink(output, /* overwrite */ true, metadata);
    sink.ConnectTo(apps.server);

    Simulator::Run();
    Simulator::Destroy();
    apps.server->RethrowFailure(); // an error inside an event ends the run here
    sink.MarkComplete();

    const wfl::Metrics final = task->EvaluateTest(apps.server->GetGlobalParameters());
    std::cout << "minimal-fl: " << rounds << " rounds, test accuracy " << final.accuracy
              << ", trace " << output << "\n";
    return final.accuracy > 0.5 ? 0 : 1;
}
