/*
 * RePurpose (methods.md 7.3, a reconstruction) and the three baselines of
 * the papers, over a stack of dense layers with ReLU between them.
 *
 * Decisions of this reconstruction (all configurable below):
 *  - Assignments start from InitialAssignments (contiguous blocks, then
 *    Hungarian sweeps on the original weights); the per-layer alternation
 *    then goes from input to output, each layer's outgoing cost using the
 *    initial assignment of the next layer.
 *  - Per layer, iteration 0 uses the initial assignment; iteration t >= 1
 *    reassigns by the Hungarian on the reference weights M (kept entries
 *    at their refit values, dropped entries at their original values), then
 *    masks (SelectCrossMask on M) and refits (RefitLayer) from the original
 *    weights. The iterate with the lowest objective
 *        MSE of the pre-activation + max(rho, 0) * kept cross units
 *    is kept (earliest on ties); iterations stop early once the assignment
 *    repeats. Every iterate is recorded.
 *  - Local weights and source-held inputs are never pruned.
 *  - A layer with nothing dropped and unchanged inputs is not refit, so with
 *    no pruning the result is exactly a re-assignment of the original.
 */
#ifndef WFL_REPURPOSE_H
#define WFL_REPURPOSE_H

#include "repurpose-assign.h"
#include "repurpose-network.h"
#include "repurpose-prune.h"

#include <vector>

namespace wfl
{

struct RepurposeConfig
{
    int workers = 2;                              ///< K >= 1
    InputPlacement input = InputPlacement::kSource;
    /// Per layer, output neurons per worker (each list sums to the layer
    /// width); empty = BalancedCapacities for every layer.
    std::vector<std::vector<int>> capacities;
    AssignCost assignCost = AssignCost::kSaliency;
    int sweeps = 3;     ///< InitialAssignments sweeps (0 = contiguous blocks), >= 0
    int iterations = 3; ///< assignment/pruning alternations per layer, >= 1
    PruneUnit unit = PruneUnit::kActivation;
    /// Cross units kept per layer: empty = no limit, one value = every layer,
    /// else one per layer; a negative value = no limit.
    std::vector<long> budget;
    double rho = -1.0; ///< see CrossPruneSpec::rho; < 0 = off
    bool refit = true;
    double ridge = 1e-4; ///< see RefitLayer, >= 0
};

/// One iterate of the per-layer alternation.
struct IterationRecord
{
    int layer = 0;
    int iteration = 0;
    long crossUnits = 0;       ///< kept cross units (config unit)
    double mse = 0.0;          ///< mean over samples of ||Z - Ẑ||^2
    double relativeError = 0;  ///< ||Z - Ẑ||_F^2 / ||Z||_F^2
    double objective = 0.0;    ///< mse + max(rho, 0) * crossUnits
    double assignmentCost = 0; ///< incoming + outgoing cost of the iterate's assignment
};

struct RepurposeResult
{
    RestructuredNetwork network;
    std::vector<IterationRecord> history;
    std::vector<int> chosenIteration; ///< per layer
};

/// Throws InputError (keys repurpose.*) for a configuration `net` cannot take.
void ValidateConfig(const RepurposeConfig& config, const DenseStack& net, const Eigen::MatrixXd& calibration);

/// RePurpose on calibration inputs [inputDim x samples].
RepurposeResult Repurpose(const DenseStack& net, const Eigen::MatrixXd& calibration, const RepurposeConfig& config);

/// Naive split: contiguous blocks, every weight kept.
RestructuredNetwork NaiveSplit(const DenseStack& net, const RepurposeConfig& config);

/// Direct parallel: contiguous blocks, every cross weight dropped, no refit.
RestructuredNetwork DirectParallel(const DenseStack& net, const RepurposeConfig& config);

/// Contiguous blocks, cross units ranked by plain weight magnitude (sum of
/// W^2 over the unit) under the config's budget and unit, no refit.
RestructuredNetwork MagnitudePruned(const DenseStack& net, const RepurposeConfig& config);

/// The capacities the config implies for every layer of `net`.
std::vector<std::vector<int>> LayerCapacities(const RepurposeConfig& config, const DenseStack& net);

} // namespace wfl

#endif
