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

class LearningTask;

/**
 * One client: its data share (through the LearningTask), compute speed and
 * availability. When the server's broadcast reaches it, it takes part with
 * probability ParticipationProbability (stream ("participation", client,
 * round)); its local training then takes ComputeTime / ComputeSpeed of
 * simulated time. The training itself runs, for all of a round's clients at
 * once, on the task's thread pool (see FederatedServer).
 */
class FederatedClient : public ns3::Application
{
  public:
    static ns3::TypeId GetTypeId();

    void Setup(uint32_t index, std::shared_ptr<LearningTask> task);

    uint32_t GetIndex() const
    {
        return m_index;
    }

    /// Number of local training samples (its FedAvg weight).
    uint32_t GetSampleCount() const;

    /// Draw whether it takes part in `round`; remembered until the next call.
    bool DecideParticipation(uint32_t round);

    /// Whether it trains in the current round (false: idle, no update).
    bool IsParticipating() const
    {
        return m_participating;
    }

    /// Simulated duration of its local training.
    ns3::Time LocalComputeTime() const;

    void SetUpdate(LocalUpdate update)
    {
        m_update = std::move(update);
    }

    /// The update of the current round (valid until ReleaseUpdate).
    const LocalUpdate& GetUpdate() const
    {
        return m_update;
    }

    /// Drops the update's memory once the server is done with it.
    void ReleaseUpdate();

  private:
    void DoDispose() override;

    uint32_t m_index = 0;
    ns3::Time m_computeTime;
    double m_computeSpeed = 1.0;
    double m_participationProbability = 1.0;
    bool m_participating = false;
    std::shared_ptr<LearningTask> m_task;
    LocalUpdate m_update;
};

} // namespace wfl

#endif
