/*
 * Unbiased QSGD-style quantization of an update to fit a bit budget
 * (Alistarh et al. 2017, with unbiased random sparsification when even one
 * level per coordinate does not fit), and its bucketed form.
 *
 * m coordinates (all D, or a uniformly random subset S shared through the
 * seed, scaled by D/m) are sent as sign and level l in {0..s} of
 * |g_i| / r, rounded stochastically, where r is the norm of the coordinates
 * sent (||g_S||_2 by default, or ||g_S||_inf), sent as a 32-bit float:
 *   bits = 32 + m log2(2s + 1)   (raw rate, no entropy coding).
 * Bucketed (all D coordinates, cut into buckets of B in order): one norm per
 * bucket, bits = 32 ceil(D/B) + D log2(2s + 1).
 * E[decoded] = g, up to float resolution: the rounding draws are multiples
 * of 2^-24 and |g_i| s / r is computed in float (a relative 2^-24, as the
 * float input itself; stochastic-quantizer.cc). With the L2 norm and a single bucket,
 * E||decoded - g||^2 <= min(m/s^2, sqrt(m)/s) ||g_S||^2 (Alistarh et al.,
 * Lemma 3.1), tested in test-qsgd-compressor.cc.
 *
 * The coordinate subset is drawn first from the generator, then one uniform
 * per coordinate sent (in subset order) for the rounding, from lanes seeded by
 * the generator (UniformLanes): a decoder with a generator of the same stream
 * regenerates the subset (SubsetCoordinates).
 */
#ifndef WFL_STOCHASTIC_QUANTIZER_H
#define WFL_STOCHASTIC_QUANTIZER_H

#include <cstddef>
#include <cstdint>
#include "default-init-allocator.h"

#include <vector>

namespace wfl
{

class Rng;

struct QuantizerFit
{
    size_t coordinates = 0; ///< m; 0 means the budget cannot hold even the scale
    uint32_t levels = 0;    ///< s
    double bits = 0.0;      ///< 32 + m log2(2s + 1) (one bucket)
};

/// The finest (m, s) that fits `budgetBits` for a vector of length dim
/// (levels capped at 2^20, beyond float resolution).
QuantizerFit FitQuantizer(size_t dim, double budgetBits);

/// Levels capped here: finer than a float output resolves.
constexpr uint32_t kMaxQuantizerLevels = 1u << 20;

enum class QuantizerNorm
{
    L2,
    LINF
};

/// The symbols of one quantization: sign(g_i) l_i per coordinate sent, and the
/// norm r of each bucket (a float rounded up, so that |g_i| / r <= 1).
struct QuantizedLevels
{
    LevelSymbols symbols;     ///< in [-s, s], one per coordinate sent, in subset order
    std::vector<float> norms; ///< one per bucket
    /// When asked for, the symbols' histogram counted while quantizing:
    /// counts[v - countsLow] for v = countsLow ... Empty when the levels'
    /// bound spans more than 2^16 values (count the symbols afterwards).
    std::vector<size_t> counts;
    int32_t countsLow = 0;
};

/// The m coordinates sent: all of [0, dim) in order when m = dim, else a
/// uniformly random m-subset (partial Fisher-Yates on `rng`, in draw order).
std::vector<uint32_t> SubsetCoordinates(size_t dim, size_t m, Rng& rng);

/**
 * Quantize g[0..dim) under `fit` with buckets of `bucket` coordinates of the
 * subset (0 or >= m: one bucket). Draws the subset, then the rounding, from
 * `rng`. With countSymbols, the symbols are also counted (QuantizedLevels::
 * counts; in one call, after quantizing: symbol-counter.h), over [-B, B]:
 * B bounds every level from the buckets' largest |g_i| (found in the norm's
 * pass), so at 8 bits (s = 127), where an L2-normed level rarely exceeds 2,
 * the packed counters take them, and at s = 2^20 a table of about 10^4
 * values (symbol-counter.h). The norms of all buckets come first.
 */
QuantizedLevels StochasticQuantize(const float* g,
                                   size_t dim,
                                   const QuantizerFit& fit,
                                   size_t bucket,
                                   QuantizerNorm norm,
                                   Rng& rng,
                                   bool countSymbols = false);

/// out[0..dim) = the decoded update; `subsetRng` a fresh generator of the
/// encoder's stream (only the subset is drawn from it).
void StochasticDequantize(const QuantizedLevels& q,
                          size_t dim,
                          const QuantizerFit& fit,
                          size_t bucket,
                          Rng& subsetRng,
                          float* out);

/**
 * out = decoded quantization of g (length dim) under `fit` (L2 norm, one
 * bucket); randomness from `rng` (coordinate subset and rounding). Returns
 * the bits used.
 */
double QuantizeDequantize(const float* g, size_t dim, const QuantizerFit& fit, Rng& rng, float* out);

} // namespace wfl

#endif
