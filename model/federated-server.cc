#include "federated-server.h"

#include "federated-client.h"
#include "learning-task.h"

#include "random.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/pointer.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

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

std::vector<ns3::Ptr<FederatedClient>>
FederatedServer::SampleClients(uint32_t round) const
{
    const size_t total = m_clients.size();
    if (m_clientsPerRound == 0 || m_clientsPerRound >= total)
    {
        return m_clients;
    }
    Rng rng(m_task->Seed(), "client-sampling", round);
    std::vector<size_t> chosen;
    if (m_sizeWeightedSampling)
    {
        // Weighted sampling without replacement (Efraimidis-Spirakis): the m
        // largest keys u^(1/w) are a draw proportional to the weights w.
        std::vector<std::pair<double, size_t>> keys;
        for (size_t k = 0; k < total; ++k)
        {
            const double u = std::max(rng.Uniform(), 1e-300);
            keys.emplace_back(std::log(u) / m_clients[k]->GetSampleCount(), k);
        }
        std::partial_sort(keys.begin(), keys.begin() + m_clientsPerRound, keys.end(),
                          [](const auto& a, const auto& b) { return a.first > b.first; });
        for (size_t i = 0; i < m_clientsPerRound; ++i)
        {
            chosen.push_back(keys[i].second);
        }
    }
    else
    {
        std::vector<size_t> all(total);
        std::iota(all.begin(), all.end(), 0);
        for (size_t i = 0; i < m_clientsPerRound; ++i)
        {
            std::swap(all[i], all[i + rng.UniformInt(total - i)]);
        }
        chosen.assign(all.begin(), all.begin() + m_clientsPerRound);
    }
    std::sort(chosen.begin(), chosen.end());
    std::vector<ns3::Ptr<FederatedClient>> selected;
    for (size_t k : chosen)
    {
        selected.push_back(m_clients[k]);
    }
    return selected;
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
