#include "evaluation.h"

#include <cmath>

namespace wfl
{

Metrics
Evaluate(Model<float>& model, const Eigen::VectorXf& params, const Dataset& data, Eigen::Index chunk)
{
    Metrics metrics;
    Eigen::MatrixXf logits;
    Eigen::MatrixXf inputs;
    long correct = 0;
    double lossSum = 0.0;
    for (Eigen::Index start = 0; start < data.Count(); start += chunk)
    {
        const Eigen::Index n = std::min(chunk, data.Count() - start);
        inputs = data.features.middleCols(start, n);
        model.Forward(params, inputs, logits);
        for (Eigen::Index j = 0; j < n; ++j)
        {
            const int label = data.labels[static_cast<size_t>(start + j)];
            Eigen::Index best;
            const float zMax = logits.col(j).maxCoeff(&best);
            correct += (best == label);
            const double sum = (logits.col(j).array() - zMax).exp().template cast<double>().sum();
            lossSum += std::log(sum) - static_cast<double>(logits(label, j) - zMax);
        }
    }
    metrics.accuracy = static_cast<double>(correct) / static_cast<double>(data.Count());
    metrics.loss = lossSum / static_cast<double>(data.Count());
    return metrics;
}

} // namespace wfl
