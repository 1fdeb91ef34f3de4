#include "evaluation.h"

#include <cmath>

namespace wfl
{

Metrics
EvaluateRange(Model<float>& model,
              const Eigen::VectorXf& params,
              const Dataset& data,
              Eigen::Index start,
              Eigen::Index count)
{
    Eigen::MatrixXf logits;
    Eigen::MatrixXf inputs;
    data.CopyColumns(start, count, inputs);
    model.Forward(params, inputs, logits);
    long correct = 0;
    double lossSum = 0.0;
    for (Eigen::Index j = 0; j < count; ++j)
    {
        const int label = data.labels[static_cast<size_t>(start + j)];
        Eigen::Index best;
        const float zMax = logits.col(j).maxCoeff(&best);
        correct += (best == label);
        const double sum = (logits.col(j).array() - zMax).exp().template cast<double>().sum();
        lossSum += std::log(sum) - static_cast<double>(logits(label, j) - zMax);
    }
    Metrics metrics;
    metrics.accuracy = static_cast<double>(correct) / static_cast<double>(count);
    metrics.loss = lossSum / static_cast<double>(count);
    return metrics;
}

Metrics
Evaluate(Model<float>& model, const Eigen::VectorXf& params, const Dataset& data, Eigen::Index chunk)
{
    Metrics total;
    for (Eigen::Index start = 0; start < data.Count(); start += chunk)
    {
        const Eigen::Index n = std::min(chunk, data.Count() - start);
        const Metrics part = EvaluateRange(model, params, data, start, n);
        const double weight = static_cast<double>(n) / static_cast<double>(data.Count());
        total.accuracy += part.accuracy * weight;
        total.loss += part.loss * weight;
    }
    return total;
}

} // namespace wfl
