/*
 * The assignment half of RePurpose: which worker computes each neuron.
 *
 * With weights fixed, the cost of putting output neuron i of layer l on
 * worker k is the weight mass that would cross workers:
 *   incoming(i, k) = sum_j c(W_ij, s_j) [holder(j) is a worker != k]
 *   outgoing(i, k) = sum_r c(V_ri, t_i) [worker(r) != k]   (V = next layer)
 * with c(w, s) = w^2 s ("saliency": the rise in mean squared pre-activation
 * error if the weight is dropped without refit, s_j = mean square of input
 * j) or c(w, s) = |w| ("magnitude", the plain cross-worker weight mass).
 * Charging every weight separately is an upper bound on the activation
 * traffic (one transfer serves all neurons of a worker), which a linear
 * assignment cannot model exactly. Worker capacities become slots (capacity
 * copies of each worker) and the Hungarian algorithm (O(m^3)) picks the
 * minimum-cost one-to-one neuron-to-slot map.
 */
#ifndef WFL_REPURPOSE_ASSIGN_H
#define WFL_REPURPOSE_ASSIGN_H

#include "repurpose-network.h"

#include <vector>

namespace wfl
{

enum class AssignCost
{
    kSaliency,
    kMagnitude
};

/// c(w_ij, s_j) elementwise (column j of w has scale s_j).
Eigen::MatrixXd ElementCost(const Eigen::MatrixXd& w, const Eigen::VectorXd& columnScale, AssignCost kind);

/// incoming(i, k) [out x K] as above; inputs held by the source cost nothing.
Eigen::MatrixXd IncomingCost(const Eigen::MatrixXd& weights,
                             const Eigen::VectorXd& inputScale,
                             const std::vector<int>& inputHolder,
                             int workers,
                             AssignCost kind);

/// outgoing(i, k) [next->cols() x K] for the next layer's weights V [r x m]
/// whose rows sit on nextWorker; outputScale_i = mean square of output i.
Eigen::MatrixXd OutgoingCost(const Eigen::MatrixXd& nextWeights,
                             const Eigen::VectorXd& outputScale,
                             const std::vector<int>& nextWorker,
                             int workers,
                             AssignCost kind);

/// Minimum-cost map of neurons to workers with exactly capacities[k] neurons
/// on worker k (sum of capacities = rows of cost).
std::vector<int> AssignToWorkers(const Eigen::MatrixXd& workerCost, const std::vector<int>& capacities);

/// Sum over neurons of workerCost(i, worker[i]).
double AssignedCost(const Eigen::MatrixXd& workerCost, const std::vector<int>& worker);

/**
 * Assignments of all layers on the original weights, before any pruning:
 * start from contiguous blocks; a first forward sweep reassigns every layer
 * from its incoming cost alone (a layer fed only by the source has none and
 * keeps its blocks); each further sweep reassigns layer by layer from
 * incoming + outgoing cost, which is exact block-coordinate descent on the
 * summed cross cost of the network, so it never increases it. Stops early
 * when a sweep changes nothing. When the source holds the input, the first
 * layer has no incoming cost, and the sweeps also run from a second start
 * whose first layer is SpectralAssignment on the second layer's weights;
 * the start with the lower final NetworkCrossCost wins (contiguous on ties).
 * @param inputs post-ReLU inputs of every layer on calibration data (LayerInputs).
 */
std::vector<std::vector<int>> InitialAssignments(const DenseStack& net,
                                                 const std::vector<Eigen::MatrixXd>& inputs,
                                                 const std::vector<int>& inputHolder,
                                                 const std::vector<std::vector<int>>& capacities,
                                                 int workers,
                                                 AssignCost kind,
                                                 int sweeps);

/// Mean square of every row of x (the s_j above).
Eigen::VectorXd RowMeanSquares(const Eigen::MatrixXd& x);

/// Summed cross cost of a whole assignment (incoming cost of every layer).
double NetworkCrossCost(const DenseStack& net,
                        const std::vector<Eigen::MatrixXd>& inputs,
                        const std::vector<int>& inputHolder,
                        const std::vector<std::vector<int>>& worker,
                        int workers,
                        AssignCost kind);

} // namespace wfl

#endif
