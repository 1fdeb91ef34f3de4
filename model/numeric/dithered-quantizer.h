/*
 * Dithered uniform quantization, the primitive of the thesis's compressors
 * (methods.md section 2; QCS supplementary section 1).
 *
 * Subtractive dither (2.1): with step Delta and u ~ U[-Delta/2, Delta/2)
 * known to both sides (shared randomness), the sender sends
 *   q = round((x + u) / Delta), clamped to [-Q, Q] (halves rounded up),
 * and the receiver forms x_hat = Delta q - u. Without overload (|x| <= Q Delta)
 * the error x_hat - x is uniform on [-Delta/2, Delta/2) and independent of x
 * (Schuchman), so E[x_hat] = x and Var = Delta^2 / 12 at every x.
 *
 * Bucketed scaling (2.3): a vector is cut into buckets of `bucket` entries;
 * each bucket has scale s = ||x_bucket||_inf / Q, so x / s lies in [-Q, Q]
 * and never overloads: 2Q + 1 levels, Delta = s. The scale costs 32 bits.
 *
 * One bit (2.4): Q = 0 has no levels; the unbiased one-bit form sends
 * q = sign(x / s + u), s = 2 ||x_bucket||_inf, u ~ U[-1/2, 1/2), and
 * reconstructs x_hat = s (q / 2 - u): levels +-1/2, E[x_hat] = x, error
 * uniform with variance s^2 / 12. (The printed formula s (q - u) has mean 2x;
 * this is the corrected form, a deliberate deviation.)
 *
 * The dither is one uniform per entry in order, drawn from lanes seeded by the
 * Rng passed in (UniformLanes, uniform-lanes.h), so encoder and decoder given
 * generators of the same stream agree. Its draws lie on a grid of 2^-24, so
 * "uniform" above holds to that resolution, finer than the float output's.
 */
#ifndef WFL_DITHERED_QUANTIZER_H
#define WFL_DITHERED_QUANTIZER_H

#include "default-init-allocator.h"
#include "symbol-counter.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace wfl
{

class Rng;

/// Integer symbols and per-bucket scales of a dithered-quantized vector.
struct DitheredVector
{
    DitherSymbols symbols;     ///< q per entry: [-Q, Q], or +-1 in the one-bit form
    std::vector<float> scales;    ///< s per bucket
    size_t bucket = 0;            ///< entries per bucket (the last may be shorter)
    int32_t levels = 0;           ///< Q; 0 selects the one-bit form
};

/// floor(y + w) clamped to [-levels, levels], exactly, for a float y with
/// |y| < 2^22 and a draw w on [0, 1) (w = u + 1/2: this is round(y + u),
/// halves rounded up). In float, 16 entries per vector (a double form
/// handled 8: DQSG encode of 2^20 entries 0.386 -> 0.330 ms,
/// bench-compressors), yet exact, by splitting y before adding w:
///   n = round(y)          adding and removing 1.5 * 2^23 (ties to even; exact, |y| < 2^22),
///   f = y - n             exact (Sterbenz), |f| <= 1/2,
///   floor(y + w) = n + floor(f + w), and f + w lies in [-1/2, 3/2), so
///   floor(f + w) = +1 if f >= 1 - w, -1 if f < -w, else 0,
/// where 1 - w and -w are exact (w is a multiple of 2^-24 in [0, 1)): two
/// exact comparisons, where y + w itself would round away bits of w once
/// |y| >= 1. A NaN y gives +levels (each comparison with NaN is false), so
/// a symbol never leaves the range. Inline: it runs once per entry, and the
/// library is built position-independent, where an exported function is not
/// inlined across calls. Checked against floor in double (exact there) in
/// test-dithered-quantizer.
inline int32_t
DitherIndex(float y, float w, int32_t levels)
{
    constexpr float kRoundingShift = 0x1.8p23F;
    const float n = (y + kRoundingShift) - kRoundingShift;
    const float f = y - n;
    // Written as selects of q + 1, q - 1 and in the form of min / max (x86's
    // minps returns its second operand when one is NaN, as the select
    // does), which compile to masked adds and one instruction per clamp: three vector ops
    // fewer per 16 entries than sums of 0/1 terms and compare-and-blend
    // clamps (DQSG encode of 2^20 entries 0.313 -> 0.29 ms, bench-compressors).
    float q = n;
    q = f >= 1.0F - w ? q + 1.0F : q;
    q = f < -w ? q - 1.0F : q;
    const auto top = static_cast<float>(levels);
    q = q < top ? q : top; // NaN -> top (the comparison is false; minps agrees)
    q = q > -top ? q : -top;
    return static_cast<int32_t>(q);
}

/// x_hat = s (half q - u), half = 1 (or 1/2 in the one-bit form), in float:
/// half q is exact (|q| <= 32767), and the two roundings (of half q - u, then
/// of the product) keep x_hat within an ulp or two of the exact value, the
/// resolution of the float output; 16 entries per vector, not 8 in double.
/// Every decoder of dithered symbols uses it, so they agree bit for bit.
inline float
DitherReconstruct(float scale, float half, int32_t q, float u)
{
    return scale * (half * static_cast<float>(q) - u);
}

/// Largest Q: symbols fit 16 bits, and the decoder's float arithmetic holds
/// q exactly (every compressor's own limit).
constexpr int32_t kMaxDitherLevels = 32767;

/// Bucketed subtractive dithered quantization of x[0..n) (see the file
/// comment): y = x (1 / s) in float, then DitherIndex(y, u + 1/2). The float
/// product carries a relative error of about 2^-23 against x / s, the order
/// of the float input's own rounding; the dither's error theorem holds
/// exactly for the y quantized.
/// levels = Q >= 1 gives 2Q + 1 levels; levels = 0 the unbiased one-bit form.
/// With a counter (its range must hold [-max(Q, 1), max(Q, 1)]), the symbols
/// are also counted (in one call, after quantizing: symbol-counter.h).
DitheredVector
DitherQuantize(const float* x, size_t n, size_t bucket, int32_t levels, Rng& dither, SymbolCounter* counter = nullptr);

/// A counter of every symbol value DitherQuantize gives at `levels`:
/// [-max(Q, 1), max(Q, 1)].
SymbolCounter DitherCounter(int32_t levels);

/// x_hat[0..n) from the symbols, with a generator of the encoder's dither stream.
void DitherDequantize(const DitheredVector& q, Rng& dither, float* out);

} // namespace wfl

#endif
