#include "evaluation.h"

#include <algorithm>
#include <cmath>
#include <utility>

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
    std::vector<long> predictions(static_cast<size_t>(logits.rows()), 0);
    for (Eigen::Index j = 0; j < count; ++j)
    {
        const int label = data.labels[static_cast<size_t>(start + j)];
        Eigen::Index best;
        const float zMax = logits.col(j).maxCoeff(&best);
        correct += (best == label);
        ++predictions[static_cast<size_t>(best)];
        const double sum = (logits.col(j).array() - zMax).exp().template cast<double>().sum();
        lossSum += std::log(sum) - static_cast<double>(logits(label, j) - zMax);
    }
    Metrics metrics;
    metrics.accuracy = static_cast<double>(correct) / static_cast<double>(count);
    metrics.correct = correct;
    metrics.loss = lossSum / static_cast<double>(count);
    metrics.predictions = std::move(predictions);
    return metrics;
}

double
TopClassShare(const Metrics& metrics)
{
    long total = 0;
    long most = 0;
    for (long n : metrics.predictions)
    {
        total += n;
        most = std::max(most, n);
    }
    return total == 0 ? std::nan("") : static_cast<double>(most) / static_cast<double>(total);
}

void
AddPredictions(Metrics& total, const Metrics& part)
{
    total.predictions.resize(std::max(total.predictions.size(), part.predictions.size()), 0);
    long samples = 0;
    for (size_t k = 0; k < total.predictions.size(); ++k)
    {
        total.predictions[k] += k < part.predictions.size() ? part.predictions[k] : 0;
        samples += total.predictions[k];
    }
    total.correct += part.correct;
    total.accuracy = samples == 0 ? 0.0 : static_cast<double>(total.correct) / static_cast<double>(samples);
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
        total.loss += part.loss * weight;
        AddPredictions(total, part);
    }
    return total;
}

} // namespace wfl
