/*
 * FederatedServer's choice of the clients of a round (ClientsPerRound,
 * SizeWeightedSampling), from the random stream ("client-sampling", round).
 */
#include "federated-client.h"
#include "federated-server.h"
#include "learning-task.h"

#include "random.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace wfl
{

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

} // namespace wfl
