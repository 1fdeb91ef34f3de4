/*
 * Lloyd-Max (minimum mean-square error) scalar quantizers designed for a
 * unit-scale model distribution (methods.md 4.2; the author's
 * OptimumQuantizer in distributed_training/optimum_quantizer.py).
 *
 * Unit normalisation. Deterministic ISGQ scales a factor by
 * s = ||F||_F / sqrt(nnz(F)), so the non-zero entries of F / s have mean
 * square exactly 1. Every model is therefore the law of a non-zero entry with
 * E[x^2] = 1:
 *   sn  (sparse normal)        N(0, 1);
 *   sfn (sparse folded normal) |Z|, Z ~ N(0, 1), density 2 phi(x) on x >= 0
 *                              (post-ReLU activations);
 *   u   (uniform)              U[-sqrt 3, sqrt 3];
 *   su  (sparse uniform)       the same as u over the non-zeros.
 * "Sparse" only says that exact zeros are a separate symbol, which the
 * compressor does for every model, so su and u give the same codebook.
 * The author's code differs for the uniform pair: its u is U[0, 1] and su
 * U[thr, 1] plus a zero bin, both applied WITHOUT the scale s (for data
 * already in [0, 1]); a one-sided unscaled uniform does not fit a signed
 * error factor, so here u and su are the symmetric unit-power uniform (a
 * deviation, kept to the unit normalisation above). The author's sparse
 * models put |x| < thr = 1e-6 (unit scale, the value DeterministicISGQuantizer
 * passes) into the zero bin; here only exact zeros are (they are the ReLU
 * zeros the model means). A negative entry under sfn goes to the nearest,
 * i.e. the smallest, point (the author's digitize sends it to the zero bin);
 * mv and mvu then re-fit that point.
 *
 * Design: Lloyd's iteration on the model density (not hard-coded tables):
 * thresholds t_k = (c_k + c_{k+1}) / 2, points c_k = E[x | t_{k-1} < x < t_k]
 * by closed forms:
 *   normal:  E[Z | a < Z < b] = (phi(a) - phi(b)) / (Phi(b) - Phi(a));
 *   folded:  the same on [0, inf) (the factor 2 of the density cancels);
 *   uniform: (a + b) / 2 on the cell clipped to the support.
 * Started from equal-width cells, it stops when no point moves by more than
 * 1e-12. (For log-concave densities, as all four are, the fixed point is
 * unique and the MSE optimum: Fleischer 1964, a cited result; tested here
 * only through Max's tables and the fixed-point conditions.) The result is
 * deterministic and cached per (model, L) in a table built once, on first
 * use (a thread-safe static; a few milliseconds for all 64 codebooks).
 */
#ifndef WFL_LLOYD_MAX_QUANTIZER_H
#define WFL_LLOYD_MAX_QUANTIZER_H

#include "default-init-allocator.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wfl
{

class SymbolCounter;

/// The unit-scale model of a factor's non-zero entries (E[x^2] = 1).
enum class LloydMaxModel
{
    SparseNormal,       ///< "sn": N(0, 1)
    SparseFoldedNormal, ///< "sfn": |N(0, 1)|
    Uniform,            ///< "u": U[-sqrt 3, sqrt 3]
    SparseUniform,      ///< "su": the same as u over the non-zeros
};

/// The scheme key's name of a model: sn, sfn, u, su.
std::string LloydMaxModelName(LloydMaxModel model);

/// Largest number of reconstruction points supported.
constexpr size_t kLloydMaxMaxLevels = 16;

/// L reconstruction points (ascending) and the L - 1 thresholds between them.
struct LloydMaxCodebook
{
    std::vector<double> points;     ///< c_0 < ... < c_{L-1}, unit scale
    std::vector<double> thresholds; ///< t_k = (c_k + c_{k+1}) / 2

    /// Index of the point nearest to x (the cell of x; ties go up).
    size_t Quantize(double x) const;
};

/// The Lloyd-Max codebook of `model` with `levels` points, levels in
/// 1..kLloydMaxMaxLevels (std::invalid_argument otherwise). Cached.
const LloydMaxCodebook& LloydMaxCodebookOf(LloydMaxModel model, size_t levels);

/// The same computed afresh by Lloyd's iteration (what the cache holds).
LloydMaxCodebook DesignLloydMax(LloydMaxModel model, size_t levels);

/// E[(x - Q(x))^2] under the model (closed forms per cell), unit scale.
double LloydMaxMse(LloydMaxModel model, const LloydMaxCodebook& codebook);

/// The unit normalisation of an array: ||x||_2 / sqrt(nnz(x)) rounded to the
/// float32 that is sent, 0 when every entry is 0. The non-zeros of x / s
/// then have mean square 1 (up to that rounding).
float LloydMaxScale(const float* x, size_t n);

/// Symbols of x[0..n): exact zeros -> L = codebook.points.size() (their own
/// symbol), others -> their cell (0..L-1): the number of thresholds t_k
/// scale (rounded to a float) at or below x_i, i.e. the nearest point of
/// x_i / scale up to that rounding. scale > 0 unless every entry is 0. With
/// a counter (its range must hold [0, L]), the symbols are also counted (in
/// one call, after quantizing: symbol-counter.h).
LevelSymbols LloydMaxSymbols(const float* x,
                             size_t n,
                             float scale,
                             const LloydMaxCodebook& codebook,
                             SymbolCounter* counter = nullptr);

} // namespace wfl

#endif
