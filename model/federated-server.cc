/*
 * FederatedServer's rounds (federated-server.h): start, broadcast, local
 * training, stragglers, aggregation, the server optimizer step, evaluation
 * and the round record. Its attributes are federated-server-attributes.cc,
 * the choice of a round's clients federated-server-sampling.cc.
 */
#include "federated-server.h"

#include "federated-client.h"
#include "learning-task.h"

#include "ns3/abort.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace wfl
{

void
FederatedServer::Setup(std::shared_ptr<LearningTask> task)
{
    m_task = std::move(task);
    m_global = m_task->InitialParameters();
}

void
FederatedServer::AddClient(ns3::Ptr<FederatedClient> client)
{
    m_clients.push_back(client);
}

void
FederatedServer::StartApplication()
{
    NS_ABORT_MSG_IF(!m_task, "FederatedServer::Setup was not called");
    NS_ABORT_MSG_IF(m_clients.empty(), "FederatedServer has no clients");
    if (!m_aggregator)
    {
        m_aggregator = ns3::CreateObject<IdealAggregator>();
    }
    m_aggregator->SetWorkers(&m_task->Workers());
    ServerOptimizerSpec spec;
    spec.kind = m_optimizerKind;
    spec.learningRate = m_serverLearningRate;
    spec.momentum = m_serverMomentum;
    spec.beta1 = m_serverBeta1;
    spec.beta2 = m_serverBeta2;
    spec.tau = m_serverTau;
    m_optimizer = std::make_unique<ServerOptimizer>(spec);
    m_running = true;
    Guard([this] { StartRound(1); });
}

template <typename F>
void
FederatedServer::Guard(F handler)
{
    if (m_failure)
    {
        return;
    }
    try
    {
        handler();
    }
    catch (...)
    {
        m_failure = std::current_exception();
        ns3::Simulator::Stop();
    }
}

template <typename F>
void
FederatedServer::ScheduleGuarded(ns3::Time delay, F handler)
{
    ns3::Simulator::Schedule(delay, [this, handler] { Guard(handler); });
}

void
FederatedServer::RethrowFailure() const
{
    if (m_failure)
    {
        std::rethrow_exception(m_failure);
    }
}

void
FederatedServer::StopApplication()
{
    m_running = false;
}

void
FederatedServer::StartRound(uint32_t round)
{
    if (!m_running)
    {
        return;
    }
    m_round = round;
    m_roundWallStart = std::chrono::steady_clock::now();
    m_arrived.clear();
    m_stragglers.clear();
    m_selected = SampleClients(round);
    ScheduleGuarded(m_downlinkDelay, [this] { TrainSelected(); });
}

void
FederatedServer::TrainSelected()
{
    // The broadcast has reached the selected clients: the available ones
    // train, all at once on the thread pool, each charged its own compute time.
    std::vector<ns3::Ptr<FederatedClient>> training;
    std::vector<uint32_t> indices;
    for (const auto& client : m_selected)
    {
        if (client->DecideParticipation(m_round))
        {
            training.push_back(client);
            indices.push_back(client->GetIndex());
        }
    }
    std::vector<LocalUpdate> updates = m_task->TrainClients(indices, m_round, m_global);
    m_expected = 0;
    for (size_t i = 0; i < training.size(); ++i)
    {
        training[i]->SetUpdate(std::move(updates[i]));
        const ns3::Time arrival = training[i]->LocalComputeTime();
        if (!m_deadline.IsZero() && arrival > m_deadline)
        {
            m_stragglers.push_back(training[i]); // late: its update is never used
            continue;
        }
        ++m_expected;
        ScheduleGuarded(arrival, [this, client = training[i]] { ReceiveUpdate(client); });
    }
    if (!m_stragglers.empty())
    {
        // The server cannot know who is late: it waits until the deadline.
        ScheduleGuarded(m_deadline, [this] { FinishAggregation(); });
    }
    else if (m_expected == 0)
    {
        ScheduleGuarded(ns3::Time(0), [this] { FinishAggregation(); });
    }
}

void
FederatedServer::ReceiveUpdate(ns3::Ptr<FederatedClient> client)
{
    m_arrived.push_back(client);
    if (m_stragglers.empty() && m_arrived.size() == m_expected)
    {
        FinishAggregation();
    }
}

void
FederatedServer::FinishAggregation()
{
    // Sort so that aggregation order (and float rounding) never depends on event order.
    std::sort(m_arrived.begin(), m_arrived.end(), [](const auto& a, const auto& b) {
        return a->GetIndex() < b->GetIndex();
    });
    RoundRecord record;
    record.round = m_round;
    std::vector<ClientContribution> contributions;
    double weightSum = 0.0;
    for (const auto& client : m_arrived)
    {
        const LocalUpdate& update = client->GetUpdate();
        ClientContribution c;
        c.client = client->GetIndex();
        c.update = &update.delta;
        c.weight = client->GetSampleCount();
        c.factors = update.factors.empty() ? nullptr : &update.factors;
        contributions.push_back(c);
        ClientRecord clientRecord;
        clientRecord.client = c.client;
        clientRecord.samples = client->GetSampleCount();
        clientRecord.localLoss = update.meanLoss;
        record.clients.push_back(clientRecord);
        record.trainLoss += c.weight * update.meanLoss;
        record.wallTrainS += update.wallSeconds;
        weightSum += c.weight;
    }
    record.participants = static_cast<uint32_t>(contributions.size() + m_stragglers.size());
    record.stragglers = static_cast<uint32_t>(m_stragglers.size());
    for (const auto& client : m_stragglers)
    {
        ClientRecord clientRecord;
        clientRecord.client = client->GetIndex();
        clientRecord.samples = client->GetSampleCount();
        clientRecord.localLoss = client->GetUpdate().meanLoss;
        clientRecord.straggler = true;
        clientRecord.link.active = false;
        record.clients.push_back(clientRecord);
        record.wallTrainS += client->GetUpdate().wallSeconds;
        client->ReleaseUpdate();
    }
    if (contributions.empty())
    {
        // Everyone idle: no uplink, the model stays.
        record.trainLoss = std::numeric_limits<double>::quiet_NaN();
        record.uplink.nmse = std::numeric_limits<double>::quiet_NaN();
        ScheduleGuarded(ns3::Time(0), [this, record] { CompleteRound(record); });
        return;
    }
    record.trainLoss /= weightSum;

    const auto aggregateStart = std::chrono::steady_clock::now();
    std::vector<ScheduledClient> scheduled;
    for (const auto& client : m_selected)
    {
        scheduled.push_back({client->GetIndex(), static_cast<double>(client->GetSampleCount())});
    }
    AggregationResult result = m_aggregator->Aggregate(m_round, contributions, std::move(scheduled));
    record.wallAggregateS =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - aggregateStart).count();
    for (const auto& client : m_arrived)
    {
        client->ReleaseUpdate();
    }
    // A non-finite model is caught in CompleteRound, with the other signs of
    // divergence, so that the round is still recorded.
    m_optimizer->Apply(m_global, result.estimate);
    for (size_t i = 0; i < contributions.size(); ++i)
    {
        record.clients[i].link = result.clients[i];
    }
    std::sort(record.clients.begin(), record.clients.end(),
              [](const ClientRecord& a, const ClientRecord& b) { return a.client < b.client; });
    result.estimate.resize(0);
    result.clients.clear();
    const ns3::Time airtime = result.airtime;
    record.uplink = std::move(result);
    ScheduleGuarded(airtime, [this, record = std::move(record)] { CompleteRound(record); });
}

