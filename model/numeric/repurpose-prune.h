/*
 * One layer of RePurpose with the assignment fixed: which cross-worker
 * weights to keep (an l0 budget or a cost per kept unit), and the least-
 * squares refit of the kept weights on calibration activations.
 *
 * Notation (methods.md 7.3): layer weights W [m x n], bias b, calibration
 * inputs of the restructured network Xh [n x S] (upstream layers already
 * restructured), target Z = W X + b the ORIGINAL pre-activation on the
 * original inputs X. Fitting Ŵ Xh + b̂ to Z lets each layer absorb the error
 * of the layers before it.
 */
#ifndef WFL_REPURPOSE_PRUNE_H
#define WFL_REPURPOSE_PRUNE_H

#include "repurpose-network.h"

#include <vector>

namespace wfl
{

/// What one unit of the l0 count is. kActivation: all weights from input j
/// to the neurons of one worker k != holder(j) (dropping the unit saves one
/// activation transfer, which is what the network carries). kWeight: one
/// cross weight (the count in methods.md 7.3; traffic falls only when every
/// weight of a (j, k) group goes).
enum class PruneUnit
{
    kActivation,
    kWeight
};

struct CrossPruneSpec
{
    PruneUnit unit = PruneUnit::kActivation;
    /// Largest number of cross units kept in the layer; < 0 = no limit.
    long budget = -1;
    /// Keep a unit only if its saliency exceeds rho (units of Z^2 per
    /// sample); < 0 = no threshold. With a diagonal (uncorrelated-input)
    /// approximation of the Gram matrix, dropping unit u raises the mean
    /// squared error of Z by its saliency, so this is the l0 proximal rule
    /// for the cost  MSE + rho * (kept cross units).
    double rho = -1.0;
};

/**
 * Mask of a layer: weights on local inputs and on source-held inputs are
 * all kept; cross units are ranked by saliency  sum over the unit's weights
 * of W_ij^2 * inputScale_j  (inputScale_j = mean of Xh_j^2 for RePurpose, 1
 * for plain magnitude pruning), descending, ties by (input, worker) or
 * (row, input) ascending, and kept while within the budget and above rho.
 * A unit whose weights are all exactly 0 is never kept (dropping it changes
 * nothing).
 */
Mask SelectCrossMask(const Eigen::MatrixXd& weights,
                     const std::vector<int>& worker,
                     const std::vector<int>& inputHolder,
                     const Eigen::VectorXd& inputScale,
                     const CrossPruneSpec& spec);

/// Number of cross units a mask keeps (same unit definition as above).
long CountCrossUnits(const Mask& mask,
                     const std::vector<int>& worker,
                     const std::vector<int>& inputHolder,
                     PruneUnit unit);

/**
 * Least-squares refit of every row's kept weights and its bias:
 *   minimise over (w_J, c)  (1/S) ||Z_i - w_J Xh_J - c||^2
 *                           + lambda (||w_J - W_iJ||^2 + (c - b_i)^2),
 *   lambda = ridge * (mean diagonal of the Gram matrix Xh Xh^T / S).
 * The proximal term keeps weights that the calibration data cannot
 * identify (e.g. on inputs that are never active) at their original values,
 * and since (W_iJ, b_i) is feasible with zero penalty, the refit's mean
 * squared error never exceeds the unrefit masked layer's. Rows with the
 * same support share one Cholesky (LDLT) factorisation. ridge >= 0.
 * @param weights, bias the original layer; masked entries of the result are 0.
 */
void RefitLayer(const Eigen::MatrixXd& weights,
                const Eigen::VectorXd& bias,
                const Mask& mask,
                const Eigen::MatrixXd& inputs,
                const Eigen::MatrixXd& target,
                double ridge,
                Eigen::MatrixXd& newWeights,
                Eigen::VectorXd& newBias);

/// Mean over samples of ||Z - (W .* mask) Xh - b||^2 (summed over outputs).
double LayerMse(const Eigen::MatrixXd& weights,
                const Eigen::VectorXd& bias,
                const Mask& mask,
                const Eigen::MatrixXd& inputs,
                const Eigen::MatrixXd& target);

/// W with the masked-out entries set to 0.
Eigen::MatrixXd ApplyMask(const Eigen::MatrixXd& weights, const Mask& mask);

} // namespace wfl

#endif
