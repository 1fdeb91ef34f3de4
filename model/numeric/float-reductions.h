/*
 * Sums over float vectors in double precision, at vector speed and with a
 * fixed order.
 *
 * A plain `sum += x[i]` loop is one chain of dependent double additions (4
 * cycles each): 1.4 ms for 2^20 entries, twenty times one memory pass. The
 * compiler may not split the chain itself (that would change the rounding).
 * These keep kPartials running sums, entry i going to sum i mod kPartials,
 * and add the partials pairwise at the end: a fixed order, so the result is
 * the same bits on every ISA and thread count, and the loop vectorises. It
 * differs from the serial sum by rounding only (relative 1e-16 per term).
 */
#ifndef WFL_FLOAT_REDUCTIONS_H
#define WFL_FLOAT_REDUCTIONS_H

#include <cstddef>

namespace wfl
{

/// sum_i x_i^2 in double.
double SumOfSquares(const float* x, size_t n);

/// SumOfSquares(x, n), the same bits, and in the same pass over x the
/// number of entries != 0 (a NaN counts; -0 does not): one read of x where
/// the two apart cost two (Lloyd-Max's scale). n < 2^35 (std::length_error).
double SumOfSquaresAndNonZeros(const float* x, size_t n, size_t& nonZeros);

/// SumOfSquares(x, n), the same bits, and in the same pass MaxAbs(x, n):
/// one read of x where the two apart cost two (QSGD's norm and the bound on
/// its levels). A NaN entry makes the sum NaN and is ignored by the max.
double SumOfSquaresAndMaxAbs(const float* x, size_t n, float& maxAbs);

/// sum_i |x_i| in double.
double SumOfAbs(const float* x, size_t n);

/// max_i |x_i| over the non-NaN entries (0 for n = 0); exact, so order does
/// not matter.
float MaxAbs(const float* x, size_t n);

} // namespace wfl

#endif
