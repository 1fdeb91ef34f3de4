/*
 * A federated-learning client: an ns-3 Application on the client's node.
 */
#ifndef WFL_FEDERATED_CLIENT_H
#define WFL_FEDERATED_CLIENT_H

#include "local-trainer.h"

#include "ns3/application.h"
#include "ns3/nstime.h"

#include <memory>

namespace wfl
{

class FederatedServer;
class LearningTask;

/**
 * On receiving the global model it trains locally (through the shared
 * LearningTask) and reports its update to the server after ComputeTime, the
 * simulated duration of local training. With probability
 * 1 - ParticipationProbability (stream ("participation", client, round)) it is
 * idle for the round: it neither trains nor transmits.
 */
class FederatedClient : public ns3::Application
{
  public:
    static ns3::TypeId GetTypeId();

    void Setup(uint32_t index, std::shared_ptr<LearningTask> task, ns3::Ptr<FederatedServer> server);

    uint32_t GetIndex() const
    {
        return m_index;
    }

    /// Number of local training samples (its FedAvg weight).
    uint32_t GetSampleCount() const;

    /// Downlink delivery of the global model for `round`.
    void ReceiveGlobalModel(uint32_t round, const Eigen::VectorXf& global);

    /// Whether it trained in the current round (false: idle, no update).
    bool IsParticipating() const
    {
        return m_participating;
    }

    /// The update of the current round (valid until ReleaseUpdate).
    const LocalUpdate& GetUpdate() const
    {
        return m_update;
    }

    /// Drops the update's memory once the server has aggregated it.
    void ReleaseUpdate();

  private:
    void DoDispose() override;

    uint32_t m_index = 0;
    ns3::Time m_computeTime;
    double m_participationProbability = 1.0;
    bool m_participating = false;
    std::shared_ptr<LearningTask> m_task;
    ns3::Ptr<FederatedServer> m_server;
    LocalUpdate m_update;
};

} // namespace wfl

#endif
