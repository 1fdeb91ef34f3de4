#include "partition.h"

#include "input-error.h"
#include "random.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace wfl
{
namespace
{

/// Integer sizes proportional to `shares` summing to `total`, each >= 1
/// (largest-remainder rounding).
std::vector<int>
ApportionSizes(const std::vector<double>& shares, int total)
{
    const size_t n = shares.size();
    const double sum = std::accumulate(shares.begin(), shares.end(), 0.0);
    const int spare = total - static_cast<int>(n); // one sample reserved per client
    std::vector<int> sizes(n, 1);
    std::vector<double> remainder(n);
    int assigned = 0;
    for (size_t k = 0; k < n; ++k)
    {
        const double exact = spare * shares[k] / sum;
        const int whole = static_cast<int>(std::floor(exact));
        sizes[k] += whole;
        assigned += whole;
        remainder[k] = exact - whole;
    }
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return remainder[a] > remainder[b];
    });
    for (int i = 0; i < spare - assigned; ++i)
    {
        ++sizes[order[static_cast<size_t>(i) % n]];
    }
    return sizes;
}

} // namespace

Partition
PartitionIid(int count, int clients, double sizeSigma, Rng& rng)
{
    if (clients > count)
    {
        throw InputError("data.clients: " + std::to_string(clients) +
                         " clients but only " + std::to_string(count) + " training samples");
    }
    std::vector<int> order(static_cast<size_t>(count));
    std::iota(order.begin(), order.end(), 0);
    rng.Shuffle(order);

    std::vector<double> shares(static_cast<size_t>(clients), 1.0);
    if (sizeSigma > 0.0)
    {
        for (double& s : shares)
        {
            s = std::exp(sizeSigma * rng.Normal());
        }
    }
    const std::vector<int> sizes = ApportionSizes(shares, count);

    Partition partition(static_cast<size_t>(clients));
    size_t next = 0;
    for (size_t k = 0; k < partition.size(); ++k)
    {
        partition[k].assign(order.begin() + static_cast<std::ptrdiff_t>(next),
                            order.begin() + static_cast<std::ptrdiff_t>(next + static_cast<size_t>(sizes[k])));
        next += static_cast<size_t>(sizes[k]);
    }
    return partition;
}

Partition
PartitionDirichlet(const std::vector<int>& labels,
                   int numClasses,
                   int clients,
                   double alpha,
                   int minSamples,
                   Rng& rng)
{
    std::vector<std::vector<int>> byClass(static_cast<size_t>(numClasses));
    for (size_t i = 0; i < labels.size(); ++i)
    {
        byClass[static_cast<size_t>(labels[i])].push_back(static_cast<int>(i));
    }

    constexpr int kMaxAttempts = 1000;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt)
    {
        Partition partition(static_cast<size_t>(clients));
        for (std::vector<int> members : byClass)
        {
            rng.Shuffle(members);
            std::vector<double> p(static_cast<size_t>(clients));
            double sum = 0.0;
            for (double& x : p)
            {
                x = rng.Gamma(alpha);
                sum += x;
            }
            // Cut the shuffled class at the cumulative proportions.
            double cumulative = 0.0;
            size_t start = 0;
            for (size_t k = 0; k < p.size(); ++k)
            {
                cumulative += p[k];
                const size_t end = (k + 1 == p.size())
                                       ? members.size()
                                       : static_cast<size_t>(std::floor(
                                             cumulative / sum * static_cast<double>(members.size())));
                for (size_t i = start; i < std::max(start, end); ++i)
                {
                    partition[k].push_back(members[i]);
                }
                start = std::max(start, end);
            }
        }
        bool ok = true;
        for (const auto& part : partition)
        {
            ok = ok && static_cast<int>(part.size()) >= minSamples;
        }
        if (ok)
        {
            return partition;
        }
    }
    throw InputError("data.dirichlet-alpha: " + std::to_string(alpha) + " with " +
                     std::to_string(clients) + " clients leaves a client with fewer than " +
                     std::to_string(minSamples) +
                     " samples in every draw; raise alpha or lower data.clients");
}

} // namespace wfl
