/*
 * Fast Walsh-Hadamard transform (unnormalised, Sylvester order).
 *
 * y = H_n x with H_1 = [1], H_2n = [[H_n, H_n], [H_n, -H_n]]; H_n H_n = n I,
 * so applying it twice multiplies by n. O(n log n), in place, no allocation.
 */
#ifndef WFL_FWHT_H
#define WFL_FWHT_H

#include <cstddef>

namespace wfl
{

/// True if n is a power of two (n >= 1).
constexpr bool
IsPowerOfTwo(size_t n)
{
    return n != 0 && (n & (n - 1)) == 0;
}

/// In-place transform of data[0..n), n a power of two.
void Fwht(float* data, size_t n);
void Fwht(double* data, size_t n);

} // namespace wfl

#endif
