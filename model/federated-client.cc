#include "federated-client.h"

#include "federated-server.h"
#include "learning-task.h"

#include "ns3/nstime.h"
#include "ns3/simulator.h"

namespace wfl
{

NS_OBJECT_ENSURE_REGISTERED(FederatedClient);

ns3::TypeId
FederatedClient::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("wfl::FederatedClient")
            .SetParent<ns3::Application>()
            .SetGroupName("Wfl")
            .AddConstructor<FederatedClient>()
            .AddAttribute("ComputeTime",
                          "Simulated duration of one round of local training (default 100 ms).",
                          ns3::TimeValue(ns3::MilliSeconds(100)),
                          ns3::MakeTimeAccessor(&FederatedClient::m_computeTime),
                          ns3::MakeTimeChecker(ns3::Seconds(0)));
    return tid;
}

void
FederatedClient::Setup(uint32_t index,
                       std::shared_ptr<LearningTask> task,
                       ns3::Ptr<FederatedServer> server)
{
    m_index = index;
    m_task = std::move(task);
    m_server = server;
}

uint32_t
FederatedClient::GetSampleCount() const
{
    return static_cast<uint32_t>(m_task->GetPartition().at(m_index).size());
}

void
FederatedClient::ReceiveGlobalModel(uint32_t round, const Eigen::VectorXf& global)
{
    m_update = m_task->TrainClient(m_index, round, global);
    ns3::Simulator::Schedule(m_computeTime,
                             &FederatedServer::ReceiveUpdate,
                             m_server,
                             ns3::Ptr<FederatedClient>(this));
}

void
FederatedClient::ReleaseUpdate()
{
    m_update = LocalUpdate();
}

void
FederatedClient::DoDispose()
{
    m_server = nullptr;
    m_task.reset();
    ns3::Application::DoDispose();
}

} // namespace wfl
