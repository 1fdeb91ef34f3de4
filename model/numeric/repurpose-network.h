/*
 * A dense network split over K workers for parallel inference (RePurpose,
 * methods.md section 7): every neuron of every layer belongs to one worker,
 * and a 0/1 mask says which weights survive. A worker computes its neurons'
 * outputs; a weight whose input neuron lives on another worker makes that
 * input's activation cross the network once per inference and worker.
 *
 * Everything here is kept in the ORIGINAL neuron order (worker[i] is the
 * worker of original neuron i); BlockOrder gives the permutation that makes
 * each worker's neurons contiguous, which is the layout a worker stores.
 */
#ifndef WFL_REPURPOSE_NETWORK_H
#define WFL_REPURPOSE_NETWORK_H

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace wfl
{

/// One fully connected layer: y = weights * x + bias. ReLU follows every
/// layer but the last.
struct DenseLayer
{
    Eigen::MatrixXd weights; ///< [out x in]
    Eigen::VectorXd bias;    ///< [out]
};

using DenseStack = std::vector<DenseLayer>;

using Mask = Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic>;

/// Where the network input lives. kSource: a source node (not a worker)
/// holds the whole input and sends each worker the features it uses, so the
/// first layer has no cross-worker weights. kSplit: input feature j is held
/// by worker inputWorker[j] (sensor nodes), and the first layer is split like
/// any other.
enum class InputPlacement
{
    kSource,
    kSplit
};

/// Holder value of a feature that lives on the source node.
constexpr int kSourceHolder = -1;

struct RestructuredLayer
{
    std::vector<int> worker; ///< worker of each output neuron, in [0, K)
    Mask mask;               ///< [out x in], 1 = weight kept
    Eigen::MatrixXd weights; ///< [out x in], zero wherever mask is 0
    Eigen::VectorXd bias;    ///< [out]
};

struct RestructuredNetwork
{
    int workers = 1;
    /// Holder of each input feature: a worker, or kSourceHolder.
    std::vector<int> inputHolder;
    std::vector<RestructuredLayer> layers;

    /// Holder of the inputs of layer l (the previous layer's workers).
    const std::vector<int>& InputHolders(size_t layer) const
    {
        return layer == 0 ? inputHolder : layers[layer - 1].worker;
    }
};

/// Neurons per worker for a layer of `width`: width / K each, the first
/// width % K workers one more. @throws InputError (key repurpose.workers) if K < 1.
std::vector<int> BalancedCapacities(int width, int workers);

/// Neuron i goes to the worker whose contiguous block [sum of earlier
/// capacities, + capacity) contains i (the naive split).
std::vector<int> ContiguousAssignment(const std::vector<int>& capacities);

/// Input holders for a placement: all kSourceHolder, or contiguous balanced blocks.
std::vector<int> InputHolders(InputPlacement placement, int inputDim, int workers);

/// Stable order of neurons by worker: position p holds original neuron order[p].
std::vector<int> BlockOrder(const std::vector<int>& worker);

/// Forward pass of the original network: logits [classes x samples] for x [in x samples].
Eigen::MatrixXd ForwardDense(const DenseStack& net, const Eigen::MatrixXd& x);

/// Post-ReLU inputs of every layer: result[l] is the input of layer l
/// (result[0] = x), result[L] the logits.
std::vector<Eigen::MatrixXd> LayerInputs(const DenseStack& net, const Eigen::MatrixXd& x);

/**
 * Forward pass of a restructured network in its block layout: every layer's
 * neurons are reordered by worker (BlockOrder), its masked weights permuted
 * to match, and the logits put back into the original class order. It
 * equals the original network exactly when no weight is masked and the
 * weights are unchanged (up to summation order).
 */
Eigen::MatrixXd ForwardRestructured(const RestructuredNetwork& net, const Eigen::MatrixXd& x);

/// Fraction of columns whose largest logit is at the label (first on ties).
double Accuracy(const Eigen::MatrixXd& logits, const std::vector<int>& labels);

/// A restructured network that keeps every weight of `net` under `worker`
/// per layer (a pure re-assignment).
RestructuredNetwork Unpruned(const DenseStack& net,
                             const std::vector<int>& inputHolder,
                             const std::vector<std::vector<int>>& worker,
                             int workers);

} // namespace wfl

#endif
