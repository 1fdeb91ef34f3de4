#include "lloyd-max-quantizer.h"

#include "float-reductions.h"
#include "symbol-counter.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace wfl
{

namespace
{

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kSqrt3 = std::sqrt(3.0);
const double kInvSqrt2 = 1.0 / std::sqrt(2.0);
const double kInvSqrt2Pi = 1.0 / std::sqrt(2.0 * M_PI);

/// Convergence of the points (unit scale) and a cap on Lloyd's iterations.
constexpr double kPointTolerance = 1e-12;
constexpr size_t kMaxIterations = 1000000;

/// Standard normal density; phi(+-inf) = 0.
double
Phi0(double x)
{
    return std::isinf(x) ? 0.0 : kInvSqrt2Pi * std::exp(-0.5 * x * x);
}

/// P(a < Z < b) for Z ~ N(0, 1), through erfc on the side away from the
/// mode so that tail cells keep full relative precision.
double
NormalMass(double a, double b)
{
    if (a >= 0.0)
    {
        return 0.5 * (std::erfc(a * kInvSqrt2) - std::erfc(b * kInvSqrt2));
    }
    if (b <= 0.0)
    {
        return 0.5 * (std::erfc(-b * kInvSqrt2) - std::erfc(-a * kInvSqrt2));
    }
    return 1.0 - 0.5 * (std::erfc(-a * kInvSqrt2) + std::erfc(b * kInvSqrt2));
}

/// x phi(x), 0 at +-inf.
double
XPhi(double x)
{
    return std::isinf(x) ? 0.0 : x * Phi0(x);
}

/// The zeroth, first and second moments of the model density on (a, b).
struct CellMoments
{
    double mass = 0.0;
    double first = 0.0;
    double second = 0.0;
};

CellMoments
Moments(LloydMaxModel model, double a, double b)
{
    switch (model)
    {
    case LloydMaxModel::SparseNormal:
    case LloydMaxModel::SparseFoldedNormal: {
        // Folded: density 2 phi on [0, inf); clip the cell, double the moments.
        const double w = model == LloydMaxModel::SparseNormal ? 1.0 : 2.0;
        if (w == 2.0)
        {
            a = std::max(a, 0.0);
            b = std::max(b, 0.0);
        }
        const double mass = NormalMass(a, b);
        // int_a^b z phi = phi(a) - phi(b); int_a^b z^2 phi = mass + a phi(a) - b phi(b).
        return {w * mass, w * (Phi0(a) - Phi0(b)), w * (mass + XPhi(a) - XPhi(b))};
    }
    case LloydMaxModel::Uniform:
    case LloydMaxModel::SparseUniform: {
        a = std::clamp(a, -kSqrt3, kSqrt3);
        b = std::clamp(b, -kSqrt3, kSqrt3);
        const double density = 1.0 / (2.0 * kSqrt3);
        return {density * (b - a), density * (b * b - a * a) / 2.0, density * (b * b * b - a * a * a) / 3.0};
    }
    }
    throw std::invalid_argument("lloyd-max: unknown model");
}

/// The support [lo, hi] and a finite range to start the cells on.
std::array<double, 2>
StartRange(LloydMaxModel model)
{
    switch (model)
    {
    case LloydMaxModel::SparseNormal:
        return {-3.0, 3.0};
    case LloydMaxModel::SparseFoldedNormal:
        return {0.0, 3.0};
    case LloydMaxModel::Uniform:
    case LloydMaxModel::SparseUniform:
        return {-kSqrt3, kSqrt3};
    }
    throw std::invalid_argument("lloyd-max: unknown model");
}

/// Cell k of the codebook: (t_{k-1}, t_k) with t_{-1} = -inf, t_{L-1} = inf.
std::array<double, 2>
Cell(const std::vector<double>& thresholds, size_t k)
{
    return {k == 0 ? -kInf : thresholds[k - 1], k == thresholds.size() ? kInf : thresholds[k]};
}

} // namespace

std::string
LloydMaxModelName(LloydMaxModel model)
{
    switch (model)
    {
    case LloydMaxModel::SparseNormal:
        return "sn";
    case LloydMaxModel::SparseFoldedNormal:
        return "sfn";
    case LloydMaxModel::Uniform:
        return "u";
    case LloydMaxModel::SparseUniform:
        return "su";
    }
    throw std::invalid_argument("lloyd-max: unknown model");
}

size_t
LloydMaxCodebook::Quantize(double x) const
{
    return static_cast<size_t>(std::upper_bound(thresholds.begin(), thresholds.end(), x) - thresholds.begin());
}

LloydMaxCodebook
DesignLloydMax(LloydMaxModel model, size_t levels)
{
    if (levels < 1 || levels > kLloydMaxMaxLevels)
    {
        throw std::invalid_argument("lloyd-max: levels must be in 1..16, got " + std::to_string(levels));
    }
    // Equal-width cells on the start range, then Lloyd's two conditions.
    const auto [lo, hi] = StartRange(model);
    LloydMaxCodebook c;
    for (size_t k = 1; k < levels; ++k)
    {
        c.thresholds.push_back(lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(levels));
    }
    c.points.assign(levels, kInf);
    for (size_t iteration = 0; iteration < kMaxIterations; ++iteration)
    {
        double moved = 0.0;
        for (size_t k = 0; k < levels; ++k)
        {
            const auto [a, b] = Cell(c.thresholds, k);
            const CellMoments m = Moments(model, a, b);
            const double point = m.first / m.mass;
            moved = std::max(moved, std::abs(point - c.points[k]));
            c.points[k] = point;
        }
        for (size_t k = 0; k + 1 < levels; ++k)
        {
            c.thresholds[k] = 0.5 * (c.points[k] + c.points[k + 1]);
        }
        if (moved < kPointTolerance)
        {
            return c;
        }
    }
    throw std::runtime_error("lloyd-max: no convergence for " + LloydMaxModelName(model) + ", L = " +
                             std::to_string(levels));
}

const LloydMaxCodebook&
LloydMaxCodebookOf(LloydMaxModel model, size_t levels)
{
    constexpr size_t kModels = 4;
    // Built once, on first use, by all (model, L) together (thread-safe static).
    static const std::vector<LloydMaxCodebook> table = [] {
        std::vector<LloydMaxCodebook> t;
        for (size_t m = 0; m < kModels; ++m)
        {
            for (size_t l = 1; l <= kLloydMaxMaxLevels; ++l)
            {
                t.push_back(DesignLloydMax(static_cast<LloydMaxModel>(m), l));
            }
        }
        return t;
    }();
    if (levels < 1 || levels > kLloydMaxMaxLevels)
    {
        throw std::invalid_argument("lloyd-max: levels must be in 1..16, got " + std::to_string(levels));
    }
    return table[static_cast<size_t>(model) * kLloydMaxMaxLevels + levels - 1];
}

double
LloydMaxMse(LloydMaxModel model, const LloydMaxCodebook& codebook)
{
    // Per cell: int (x - c)^2 p = m2 - 2 c m1 + c^2 m0.
    double mse = 0.0;
    for (size_t k = 0; k < codebook.points.size(); ++k)
    {
        const auto [a, b] = Cell(codebook.thresholds, k);
        const CellMoments m = Moments(model, a, b);
        const double c = codebook.points[k];
        mse += m.second - 2.0 * c * m.first + c * c * m.mass;
    }
    return mse;
}

float
LloydMaxScale(const float* x, size_t n)
{
    // Fixed-order vector sum (float-reductions.h): a serial double chain cost
    // 0.75 ms for 2^20 entries.
    size_t nonZeros = 0;
    const double squares = SumOfSquaresAndNonZeros(x, n, nonZeros);
    return nonZeros == 0 ? 0.0F : static_cast<float>(std::sqrt(squares / static_cast<double>(nonZeros)));
}

LevelSymbols
LloydMaxSymbols(const float* x, size_t n, float scale, const LloydMaxCodebook& codebook, SymbolCounter* counter)
{
    // The cell of x is the number of thresholds at or below it, compared in
    // the input's units: tau_k = t_k s rounded to a float, so that the
    // comparisons are exact float ones and the loop over a block vectorises
    // (16 entries a vector). A binary search per entry with a division
    // (x / s against t_k) cost 12 ms for 2^20 entries; this is one
    // compare-and-add per threshold and entry. The two rules differ only
    // where x lies within a rounding of t_k s.
    const auto zero = static_cast<int32_t>(codebook.points.size());
    std::vector<float> scaled;
    for (const double t : codebook.thresholds)
    {
        scaled.push_back(static_cast<float>(t * static_cast<double>(scale)));
    }
    LevelSymbols symbols(n); // uninitialised: every entry is written below
    constexpr size_t kBlock = 256;
    for (size_t first = 0; first < n; first += kBlock)
    {
        const size_t count = std::min(kBlock, n - first);
        const float* in = x + first;
        int32_t* cells = symbols.data() + first;
        // The first threshold assigns, the others add (a zeroing pass first
        // became a memset call per block: 5 % of an encode, perf).
        const float lowest = scaled.empty() ? std::numeric_limits<float>::infinity() : scaled[0];
        for (size_t t = 0; t < count; ++t)
        {
            cells[t] = in[t] >= lowest ? 1 : 0;
        }
        for (size_t k = 1; k < scaled.size(); ++k)
        {
            const float tau = scaled[k];
            for (size_t t = 0; t < count; ++t)
            {
                cells[t] += in[t] >= tau ? 1 : 0;
            }
        }
        for (size_t t = 0; t < count; ++t)
        {
            cells[t] = in[t] == 0.0F ? zero : cells[t]; // exact zeros: their own symbol
        }
    }
    if (counter != nullptr)
    {
        counter->Add(symbols.data(), n); // one call: per block, the call cost more than the counting
    }
    return symbols;
}

} // namespace wfl
