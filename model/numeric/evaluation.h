/*
 * Test-set metrics of a model.
 */
#ifndef WFL_EVALUATION_H
#define WFL_EVALUATION_H

#include "dataset.h"
#include "model.h"

namespace wfl
{

struct Metrics
{
    double accuracy = 0.0; ///< fraction of correct top-1 predictions
    double loss = 0.0;     ///< mean cross-entropy (nats)
};

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
