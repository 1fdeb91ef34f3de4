#include "federated-client.h"

#include "learning-task.h"
#include "random.h"

#include "ns3/double.h"

#include "ns3/nstime.h"

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
                          ns3::MakeTimeChecker(ns3::Seconds(0)))
            .AddAttribute("ComputeSpeed",
                          "Relative compute speed; local training takes ComputeTime / "
                          "ComputeSpeed (default 1).",
                          ns3::DoubleValue(1.0),
                          ns3::MakeDoubleAccessor(&FederatedClient::m_computeSpeed),
                          ns3::MakeDoubleChecker<double>(1e-12))
            .AddAttribute("ParticipationProbability",
                          "Probability that the client takes part in a round (default 1).",
                          ns3::DoubleValue(1.0),
                          ns3::MakeDoubleAccessor(&FederatedClient::m_participationProbability),
                          ns3::MakeDoubleChecker<double>(0.0, 1.0));
    return tid;
}

void
FederatedClient::Setup(uint32_t index, std::shared_ptr<LearningTask> task)
{
    m_index = index;
    m_task = std::move(task);
}

uint32_t
FederatedClient::GetSampleCount() const
{
    return static_cast<uint32_t>(m_task->GetPartition().at(m_index).size());
}

bool
FederatedClient::DecideParticipation(uint32_t round)
{
    Rng coin(m_task->Seed(), "participation", m_index, round);
    m_participating = m_participationProbability >= 1.0 || coin.Uniform() < m_participationProbability;
    return m_participating;
}

ns3::Time
FederatedClient::LocalComputeTime() const
{
    return ns3::Seconds(m_computeTime.GetSeconds() / m_computeSpeed);
}

void
FederatedClient::ReleaseUpdate()
{
    m_update = LocalUpdate();
}

void
FederatedClient::DoDispose()
{
    m_task.reset();
    ns3::Application::DoDispose();
}

} // namespace wfl