void
FederatedServer::CompleteRound(RoundRecord record)
{
    record.simTimeS = ns3::Simulator::Now().GetSeconds();
    record.wallRoundS =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_roundWallStart).count();
    // A diverged round is the last one, and the last round is always evaluated.
    const bool diverged = HasDiverged(record);
    if (diverged || m_round % m_evalEvery == 0 || m_round == m_rounds)
    {
        const auto evalStart = std::chrono::steady_clock::now();
        const Metrics metrics = m_task->EvaluateTest(m_global);
        record.wallEvalS =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - evalStart).count();
        record.testAccuracy = metrics.accuracy;
        record.testLoss = metrics.loss;
        record.testTopClassShare = TopClassShare(metrics);
        // A finite model can still be too large to evaluate (logits overflow).
        if (diverged || !std::isfinite(record.testLoss))
        {
            m_divergedRound = m_round;
        }
    }
    else
    {
        record.testAccuracy = std::numeric_limits<double>::quiet_NaN();
        record.testLoss = std::numeric_limits<double>::quiet_NaN();
        record.testTopClassShare = std::numeric_limits<double>::quiet_NaN();
    }
    m_completedRounds = m_round;
    m_roundCompletedTrace(record);
    if (m_round < m_rounds && m_divergedRound == 0)
    {
        StartRound(m_round + 1);
    }
}

bool
FederatedServer::HasDiverged(const RoundRecord& record) const
{
    // Signs that training has left the floats: the global model, or the loss
    // a client measured on its data (stragglers included) from that model.
    // Idle rounds have no client rows and a deliberately NaN train_loss.
    if (!m_global.allFinite())
    {
        return true;
    }
    return std::any_of(record.clients.begin(), record.clients.end(),
                       [](const ClientRecord& c) { return !std::isfinite(c.localLoss); });
}

void
FederatedServer::DoDispose()
{
    m_clients.clear();
    m_arrived.clear();
    if (m_aggregator)
    {
        m_aggregator->SetWorkers(nullptr); // the pool goes with the task
    }
    m_aggregator = nullptr;
    m_task.reset();
    ns3::Application::DoDispose();
}

} // namespace wfl
