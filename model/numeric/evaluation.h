/*
 * Test-set metrics of a model.
 */
#ifndef WFL_EVALUATION_H
#define WFL_EVALUATION_H

#include "dataset.h"
#include "model.h"

#include <vector>

namespace wfl
{

struct Metrics
{
    double accuracy = 0.0; ///< fraction of correct top-1 predictions
    long correct = 0;      ///< correct top-1 predictions
    double loss = 0.0;     ///< mean cross-entropy (nats)
    /// predictions[k]: samples given class k (top-1; ties to the lowest k).
    std::vector<long> predictions;
};

/**
 * A model whose predictions barely depend on its input (collapsed after a
 * step that left almost every ReLU dead, or never trained past a fresh
 * CNN's near-constant output) has finite losses, so no divergence check
 * sees it; its sign is one class taking nearly every prediction. wfl calls
 * a model near-constant when one class takes at least this share of a test
 * set (run-diagnosis.h tells the two causes apart). Assumption: test sets
 * with no class near this share (wfl's are balanced: Fashion-MNIST and the
 * synthetic clusters have 1/C of each class).
 */
constexpr double kNearConstantShare = 0.9;

/// The largest share of the samples given one class (1/C for an even
/// spread over C classes, 1 for a constant prediction); NaN if none.
double TopClassShare(const Metrics& metrics);

/// Adds part's correct and per-class prediction counts to total's, and sets
/// total.accuracy to their ratio (exact: the same in any order, and the
/// nearest double to correct / samples, which a weighted sum of the parts'
/// accuracies is not).
void AddPredictions(Metrics& total, const Metrics& part);

/// Metrics of samples [start, start + count) of the dataset.
Metrics EvaluateRange(Model<float>& model,
                      const Eigen::VectorXf& params,
                      const Dataset& data,
                      Eigen::Index start,
                      Eigen::Index count);

/// Metrics over the whole dataset, evaluated in chunks of `chunk` samples.
Metrics Evaluate(Model<float>& model,
                 const Eigen::VectorXf& params,
                 const Dataset& data,
                 Eigen::Index chunk = 2000);

} // namespace wfl

#endif
