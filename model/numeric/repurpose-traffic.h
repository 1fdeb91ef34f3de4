/*
 * What a restructured network costs per inference: the activations that
 * cross between nodes and each worker's arithmetic.
 *
 * Worker k needs input feature j of layer l from its holder p != k exactly
 * when some neuron of k keeps a weight on j; it is sent once per inference
 * however many of k's neurons use it (one float32 activation = 4 bytes).
 * The logits that every worker finally reports (4 bytes per class, the same
 * for every method) are not counted here.
 */
#ifndef WFL_REPURPOSE_TRAFFIC_H
#define WFL_REPURPOSE_TRAFFIC_H

#include "repurpose-network.h"

#include <vector>

namespace wfl
{

/// Bytes of one activation on the wire (float32).
constexpr int kActivationBytes = 4;

struct LayerTraffic
{
    /// needs[k][p]: inputs of the layer (original indices, ascending) that
    /// worker k receives from node p; p = K is the source node, needs[k][k] is empty.
    std::vector<std::vector<std::vector<int>>> needs;
    long crossActivations = 0;  ///< sum of |needs[k][p]| over workers p != k
    long sourceActivations = 0; ///< sum of |needs[k][K]|
    long crossWeights = 0;      ///< kept weights whose input lives on another worker
    long keptWeights = 0;       ///< all kept weights
    /// Per worker: 2 FLOPs per kept weight (multiply-add) + 1 per neuron (bias);
    /// ReLU comparisons are not counted.
    std::vector<double> flops;
    /// Per worker: output neurons of the layer it computes (for the last
    /// layer: the logits it reports). May be left empty by synthetic traffic.
    std::vector<int> neurons;
};

struct NetworkTraffic
{
    std::vector<LayerTraffic> layers;
    long crossActivations = 0;    ///< whole network, per inference
    long sourceActivations = 0;
    std::vector<double> flops;    ///< per worker, whole network

    long CrossBytes() const
    {
        return kActivationBytes * crossActivations;
    }
    long SourceBytes() const
    {
        return kActivationBytes * sourceActivations;
    }
};

/// Traffic of one layer whose inputs are held by `inputHolder` (workers or kSourceHolder).
LayerTraffic CountLayerTraffic(const RestructuredLayer& layer,
                               const std::vector<int>& inputHolder,
                               int workers);

NetworkTraffic CountTraffic(const RestructuredNetwork& net);

} // namespace wfl

#endif
