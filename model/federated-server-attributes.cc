/*
 * FederatedServer's ns-3 type: its attributes (rounds, evaluation, server
 * optimizer, timing, client sampling, aggregator) and its trace source.
 */
#include "federated-server.h"

#include "federated-client.h" // complete for AddConstructor (the server holds Ptrs to clients)

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/pointer.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

namespace wfl
{

NS_OBJECT_ENSURE_REGISTERED(FederatedServer);

ns3::TypeId
FederatedServer::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("wfl::FederatedServer")
            .SetParent<ns3::Application>()
            .SetGroupName("Wfl")
            .AddConstructor<FederatedServer>()
            .AddAttribute("Rounds",
                          "Number of federated rounds (default 50).",
                          ns3::UintegerValue(50),
                          ns3::MakeUintegerAccessor(&FederatedServer::m_rounds),
                          ns3::MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("EvalEvery",
                          "Evaluate on the test set every this many rounds; always in the last "
                          "round (default 1).",
                          ns3::UintegerValue(1),
                          ns3::MakeUintegerAccessor(&FederatedServer::m_evalEvery),
                          ns3::MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("ServerLearningRate",
                          "Step applied to the aggregated update; 1 is plain FedAvg (default 1).",
                          ns3::DoubleValue(1.0),
                          ns3::MakeDoubleAccessor(&FederatedServer::m_serverLearningRate),
                          ns3::MakeDoubleChecker<double>(0.0))
            .AddAttribute("Optimizer",
                          "Server optimizer: fedavg, fedavgm, fedadam or fedyogi (default fedavg).",
                          ns3::StringValue("fedavg"),
                          ns3::MakeStringAccessor(&FederatedServer::m_optimizerKind),
                          ns3::MakeStringChecker())
            .AddAttribute("ServerMomentum",
                          "fedavgm: momentum of the server velocity (default 0.9).",
                          ns3::DoubleValue(0.9),
                          ns3::MakeDoubleAccessor(&FederatedServer::m_serverMomentum),
                          ns3::MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("ServerBeta1",
                          "fedadam/fedyogi: first-moment decay (default 0.9).",
                          ns3::DoubleValue(0.9),
                          ns3::MakeDoubleAccessor(&FederatedServer::m_serverBeta1),
                          ns3::MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("ServerBeta2",
                          "fedadam/fedyogi: second-moment decay (default 0.99).",
                          ns3::DoubleValue(0.99),
                          ns3::MakeDoubleAccessor(&FederatedServer::m_serverBeta2),
                          ns3::MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("ServerTau",
                          "fedadam/fedyogi: adaptivity tau (default 1e-3).",
                          ns3::DoubleValue(1e-3),
                          ns3::MakeDoubleAccessor(&FederatedServer::m_serverTau),
                          ns3::MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("DownlinkDelay",
                          "Time to broadcast the global model to the clients (default 0).",
                          ns3::TimeValue(ns3::Seconds(0)),
                          ns3::MakeTimeAccessor(&FederatedServer::m_downlinkDelay),
                          ns3::MakeTimeChecker(ns3::Seconds(0)))
            .AddAttribute("ClientsPerRound",
                          "Clients sampled each round; 0 = all (default 0).",
                          ns3::UintegerValue(0),
                          ns3::MakeUintegerAccessor(&FederatedServer::m_clientsPerRound),
                          ns3::MakeUintegerChecker<uint32_t>())
            .AddAttribute("SizeWeightedSampling",
                          "Sample clients with probability proportional to their data size "
                          "instead of uniformly (default false).",
                          ns3::BooleanValue(false),
                          ns3::MakeBooleanAccessor(&FederatedServer::m_sizeWeightedSampling),
                          ns3::MakeBooleanChecker())
            .AddAttribute("Deadline",
                          "Round deadline after the broadcast arrives; later clients are dropped "
                          "as stragglers. 0 = wait for everyone (default 0).",
                          ns3::TimeValue(ns3::Seconds(0)),
                          ns3::MakeTimeAccessor(&FederatedServer::m_deadline),
                          ns3::MakeTimeChecker(ns3::Seconds(0)))
            .AddAttribute("Aggregator",
                          "The aggregation stage (uplink); default wfl::IdealAggregator.",
                          ns3::PointerValue(),
                          ns3::MakePointerAccessor(&FederatedServer::m_aggregator),
                          ns3::MakePointerChecker<Aggregator>())
            .AddTraceSource("RoundCompleted",
                            "A round ended: metrics and per-client reports.",
                            ns3::MakeTraceSourceAccessor(&FederatedServer::m_roundCompletedTrace),
                            "wfl::FederatedServer::RoundCompletedCallback");
    return tid;
}

} // namespace wfl
