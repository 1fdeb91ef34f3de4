/*
 * A small federation run in process, for tests that plant a fault in the
 * aggregator: 4 IID clients over SmallData(seed), SGD lr 0.1, 2 local steps.
 */
#ifndef WFL_TEST_SMALL_FEDERATION_H
#define WFL_TEST_SMALL_FEDERATION_H

#include "aggregator.h"
#include "federation-helper.h"
#include "learning-task.h"
#include "random.h"
#include "test-util.h"

#include "ns3/node-container.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <functional>
#include <vector>

namespace wfltest
{

struct SmallFederationRun
{
    std::vector<wfl::RoundRecord> records; ///< every completed round, in order
    uint32_t divergedRound = 0;
    uint32_t completedRounds = 0;
};

/// `installed` sees the server after installation, before the run.
inline SmallFederationRun
RunSmallFederation(const wfl::ModelSpec& model,
                   uint64_t seed,
                   ns3::Ptr<wfl::Aggregator> aggregator,
                   uint32_t rounds,
                   uint32_t evalEvery,
                   const std::function<void(wfl::FederatedServer&)>& installed = {})
{
    auto data = SmallData(seed);
    wfl::Rng rng(seed, "partition");
    wfl::LocalTrainingSpec training;
    training.learningRate = 0.1;
    training.localSteps = 2;
    auto task = std::make_shared<wfl::LearningTask>(
        data, wfl::PartitionIid(static_cast<int>(data->train.Count()), 4, 0.0, rng), model, training, seed);
    ns3::NodeContainer server(1);
    ns3::NodeContainer clients(4);
    wfl::FederationHelper helper;
    helper.SetServerAttribute("Rounds", ns3::UintegerValue(rounds));
    helper.SetServerAttribute("EvalEvery", ns3::UintegerValue(evalEvery));
    helper.SetAggregator(aggregator);
    wfl::FederationApps apps = helper.Install(server.Get(0), clients, task);
    if (installed)
    {
        installed(*apps.server);
    }
    SmallFederationRun run;
    apps.server->TraceConnectWithoutContext(
        "RoundCompleted", ns3::MakeCallback(+[](std::vector<wfl::RoundRecord>* out, const wfl::RoundRecord& r) {
                              out->push_back(r);
                          }).Bind(&run.records));
    ns3::Simulator::Run();
    run.divergedRound = apps.server->GetDivergedRound();
    run.completedRounds = apps.server->GetCompletedRounds();
    ns3::Simulator::Destroy();
    return run;
}

} // namespace wfltest

#endif
