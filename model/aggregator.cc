#include "aggregator.h"

#include "thread-pool.h"

#include "ns3/abort.h"

#include <cmath>

namespace wfl
{

NS_OBJECT_ENSURE_REGISTERED(Aggregator);
NS_OBJECT_ENSURE_REGISTERED(IdealAggregator);

ns3::TypeId
Aggregator::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("wfl::Aggregator")
            .SetParent<ns3::Object>()
            .SetGroupName("Wfl")
            .AddTraceSource("Contributions",
                            "The clients' updates of a round as the uplink receives them (before "
                            "any clipping, coding or compression).",
                            ns3::MakeTraceSourceAccessor(&Aggregator::m_contributionsTrace),
                            "wfl::Aggregator::ContributionsCallback");
    return tid;
}

void
Aggregator::SetWorkers(ThreadPool* workers)
{
    m_workers = workers;
}

unsigned
Aggregator::Workers() const
{
    return m_workers ? m_workers->Size() : 1;
}

void
Aggregator::ForEachClient(size_t count, const std::function<void(size_t, unsigned)>& body) const
{
    if (m_workers)
    {
        m_workers->ParallelFor(count, body);
        return;
    }
    for (size_t i = 0; i < count; ++i)
    {
        body(i, 0);
    }
}

AggregationResult
Aggregator::Aggregate(uint32_t round,
                      const std::vector<ClientContribution>& contributions,
                      std::vector<ScheduledClient> scheduled)
{
    NS_ABORT_MSG_IF(contributions.empty(), "Aggregate needs at least one contribution");
    const Eigen::Index size = contributions.front().update->size();
    for (const ClientContribution& c : contributions)
    {
        NS_ABORT_MSG_IF(c.update->size() != size, "client updates differ in length");
        NS_ABORT_MSG_IF(!(c.weight > 0.0), "client weight must be positive");
    }
    if (scheduled.empty())
    {
        for (const ClientContribution& c : contributions)
        {
            scheduled.push_back({c.client, c.weight});
        }
    }
    NS_ABORT_MSG_IF(scheduled.size() < contributions.size(), "more contributions than scheduled clients");
    m_scheduled = std::move(scheduled);
    m_contributionsTrace(round, contributions);
    AggregationResult result = DoAggregate(round, contributions);
    NS_ABORT_MSG_IF(result.estimate.size() != size, "aggregate has the wrong length");
    NS_ABORT_MSG_IF(result.clients.size() != contributions.size(), "aggregate lost client reports");
    const Eigen::VectorXd exact = WeightedAverage(contributions);
    const double reference = exact.squaredNorm();
    const double error = (result.estimate.cast<double>() - exact).squaredNorm();
    result.nmse = reference > 0.0 ? error / reference : (error > 0.0 ? INFINITY : 0.0);
    result.averageNorm = std::sqrt(reference);
    return result;
}

ns3::TypeId
IdealAggregator::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("wfl::IdealAggregator")
                                 .SetParent<Aggregator>()
                                 .SetGroupName("Wfl")
                                 .AddConstructor<IdealAggregator>();
    return tid;
}

AggregationResult
IdealAggregator::DoAggregate(uint32_t /* round */,
                             const std::vector<ClientContribution>& contributions)
{
    AggregationResult result;
    result.estimate = WeightedAverage(contributions).cast<float>();
    result.activeClients = static_cast<uint32_t>(contributions.size());
    for (const ClientContribution& c : contributions)
    {
        ClientLinkReport report;
        report.client = c.client;
        result.clients.push_back(report);
    }
    return result;
}

Eigen::VectorXd
WeightedAverage(const std::vector<ClientContribution>& contributions)
{
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(contributions.front().update->size());
    double totalWeight = 0.0;
    for (const ClientContribution& c : contributions)
    {
        sum += c.weight * c.update->cast<double>();
        totalWeight += c.weight;
    }
    return sum / totalWeight;
}

} // namespace wfl
