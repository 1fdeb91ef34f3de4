/*
 * Unbiased QSGD-style quantization of an update to fit a bit budget
 * (Alistarh et al. 2017, with unbiased random sparsification when even one
 * level per coordinate does not fit).
 *
 * m coordinates (all D, or a uniformly random subset S shared through the
 * seed, scaled by D/m) are sent as sign and level l in {0..s} of
 * |g_i| / ||g_S||_2, rounded stochastically, plus that norm as a 32-bit float:
 *   bits = 32 + m log2(2s + 1)   (raw rate, no entropy coding).
 * E[decoded] = g.
 */
#ifndef WFL_STOCHASTIC_QUANTIZER_H
#define WFL_STOCHASTIC_QUANTIZER_H

#include <cstddef>
#include <cstdint>

namespace wfl
{

class Rng;

struct QuantizerFit
{
    size_t coordinates = 0; ///< m; 0 means the budget cannot hold even the scale
    uint32_t levels = 0;    ///< s
    double bits = 0.0;      ///< 32 + m log2(2s + 1)
};

/// The finest (m, s) that fits `budgetBits` for a vector of length dim
/// (levels capped at 2^20, beyond float resolution).
QuantizerFit FitQuantizer(size_t dim, double budgetBits);

/**
 * out = decoded quantization of g (length dim) under `fit`; randomness from
 * `rng` (coordinate subset and rounding). Returns the bits used.
 */
double QuantizeDequantize(const float* g, size_t dim, const QuantizerFit& fit, Rng& rng, float* out);

} // namespace wfl

#endif
