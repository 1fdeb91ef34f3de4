#include "stochastic-quantizer.h"

#include "float-reductions.h"
#include "random.h"
#include "symbol-counter.h"
#include "uniform-lanes.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

namespace wfl
{

namespace
{
constexpr double kScaleBits = 32.0;

/// Subset entries [first, last) of one bucket.
struct BucketRange
{
    size_t first;
    size_t last;
};

BucketRange
Bucket(size_t b, size_t bucket, size_t m)
{
    return {b * bucket, std::min(m, (b + 1) * bucket)};
}

/// Entry j of the subset: chosen[j], or j itself when every coordinate is
/// sent (no index vector: one less pass of D loads and no gather).
struct SubsetIndex
{
    const uint32_t* chosen; ///< null: the identity
    size_t operator[](size_t j) const
    {
        return chosen == nullptr ? j : chosen[j];
    }
};

/// The subset of `m` of `dim` coordinates (SubsetCoordinates), or the identity
/// for m = dim, which draws nothing from `rng` either way.
SubsetIndex
Subset(size_t dim, size_t m, Rng& rng, std::vector<uint32_t>& storage)
{
    if (m >= dim)
    {
        return {nullptr};
    }
    storage = SubsetCoordinates(dim, m, rng);
    return {storage.data()};
}

/// A bucket's norm, and what bounds its levels.
struct BucketStats
{
    float norm = 0.0F;    ///< rounded up to a float, so that |g_i| / norm <= 1
    float maxAbs = 0.0F;  ///< max |g_i| over the non-NaN entries
};

/// The bucket's norm and largest magnitude (contiguous: in one pass).
BucketStats
StatsOf(const float* g, SubsetIndex chosen, BucketRange r, QuantizerNorm kind)
{
    BucketStats stats;
    double norm = 0.0;
    if (chosen.chosen == nullptr)
    {
        // Contiguous: the fixed-order vector sums (float-reductions.h).
        const size_t n = r.last - r.first;
        const double squares = SumOfSquaresAndMaxAbs(g + r.first, n, stats.maxAbs);
        norm = kind == QuantizerNorm::L2 ? std::sqrt(squares) : stats.maxAbs;
    }
    else
    {
        double norm2 = 0.0;
        double most = 0.0;
        for (size_t j = r.first; j < r.last; ++j)
        {
            const auto v = static_cast<double>(g[chosen[j]]);
            norm2 += v * v;
            most = std::max(most, std::abs(v));
        }
        norm = kind == QuantizerNorm::L2 ? std::sqrt(norm2) : most;
        stats.maxAbs = static_cast<float>(most);
    }
    stats.norm = static_cast<float>(norm);
    if (stats.norm < norm)
    {
        stats.norm = std::nextafter(stats.norm, INFINITY);
    }
    return stats;
}

/// The largest level RoundLevels can give in a bucket: floor(x) + 1 at the
/// largest |g_i|, with x computed as RoundLevels does (|g_i| (s / norm) in
/// float, a product monotone in |g_i|), at most s. A non-finite bucket, whose
/// NaN entries RoundLevels clamps to level s, is bounded by s too: a NaN
/// entry makes the L2 norm NaN, so x is NaN; under the L-inf norm the largest
/// finite entry already gives x = s; an inf entry makes s / norm = 0 and
/// x = inf 0 = NaN.
int64_t
LevelBound(const BucketStats& stats, double s)
{
    if (stats.norm == 0.0F)
    {
        return 0; // all zero
    }
    const auto levelsPerUnit = static_cast<float>(s / static_cast<double>(stats.norm));
    const float x = stats.maxAbs * levelsPerUnit;
    if (!(x <= static_cast<float>(s)))
    {
        return static_cast<int64_t>(s);
    }
    return std::min(static_cast<int64_t>(x) + 1, static_cast<int64_t>(s));
}

/// symbols[t] = sign(v_t) l_t, l_t = floor(x) + [u_t < x - floor(x)] with
/// x = |v_t| s / norm: round up with probability x - floor(x). No calls and
/// no branches (coin and sign are coin flips), so the loop vectorises.
void
RoundLevels(const float* v, const float* u, size_t count, double norm, double s, int32_t* symbols)
{
    // In float, 16 entries per vector (double: 8), and one multiplication per
    // entry, not a division (a vector division costs more than the rest of
    // the loop). x carries the float rounding of |v_t| s / norm, a relative
    // 2^-24, the resolution of the float input itself: E[l_t] = x exactly
    // (x - floor(x) is exact), so the decoded value is unbiased up to that
    // rounding. The product may round above s where |v_t| = norm: min keeps
    // the level in [0, s] (s <= 2^20 is exact in a float).
    const auto levelsPerUnit = static_cast<float>(s / norm);
    const auto top = static_cast<float>(s);
    for (size_t t = 0; t < count; ++t)
    {
        // Clamped by a comparison that sends NaN (a diverging update, or a
        // NaN norm) to s, so a symbol never leaves [-s, s]: the encoder
        // counts symbols into a histogram over that range (std::min would
        // keep the NaN, and its conversion to int is undefined).
        const float scaled = std::abs(v[t]) * levelsPerUnit;
        const float x = scaled <= top ? scaled : top;
        // x in [0, s]: truncation is floor. (std::floor would not vectorise:
        // GCC keeps its exception semantics.)
        const auto below = static_cast<int32_t>(x);
        const int32_t level = below + static_cast<int32_t>(u[t] < x - static_cast<float>(below));
        symbols[t] = v[t] < 0.0f ? -level : level;
    }
}

size_t
EffectiveBucket(size_t bucket, size_t m)
{
    return bucket == 0 || bucket >= m ? std::max<size_t>(m, 1) : bucket;
}

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
        fit.levels = static_cast<uint32_t>(std::min<double>(kMaxQuantizerLevels, std::floor(maxLevels)));
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

std::vector<uint32_t>
SubsetCoordinates(size_t dim, size_t m, Rng& rng)
{
    std::vector<uint32_t> chosen(dim);
    std::iota(chosen.begin(), chosen.end(), 0u);
    if (m < dim)
    {
        for (size_t i = 0; i < m; ++i)
        {
            std::swap(chosen[i], chosen[i + rng.UniformInt(dim - i)]);
        }
        chosen.resize(m);
    }
    return chosen;
}

QuantizedLevels
StochasticQuantize(const float* g,
                   size_t dim,
                   const QuantizerFit& fit,
                   size_t bucket,
                   QuantizerNorm norm,
                   Rng& rng,
                   bool countSymbols)
{
    QuantizedLevels q;
    if (fit.coordinates == 0)
    {
        return q;
    }
    std::vector<uint32_t> storage;
    const SubsetIndex chosen = Subset(dim, fit.coordinates, rng, storage);
    const size_t m = std::min(dim, fit.coordinates);
    const size_t b = EffectiveBucket(bucket, m);
    const double s = fit.levels;
    // Every bucket's norm first, and the bound on all levels.
    int64_t bound = 0;
    for (size_t k = 0; k * b < m; ++k)
    {
        const BucketStats stats = StatsOf(g, chosen, Bucket(k, b, m), norm);
        q.norms.push_back(stats.norm);
        bound = std::max(bound, LevelBound(stats, s));
    }
    std::optional<SymbolCounter> counter;
    if (countSymbols && 2 * bound + 1 <= SymbolCounter::kMaxTableValues)
    {
        counter.emplace(static_cast<int32_t>(-bound), static_cast<int32_t>(bound));
    }
    // Counted after the loop, in one call: interleaved with it, the tables (a
    // load and a store per symbol into up to 512 KiB) cost QSGD's unbudgeted
    // encode of 2^20 entries 0.58 -> 0.62 ms, and the packed lanes a call per
    // 256-entry block, which cost more than their counting (A/B, bench-compressors).
    q.symbols.resize(m); // uninitialised (LevelSymbols): every entry is written below
    UniformLanes lanes(rng); // after the subset: the decoder draws only the subset
    for (size_t k = 0; k * b < m; ++k)
    {
        const BucketRange r = Bucket(k, b, m);
        const float normFloat = q.norms[k];
        if (normFloat == 0.0f)
        {
            // All zero: no rounding draws (as the decoder sees norm 0).
            std::fill(q.symbols.begin() + static_cast<std::ptrdiff_t>(r.first),
                      q.symbols.begin() + static_cast<std::ptrdiff_t>(r.last), 0);
            continue;
        }
        const double n = normFloat;
        // A block of draws first (one per entry, in entry order, from the
        // lane generator: uniform-lanes.h), then a rounding loop without calls
        // that vectorises, so neither the coin nor the sign becomes a branch
        // (each a coin flip that mispredicts half the time: QSGD encode 16 ->
        // 3.2 ms for 2^20 entries, bench-compressors; lanes, fixed-order norm
        // and truncation for floor: 3.2 -> 1.0 ms).
        constexpr size_t kBlock = 256;
        float u[kBlock];
        for (size_t first = r.first; first < r.last; first += kBlock)
        {
            const size_t count = std::min(kBlock, r.last - first);
            lanes.Fill(u, count);
            int32_t* symbols = q.symbols.data() + first;
            if (chosen.chosen == nullptr)
            {
                RoundLevels(g + first, u, count, n, s, symbols);
            }
            else
            {
                float v[kBlock];
                for (size_t t = 0; t < count; ++t)
                {
                    v[t] = g[chosen[first + t]];
                }
                RoundLevels(v, u, count, n, s, symbols);
            }
        }
    }
    if (counter)
    {
        counter->Add(q.symbols.data(), q.symbols.size());
        q.counts = counter->Counts();
        q.countsLow = static_cast<int32_t>(-bound);
    }
    return q;
}

void
StochasticDequantize(const QuantizedLevels& q,
                     size_t dim,
                     const QuantizerFit& fit,
                     size_t bucket,
                     Rng& subsetRng,
                     float* out)
{
    if (fit.coordinates == 0)
    {
        std::fill(out, out + dim, 0.0f);
        return;
    }
    std::vector<uint32_t> storage;
    const SubsetIndex chosen = Subset(dim, fit.coordinates, subsetRng, storage);
    if (chosen.chosen != nullptr)
    {
        std::fill(out, out + dim, 0.0f); // coordinates not sent; all are written otherwise
    }
    const size_t m = std::min(dim, fit.coordinates);
    const size_t b = EffectiveBucket(bucket, m);
    const double s = fit.levels;
    // Unbiased random sparsification: each coordinate is sent with probability m / D.
    const double sparsityScale = static_cast<double>(dim) / static_cast<double>(m);
    for (size_t k = 0; k * b < m; ++k)
    {
        const BucketRange r = Bucket(k, b, m);
        // sign(q_j) l_j r / s D / m: one factor per bucket, one product per entry.
        const double perLevel = static_cast<double>(q.norms[k]) / s * sparsityScale;
        const int32_t* symbols = q.symbols.data();
        for (size_t j = r.first; j < r.last; ++j)
        {
            out[chosen[j]] = static_cast<float>(perLevel * static_cast<double>(symbols[j]));
        }
    }
}

double
QuantizeDequantize(const float* g, size_t dim, const QuantizerFit& fit, Rng& rng, float* out)
{
    Rng subsetRng = rng; // the decoder regenerates the subset from the same stream
    const QuantizedLevels q = StochasticQuantize(g, dim, fit, 0, QuantizerNorm::L2, rng);
    StochasticDequantize(q, dim, fit, 0, subsetRng, out);
    return fit.coordinates == 0 ? 0.0 : fit.bits;
}

} // namespace wfl
