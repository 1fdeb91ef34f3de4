#include "stochastic-quantizer.h"

#include "random.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace wfl
{

namespace
{
constexpr double kScaleBits = 32.0;
constexpr uint32_t kMaxLevels = 1u << 20;
} // namespace

QuantizerFit
FitQuantizer(size_t dim, double budgetBits)
{
    QuantizerFit fit;
    const double payload = budgetBits - kScaleBits;
    const double ternary = std::log2(3.0);
    if (payload < ternary)
    {
        return fit; // not even one coordinate after the scale
    }
    if (payload >= ternary * static_cast<double>(dim))
    {
        fit.coordinates = dim;
        // Largest s with dim log2(2s + 1) <= payload.
        const double perCoordinate = payload / static_cast<double>(dim);
        const double maxLevels = (std::exp2(std::min(perCoordinate, 40.0)) - 1.0) / 2.0;
        fit.levels = static_cast<uint32_t>(std::min<double>(kMaxLevels, std::floor(maxLevels)));
        fit.levels = std::max<uint32_t>(fit.levels, 1);
    }
    else
    {
        fit.coordinates = static_cast<size_t>(std::floor(payload / ternary));
        fit.levels = 1;
    }
    fit.bits = kScaleBits + static_cast<double>(fit.coordinates) * std::log2(2.0 * fit.levels + 1.0);
    return fit;
}

double
QuantizeDequantize(const float* g, size_t dim, const QuantizerFit& fit, Rng& rng, float* out)
{
    std::fill(out, out + dim, 0.0f);
    if (fit.coordinates == 0)
    {
        return 0.0;
    }
    std::vector<uint32_t> chosen(dim);
    std::iota(chosen.begin(), chosen.end(), 0u);
    if (fit.coordinates < dim)
    {
        for (size_t i = 0; i < fit.coordinates; ++i)
        {
            std::swap(chosen[i], chosen[i + rng.UniformInt(dim - i)]);
        }
        chosen.resize(fit.coordinates);
    }
    // The scale is the norm of the coordinates actually sent: for a sparse
    // subset this keeps the rounding variance at sqrt(m), not sqrt(D), times ||g_S||^2.
    double norm2 = 0.0;
    for (uint32_t i : chosen)
    {
        norm2 += static_cast<double>(g[i]) * g[i];
    }
    // The norm travels as a 32-bit float, rounded up so that |g_i| / norm <= 1
    // and the level never exceeds s.
    float normFloat = static_cast<float>(std::sqrt(norm2));
    if (normFloat < std::sqrt(norm2))
    {
        normFloat = std::nextafter(normFloat, INFINITY);
    }
    const double norm = normFloat;
    if (norm == 0.0)
    {
        return fit.bits;
    }
    const double s = fit.levels;
    const double sparsityScale = static_cast<double>(dim) / static_cast<double>(fit.coordinates);
    for (uint32_t i : chosen)
    {
        const double r = std::abs(static_cast<double>(g[i])) / norm * s;
        double level = std::floor(r);
        if (rng.Uniform() < r - level)
        {
            level += 1.0;
        }
        out[i] = static_cast<float>(std::copysign(norm * level / s * sparsityScale, g[i]));
    }
    return fit.bits;
}

} // namespace wfl
