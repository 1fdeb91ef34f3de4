#include "repurpose-prune.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace wfl
{
namespace
{

/// A cross unit: (input j, worker k) for kActivation, (row i, input j) for kWeight.
struct Unit
{
    double saliency;
    int a;
    int b;
};

bool
IsCross(int holder, int worker)
{
    return holder != kSourceHolder && holder != worker;
}

std::vector<Unit>
ActivationUnits(const Eigen::MatrixXd& w,
                const std::vector<int>& worker,
                const std::vector<int>& holder,
                const Eigen::VectorXd& scale,
                int workers)
{
    Eigen::MatrixXd squares = Eigen::MatrixXd::Zero(workers, w.cols());
    Eigen::MatrixXi nonzeros = Eigen::MatrixXi::Zero(workers, w.cols());
    for (Eigen::Index i = 0; i < w.rows(); ++i)
    {
        const int k = worker[static_cast<size_t>(i)];
        squares.row(k) += w.row(i).cwiseAbs2();
        nonzeros.row(k) += (w.row(i).array() != 0.0).cast<int>().matrix();
    }
    std::vector<Unit> units;
    for (Eigen::Index j = 0; j < w.cols(); ++j)
    {
        for (int k = 0; k < workers; ++k)
        {
            if (IsCross(holder[static_cast<size_t>(j)], k) && nonzeros(k, j) > 0)
            {
                units.push_back({squares(k, j) * scale(j), static_cast<int>(j), k});
            }
        }
    }
    return units;
}

std::vector<Unit>
WeightUnits(const Eigen::MatrixXd& w,
            const std::vector<int>& worker,
            const std::vector<int>& holder,
            const Eigen::VectorXd& scale)
{
    std::vector<Unit> units;
    for (Eigen::Index i = 0; i < w.rows(); ++i)
    {
        for (Eigen::Index j = 0; j < w.cols(); ++j)
        {
            if (IsCross(holder[static_cast<size_t>(j)], worker[static_cast<size_t>(i)]) &&
                w(i, j) != 0.0)
            {
                units.push_back({w(i, j) * w(i, j) * scale(j), static_cast<int>(i), static_cast<int>(j)});
            }
        }
    }
    return units;
}

} // namespace

Mask
SelectCrossMask(const Eigen::MatrixXd& weights,
                const std::vector<int>& worker,
                const std::vector<int>& inputHolder,
                const Eigen::VectorXd& inputScale,
                const CrossPruneSpec& spec)
{
    const int workers = 1 + *std::max_element(worker.begin(), worker.end());
    Mask mask = Mask::Ones(weights.rows(), weights.cols());
    for (Eigen::Index i = 0; i < weights.rows(); ++i)
    {
        for (Eigen::Index j = 0; j < weights.cols(); ++j)
        {
            if (IsCross(inputHolder[static_cast<size_t>(j)], worker[static_cast<size_t>(i)]))
            {
                mask(i, j) = 0;
            }
        }
    }
    std::vector<Unit> units = spec.unit == PruneUnit::kActivation
                                  ? ActivationUnits(weights, worker, inputHolder, inputScale, workers)
                                  : WeightUnits(weights, worker, inputHolder, inputScale);
    std::sort(units.begin(), units.end(), [](const Unit& x, const Unit& y) {
        if (x.saliency != y.saliency)
        {
            return x.saliency > y.saliency;
        }
        return x.a != y.a ? x.a < y.a : x.b < y.b;
    });
    long kept = 0;
    for (const Unit& u : units)
    {
        if ((spec.budget >= 0 && kept >= spec.budget) || (spec.rho >= 0.0 && !(u.saliency > spec.rho)))
        {
            break;
        }
        ++kept;
        if (spec.unit == PruneUnit::kWeight)
        {
            mask(u.a, u.b) = 1;
            continue;
        }
        for (Eigen::Index i = 0; i < weights.rows(); ++i)
        {
            if (worker[static_cast<size_t>(i)] == u.b)
            {
                mask(i, u.a) = 1;
            }
        }
    }
    return mask;
}

long
CountCrossUnits(const Mask& mask,
                const std::vector<int>& worker,
                const std::vector<int>& inputHolder,
                PruneUnit unit)
{
    const int workers = 1 + *std::max_element(worker.begin(), worker.end());
    Mask used = Mask::Zero(workers, mask.cols());
    long weightsKept = 0;
    for (Eigen::Index i = 0; i < mask.rows(); ++i)
    {
        const int k = worker[static_cast<size_t>(i)];
        for (Eigen::Index j = 0; j < mask.cols(); ++j)
        {
            if (mask(i, j) != 0 && IsCross(inputHolder[static_cast<size_t>(j)], k))
            {
                used(k, j) = 1;
                ++weightsKept;
            }
        }
    }
    return unit == PruneUnit::kWeight ? weightsKept : static_cast<long>(used.cast<long>().sum());
}

Eigen::MatrixXd
ApplyMask(const Eigen::MatrixXd& weights, const Mask& mask)
{
    return weights.cwiseProduct(mask.cast<double>());
}

double
LayerMse(const Eigen::MatrixXd& weights,
         const Eigen::VectorXd& bias,
         const Mask& mask,
         const Eigen::MatrixXd& inputs,
         const Eigen::MatrixXd& target)
{
    Eigen::MatrixXd residual = target - ApplyMask(weights, mask) * inputs;
    residual.colwise() -= bias;
    return residual.squaredNorm() / static_cast<double>(inputs.cols());
}

void
RefitLayer(const Eigen::MatrixXd& weights,
           const Eigen::VectorXd& bias,
           const Mask& mask,
           const Eigen::MatrixXd& inputs,
           const Eigen::MatrixXd& target,
           double ridge,
           Eigen::MatrixXd& newWeights,
           Eigen::VectorXd& newBias)
{
    if (!(ridge >= 0.0))
    {
        throw std::invalid_argument("RefitLayer: ridge must be >= 0");
    }
    const Eigen::Index n = inputs.rows();
    const double samples = static_cast<double>(inputs.cols());
    // Augmented inputs [Xh; 1]: Gram G = A A^T / S and cross moments C = A Z^T / S.
    Eigen::MatrixXd augmented(n + 1, inputs.cols());
    augmented.topRows(n) = inputs;
    augmented.row(n).setOnes();
    const Eigen::MatrixXd gram = augmented * augmented.transpose() / samples;
    const Eigen::MatrixXd moments = augmented * target.transpose() / samples;
    const double lambda = ridge * gram.diagonal().head(n).mean();

    // Rows with identical supports share a factorisation.
    std::map<std::vector<uint8_t>, std::vector<Eigen::Index>> groups;
    for (Eigen::Index i = 0; i < mask.rows(); ++i)
    {
        std::vector<uint8_t> key(static_cast<size_t>(n));
        for (Eigen::Index j = 0; j < n; ++j)
        {
            key[static_cast<size_t>(j)] = mask(i, j);
        }
        groups[key].push_back(i);
    }
    newWeights = Eigen::MatrixXd::Zero(weights.rows(), weights.cols());
    newBias = bias;
    for (const auto& [key, rows] : groups)
    {
        std::vector<Eigen::Index> support;
        for (Eigen::Index j = 0; j < n; ++j)
        {
            if (key[static_cast<size_t>(j)] != 0)
            {
                support.push_back(j);
            }
        }
        support.push_back(n); // the bias
        const Eigen::Index d = static_cast<Eigen::Index>(support.size());
        Eigen::MatrixXd system(d, d);
        for (Eigen::Index p = 0; p < d; ++p)
        {
            for (Eigen::Index q = 0; q < d; ++q)
            {
                system(p, q) = gram(support[static_cast<size_t>(p)], support[static_cast<size_t>(q)]);
            }
            system(p, p) += lambda;
        }
        Eigen::MatrixXd rhs(d, static_cast<Eigen::Index>(rows.size()));
        for (size_t r = 0; r < rows.size(); ++r)
        {
            const Eigen::Index i = rows[r];
            for (Eigen::Index p = 0; p + 1 < d; ++p)
            {
                const Eigen::Index j = support[static_cast<size_t>(p)];
                rhs(p, static_cast<Eigen::Index>(r)) = moments(j, i) + lambda * weights(i, j);
            }
            rhs(d - 1, static_cast<Eigen::Index>(r)) = moments(n, i) + lambda * bias(i);
        }
        const Eigen::MatrixXd solution = system.ldlt().solve(rhs);
        for (size_t r = 0; r < rows.size(); ++r)
        {
            const Eigen::Index i = rows[r];
            for (Eigen::Index p = 0; p + 1 < d; ++p)
            {
                newWeights(i, support[static_cast<size_t>(p)]) = solution(p, static_cast<Eigen::Index>(r));
            }
            newBias(i) = solution(d - 1, static_cast<Eigen::Index>(r));
        }
    }
}

} // namespace wfl
