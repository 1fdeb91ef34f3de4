/*
 * The federated-learning server: an ns-3 Application that runs the rounds.
 */
#ifndef WFL_FEDERATED_SERVER_H
#define WFL_FEDERATED_SERVER_H

#include "aggregator.h"
#include "round-records.h"
#include "server-optimizer.h"

#include "ns3/application.h"
#include "ns3/nstime.h"
#include "ns3/traced-callback.h"

#include <Eigen/Dense>

#include <chrono>
#include <exception>
#include <memory>
#include <vector>

namespace wfl
{

class FederatedClient;
class LearningTask;

/**
 * Round t: sample ClientsPerRound clients (stream ("client-sampling", t)),
 * broadcast the global model (DownlinkDelay), let the available ones train
 * (in parallel on the task's thread pool, each charged its own compute time
 * on the ns-3 clock), drop those later than Deadline as stragglers, pass the
 * updates in time to the Aggregator, treat the estimate as a pseudo-gradient
 * for the server optimizer (FedAvg: w <- w + ServerLearningRate * estimate;
 * FedAvgM, FedAdam, FedYogi as in Reddi et al. 2021), evaluate every EvalEvery rounds and
 * in the last one, fire RoundCompleted, and start round t + 1 (unless
 * training diverged in round t: see GetDivergedRound).
 * FedAvg of deltas; with one local step per round this is FedSGD.
 */
class FederatedServer : public ns3::Application
{
  public:
    static ns3::TypeId GetTypeId();

    /// Signature of the RoundCompleted trace source.
    typedef void (*RoundCompletedCallback)(const RoundRecord& record);

    void Setup(std::shared_ptr<LearningTask> task);
    void AddClient(ns3::Ptr<FederatedClient> client);

    /// Arrival of a client's update (called by the client).
    void ReceiveUpdate(ns3::Ptr<FederatedClient> client);

    const Eigen::VectorXf& GetGlobalParameters() const
    {
        return m_global;
    }

    uint32_t GetCompletedRounds() const
    {
        return m_completedRounds;
    }

    /**
     * The round in which training diverged (0 if it did not): the global model
     * became NaN or Inf, or a client's local loss or the test loss did. That
     * round is recorded (RoundCompleted fires, evaluated) and is the last one.
     */
    uint32_t GetDivergedRound() const
    {
        return m_divergedRound;
    }

    /// Rethrows the first exception one of the server's events threw (the
    /// simulation stopped right after that event). Call after Simulator::Run().
    void RethrowFailure() const;

  private:
    void StartApplication() override;
    void StopApplication() override;
    void DoDispose() override;

    void StartRound(uint32_t round);
    std::vector<ns3::Ptr<FederatedClient>> SampleClients(uint32_t round) const;
    void TrainSelected();
    void FinishAggregation();
    void CompleteRound(RoundRecord record);
    bool HasDiverged(const RoundRecord& record) const;
    /// ns-3's event loop is not exception-safe: an exception leaving an event
    /// skips the release of that event (and of the Ptrs it holds) and unwinds
    /// through the scheduler. So every event of the server runs through
    /// Guard, which keeps the first exception for RethrowFailure() and stops
    /// the simulation (found by the sanitizer build: LeakSanitizer).
    template <typename F>
    void Guard(F handler);
    template <typename F>
    void ScheduleGuarded(ns3::Time delay, F handler);

    uint32_t m_rounds = 0;
    uint32_t m_evalEvery = 1;
    double m_serverLearningRate = 1.0;
    std::string m_optimizerKind = "fedavg";
    double m_serverMomentum = 0.9;
    double m_serverBeta1 = 0.9;
    double m_serverBeta2 = 0.99;
    double m_serverTau = 1e-3;
    std::unique_ptr<ServerOptimizer> m_optimizer;
    ns3::Time m_downlinkDelay;
    uint32_t m_clientsPerRound = 0;
    bool m_sizeWeightedSampling = false;
    ns3::Time m_deadline;
    ns3::Ptr<Aggregator> m_aggregator;
    ns3::TracedCallback<const RoundRecord&> m_roundCompletedTrace;

    std::shared_ptr<LearningTask> m_task;
    std::vector<ns3::Ptr<FederatedClient>> m_clients;
    std::vector<ns3::Ptr<FederatedClient>> m_selected;   ///< sampled this round
    std::vector<ns3::Ptr<FederatedClient>> m_arrived;    ///< updates received in time
    std::vector<ns3::Ptr<FederatedClient>> m_stragglers; ///< trained, missed the deadline
    size_t m_expected = 0;
    Eigen::VectorXf m_global;
    uint32_t m_round = 0;
    std::exception_ptr m_failure; ///< first exception of an event, if any
    std::chrono::steady_clock::time_point m_roundWallStart;
    uint32_t m_completedRounds = 0;
    uint32_t m_divergedRound = 0;
    bool m_running = false;
};

} // namespace wfl

#endif
