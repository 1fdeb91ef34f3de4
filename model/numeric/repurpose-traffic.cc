#include "repurpose-traffic.h"

namespace wfl
{

LayerTraffic
CountLayerTraffic(const RestructuredLayer& layer, const std::vector<int>& inputHolder, int workers)
{
    const size_t numWorkers = static_cast<size_t>(workers);
    LayerTraffic t;
    t.needs.assign(numWorkers, std::vector<std::vector<int>>(numWorkers + 1));
    t.flops.assign(numWorkers, 0.0);
    t.neurons.assign(numWorkers, 0);
    const Eigen::Index rows = layer.mask.rows();
    const Eigen::Index cols = layer.mask.cols();
    // used(k, j): some neuron of worker k keeps a weight on input j.
    Mask used = Mask::Zero(workers, cols);
    for (Eigen::Index i = 0; i < rows; ++i)
    {
        const int k = layer.worker[static_cast<size_t>(i)];
        t.flops[static_cast<size_t>(k)] += 1.0;
        ++t.neurons[static_cast<size_t>(k)];
        for (Eigen::Index j = 0; j < cols; ++j)
        {
            if (layer.mask(i, j) == 0)
            {
                continue;
            }
            used(k, j) = 1;
            ++t.keptWeights;
            t.flops[static_cast<size_t>(k)] += 2.0;
            const int holder = inputHolder[static_cast<size_t>(j)];
            t.crossWeights += (holder != kSourceHolder && holder != k) ? 1 : 0;
        }
    }
    for (size_t k = 0; k < numWorkers; ++k)
    {
        for (Eigen::Index j = 0; j < cols; ++j)
        {
            const int holder = inputHolder[static_cast<size_t>(j)];
            if (used(static_cast<Eigen::Index>(k), j) == 0 || holder == static_cast<int>(k))
            {
                continue;
            }
            const size_t from = holder == kSourceHolder ? numWorkers : static_cast<size_t>(holder);
            t.needs[k][from].push_back(static_cast<int>(j));
            if (from == numWorkers)
            {
                ++t.sourceActivations;
            }
            else
            {
                ++t.crossActivations;
            }
        }
    }
    return t;
}

NetworkTraffic
CountTraffic(const RestructuredNetwork& net)
{
    NetworkTraffic total;
    total.flops.assign(static_cast<size_t>(net.workers), 0.0);
    for (size_t l = 0; l < net.layers.size(); ++l)
    {
        LayerTraffic t = CountLayerTraffic(net.layers[l], net.InputHolders(l), net.workers);
        total.crossActivations += t.crossActivations;
        total.sourceActivations += t.sourceActivations;
        for (size_t k = 0; k < total.flops.size(); ++k)
        {
            total.flops[k] += t.flops[k];
        }
        total.layers.push_back(std::move(t));
    }
    return total;
}

} // namespace wfl
