#include "float-reductions.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace wfl
{

namespace
{
/// Running sums: 16 doubles, two zmm registers, enough to hide the latency
/// of the additions.
constexpr size_t kPartials = 16;

/// Pairwise: (p0 + p8) ..., then halves again; a fixed tree.
double
AddPartials(double* p)
{
    for (size_t width = kPartials / 2; width >= 1; width /= 2)
    {
        for (size_t k = 0; k < width; ++k)
        {
            p[k] += p[k + width];
        }
    }
    return p[0];
}

template <typename Term>
double
FixedOrderSum(const float* x, size_t n, Term term)
{
    double partial[kPartials] = {};
    size_t i = 0;
    for (; i + kPartials <= n; i += kPartials)
    {
        for (size_t k = 0; k < kPartials; ++k)
        {
            partial[k] += term(static_cast<double>(x[i + k]));
        }
    }
    for (size_t k = 0; i < n; ++i, ++k)
    {
        partial[k] += term(static_cast<double>(x[i]));
    }
    return AddPartials(partial);
}
} // namespace

double
SumOfSquares(const float* x, size_t n)
{
    return FixedOrderSum(x, n, [](double v) { return v * v; });
}

double
SumOfSquaresAndNonZeros(const float* x, size_t n, size_t& nonZeros)
{
    // FixedOrderSum's loop with a count beside it: the same partial sums in
    // the same order (entry i to partial i mod 16), so the same bits as
    // SumOfSquares. Written with GCC vector types: the plain loop with a
    // count did not vectorise (0.55 ms for 2^20 entries, bench-compressors,
    // against about 0.08 for the two passes it replaces). The count is kept
    // in 32-bit lanes, emptied every 2^31 entries.
    typedef float F32x16 __attribute__((vector_size(64)));
    typedef double F64x8 __attribute__((vector_size(64)));
    typedef int32_t I32x16 __attribute__((vector_size(64)));
    static_assert(sizeof(F32x16) / sizeof(float) == kPartials, "one vector of floats per round");
    F64x8 low = {};  // partials 0..7
    F64x8 high = {}; // partials 8..15
    nonZeros = 0;
    constexpr size_t kCountChunk = size_t{1} << 31;
    size_t i = 0;
    while (i + kPartials <= n)
    {
        I32x16 zeros = {}; // minus the count of zero entries per lane
        const size_t last = std::min(n, i + kCountChunk);
        const size_t start = i;
        for (; i + kPartials <= last; i += kPartials)
        {
            F32x16 v;
            std::memcpy(&v, x + i, sizeof(v));
            const F64x8 a = __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7), F64x8);
            const F64x8 b = __builtin_convertvector(__builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15), F64x8);
            low += a * a;
            high += b * b;
            zeros += (I32x16)(v == 0.0F); // all ones (-1) where zero
        }
        size_t zeroCount = 0;
        for (size_t k = 0; k < kPartials; ++k)
        {
            zeroCount += static_cast<uint32_t>(-zeros[k]);
        }
        nonZeros += (i - start) - zeroCount;
    }
    double partial[kPartials];
    std::memcpy(partial, &low, sizeof(low));
    std::memcpy(partial + kPartials / 2, &high, sizeof(high));
    for (size_t k = 0; i < n; ++i, ++k)
    {
        const auto v = static_cast<double>(x[i]);
        partial[k] += v * v;
        nonZeros += x[i] != 0.0F ? 1u : 0u;
    }
    return AddPartials(partial);
}

double
SumOfSquaresAndMaxAbs(const float* x, size_t n, float& maxAbs)
{
    // SumOfSquaresAndNonZeros's loop with MaxAbs's bit-pattern max in place
    // of the count: the same partial sums in the same order.
    typedef float F32x16 __attribute__((vector_size(64)));
    typedef double F64x8 __attribute__((vector_size(64)));
    typedef uint32_t U32x16 __attribute__((vector_size(64)));
    constexpr uint32_t kInfinity = 0x7f800000u;
    F64x8 low = {};
    F64x8 high = {};
    U32x16 most = {};
    size_t i = 0;
    for (; i + kPartials <= n; i += kPartials)
    {
        F32x16 v;
        std::memcpy(&v, x + i, sizeof(v));
        const F64x8 a = __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7), F64x8);
        const F64x8 b = __builtin_convertvector(__builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15), F64x8);
        low += a * a;
        high += b * b;
        const U32x16 magnitude = (U32x16)v & 0x7fffffffu;
        const U32x16 finite = magnitude & (U32x16)(magnitude <= kInfinity); // NaN -> 0
        most = most > finite ? most : finite;
    }
    double partial[kPartials];
    std::memcpy(partial, &low, sizeof(low));
    std::memcpy(partial + kPartials / 2, &high, sizeof(high));
    uint32_t result = 0;
    for (size_t k = 0; k < kPartials; ++k)
    {
        result = std::max(result, most[k]);
    }
    for (size_t k = 0; i < n; ++i, ++k)
    {
        const auto v = static_cast<double>(x[i]);
        partial[k] += v * v;
        uint32_t bits;
        std::memcpy(&bits, x + i, sizeof(bits));
        const uint32_t magnitude = bits & 0x7fffffffu;
        result = std::max(result, magnitude > kInfinity ? 0u : magnitude);
    }
    std::memcpy(&maxAbs, &result, sizeof(maxAbs));
    return AddPartials(partial);
}

double
SumOfAbs(const float* x, size_t n)
{
    return FixedOrderSum(x, n, [](double v) { return std::abs(v); });
}

float
MaxAbs(const float* x, size_t n)
{
    // Bit patterns: |x| is x without its sign bit, and for non-negative floats
    // the integer order is the float order, so the integer max is the float
    // max. A NaN (above +inf as an integer) counts as 0, as in
    // std::max(most, |x_i|), which keeps `most` when |x_i| is NaN.
    // Written with a GCC vector type (16 lanes, one zmm register): GCC 12
    // does not vectorise the scalar form of the NaN mask and max, which ran at
    // 0.38 ms for 2^20 entries, five times SumOfSquares; this runs at
    // 0.04 ms (bench-compressors, TernGrad and DQSG scales).
    typedef uint32_t U32x16 __attribute__((vector_size(64)));
    constexpr size_t kWidth = sizeof(U32x16) / sizeof(uint32_t);
    constexpr uint32_t kInfinity = 0x7f800000u;
    U32x16 most = {};
    size_t i = 0;
    for (; i + kWidth <= n; i += kWidth)
    {
        U32x16 bits;
        std::memcpy(&bits, x + i, sizeof(bits));
        const U32x16 magnitude = bits & 0x7fffffffu;
        // The comparison gives all ones where magnitude <= inf: NaN -> 0.
        const U32x16 finite = magnitude & reinterpret_cast<U32x16>(magnitude <= kInfinity);
        most = most > finite ? most : finite;
    }
    uint32_t result = 0;
    for (size_t k = 0; k < kWidth; ++k)
    {
        result = std::max(result, most[k]);
    }
    for (; i < n; ++i)
    {
        uint32_t bits;
        std::memcpy(&bits, x + i, sizeof(bits));
        const uint32_t magnitude = bits & 0x7fffffffu;
        result = std::max(result, magnitude > kInfinity ? 0u : magnitude);
    }
    float value;
    std::memcpy(&value, &result, sizeof(value));
    return value;
}

} // namespace wfl
