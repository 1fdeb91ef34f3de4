#include "mse-optimal-rule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace wfl
{

MseTerms
MseCostModel::Evaluate(double scale, double activeWeight, double activeSquaredWeight) const
{
    const double inverse = 1.0 / activeWeight;
    const double concentration = activeSquaredWeight * inverse * inverse; // S_A / W_A^2
    MseTerms terms;
    terms.noise = noiseEnergy * inverse * inverse / (scale * scale);
    terms.projection = projectionFactor * (commonNorm2 + spread * concentration);
    // sum_k v w_k^2 (1[k in A] / W_A - 1 / W)^2 >= 0; the max only removes rounding.
    terms.exclusion =
        spread * std::max(0.0, concentration - 2.0 * activeSquaredWeight * inverse / totalWeight +
                                   totalSquaredWeight / (totalWeight * totalWeight));
    return terms;
}

double
MseCostModel::ErrorOf(const std::vector<bool>& active,
                      const std::vector<double>& scales,
                      const std::vector<double>& weights) const
{
    double scale = std::numeric_limits<double>::infinity();
    double activeWeight = 0.0;
    double activeSquaredWeight = 0.0;
    for (size_t k = 0; k < active.size(); ++k)
    {
        if (active[k])
        {
            scale = std::min(scale, scales[k]);
            activeWeight += weights[k];
            activeSquaredWeight += weights[k] * weights[k];
        }
    }
    if (activeWeight <= 0.0 || !(scale > 0.0))
    {
        return std::numeric_limits<double>::infinity();
    }
    return Error(scale, activeWeight, activeSquaredWeight);
}

namespace
{

/// The best (threshold, weight cut) seen by the scan.
struct ScanBest
{
    double value = std::numeric_limits<double>::infinity();
    size_t threshold = 0; ///< C_t = the first threshold + 1 clients by scale
    size_t count = 0;     ///< the set: the `count` lightest clients of C_t
};

/// C_t sorted by (weight, index): the order both the scan and the rebuild use.
bool
LighterFirst(const std::vector<double>& weights, size_t a, size_t b)
{
    return weights[a] < weights[b] || (weights[a] == weights[b] && a < b);
}

} // namespace

std::vector<bool>
ChooseMseOptimalSet(const std::vector<double>& scales,
                    const std::vector<double>& weights,
                    const MseCostModel& model)
{
    if (scales.size() != weights.size() || !(model.totalWeight > 0.0))
    {
        throw std::invalid_argument("ChooseMseOptimalSet: scales and weights differ in size or W <= 0");
    }
    std::vector<size_t> byScale;
    for (size_t k = 0; k < scales.size(); ++k)
    {
        if (!(weights[k] > 0.0))
        {
            throw std::invalid_argument("ChooseMseOptimalSet: a weight is not positive");
        }
        if (scales[k] > 0.0)
        {
            byScale.push_back(k);
        }
    }
    std::stable_sort(byScale.begin(), byScale.end(),
                     [&](size_t a, size_t b) { return scales[a] > scales[b]; });
    // The part of J that depends on the set, with c relaxed to c_t <= c_A:
    //   f = (N0 / c_t^2 + (1 + p) v S_A) / W_A^2 - (2 v / W) S_A / W_A.
    const double b = (1.0 + model.projectionFactor) * model.spread;
    const double d = 2.0 * model.spread / model.totalWeight;
    const auto lighter = [&](size_t x, size_t y) { return LighterFirst(weights, x, y); };
    ScanBest best;
    std::vector<size_t> sorted; // C_t, lightest first
    for (size_t t = 0; t < byScale.size(); ++t)
    {
        const size_t k = byScale[t];
        sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), k, lighter), k);
        const double alpha = model.noiseEnergy / (scales[k] * scales[k]);
        double w = 0.0;
        double s = 0.0;
        for (size_t j = 0; j < sorted.size(); ++j)
        {
            const double x = weights[sorted[j]];
            w += x;
            s += x * x;
            const double inverse = 1.0 / w;
            const double value = (alpha + b * s) * inverse * inverse - d * s * inverse;
            if (value < best.value)
            {
                best = {value, t, j + 1};
            }
        }
    }
    std::vector<bool> active(scales.size(), false);
    std::vector<size_t> chosen; // C_t of the best threshold, lightest first
    for (size_t t = 0; t < byScale.size() && t <= best.threshold; ++t)
    {
        chosen.push_back(byScale[t]);
    }
    std::sort(chosen.begin(), chosen.end(), lighter);
    for (size_t j = 0; j < best.count; ++j)
    {
        active[chosen[j]] = true;
    }
    return active;
}

double
RlcProjectionFactor(size_t dim, size_t bucket, size_t rows)
{
    if (dim == 0 || bucket == 0 || rows == 0 || rows > bucket)
    {
        throw std::invalid_argument("RlcProjectionFactor: need D >= 1 and 1 <= k <= n");
    }
    if (bucket == 1)
    {
        return 0.0; // k = n = 1: T is a sign, T^T T = I
    }
    const double n = static_cast<double>(bucket);
    const double k = static_cast<double>(rows);
    // A bucket holding r real coordinates: (r - 1)(n - k) / (k (n - 1)).
    const auto factor = [&](double r) { return (r - 1.0) * (n - k) / (k * (n - 1.0)); };
    const double full = static_cast<double>(dim / bucket);
    const double rest = static_cast<double>(dim % bucket);
    return (full * n * factor(n) + (rest > 0.0 ? rest * factor(rest) : 0.0)) / static_cast<double>(dim);
}

double
EstimateCommonNorm2(const std::vector<ReceivedBlock>& blocks, double noisePowerW)
{
    double numerator = 0.0;
    double pairs = 0.0;
    double squares = 0.0;
    for (const ReceivedBlock& block : blocks)
    {
        if (!(block.scale > 0.0))
        {
            continue;
        }
        // (E_b - sigma^2 L_b) / c^2 estimates ||T_b sum_A u_k||^2 without the noise.
        numerator += (block.receivedEnergy - noisePowerW * block.dataUses) / (block.scale * block.scale) -
                     block.share * block.activeUpdateNorm2;
        pairs += block.share * (block.activeWeight * block.activeWeight - block.activeSquaredWeight);
        squares += block.share * block.activeSquaredWeight;
    }
    // One client (or none) per block says nothing about how updates align
    // (W_A^2 - S_A is then 0 up to rounding).
    if (!(pairs > 1e-9 * squares))
    {
        return -1.0;
    }
    return numerator / pairs;
}

} // namespace wfl
