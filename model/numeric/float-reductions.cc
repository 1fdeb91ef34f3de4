#include "float-reductions.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

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

namespace
{
// GCC vector types (one zmm register under AVX-512), for the loops the
// vectoriser does not form from plain code.
typedef float F32x16 __attribute__((vector_size(64)));
typedef double F64x8 __attribute__((vector_size(64)));
typedef int32_t I32x16 __attribute__((vector_size(64)));
typedef uint32_t U32x16 __attribute__((vector_size(64)));
static_assert(sizeof(F32x16) / sizeof(float) == kPartials, "one vector of floats per round");

/// SumOfSquares's partial sums (entry i to partial i mod 16, the same order,
/// so the same bits) with a second reduction beside them in the same pass:
/// beside.Vector(v) for each whole vector of 16 entries, beside.Entry(x_i)
/// for the tail. Written with vector types: the plain loop with a second
/// reduction did not vectorise (0.55 ms for 2^20 entries, bench-compressors,
/// against about 0.08 ms for the two passes it replaces).
template <typename Beside>
double
SquaresBeside(const float* x, size_t n, Beside& beside)
{
    F64x8 low = {};  // partials 0..7
    F64x8 high = {}; // partials 8..15
    size_t i = 0;
    for (; i + kPartials <= n; i += kPartials)
    {
        F32x16 v;
        std::memcpy(&v, x + i, sizeof(v));
        const F64x8 a = __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7), F64x8);
        const F64x8 b = __builtin_convertvector(__builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15), F64x8);
        low += a * a;
        high += b * b;
        beside.Vector(v);
    }
    double partial[kPartials];
    std::memcpy(partial, &low, sizeof(low));
    std::memcpy(partial + kPartials / 2, &high, sizeof(high));
    for (size_t k = 0; i < n; ++i, ++k)
    {
        const auto v = static_cast<double>(x[i]);
        partial[k] += v * v;
        beside.Entry(x[i]);
    }
    return AddPartials(partial);
}

/// Entries != 0, counted as zeros in 32-bit lanes: a lane sees one entry
/// in 16, so it holds the count up to n < 2^35 (SumOfSquaresAndNonZeros
/// refuses more). No emptying inside the loop: a test per vector cost 3 %.
struct NonZeroCount
{
    I32x16 zeros = {}; ///< minus the zero entries per lane
    size_t tail = 0;   ///< non-zeros after the last whole vector

    void Vector(const F32x16& v)
    {
        zeros += (I32x16)(v == 0.0F); // all ones (-1) where zero
    }

    void Entry(float x)
    {
        tail += x != 0.0F ? 1u : 0u;
    }

    size_t Total(size_t n) const
    {
        size_t zeroCount = 0;
        for (size_t k = 0; k < kPartials; ++k)
        {
            zeroCount += static_cast<uint32_t>(-zeros[k]);
        }
        return n / kPartials * kPartials - zeroCount + tail;
    }
};

/// max |x_i| over the non-NaN entries, by bit patterns (as MaxAbs).
struct LargestMagnitude
{
    static constexpr uint32_t kInfinity = 0x7f800000u;
    U32x16 most = {};
    uint32_t tail = 0;

    void Vector(const F32x16& v)
    {
        const U32x16 magnitude = (U32x16)v & 0x7fffffffu;
        const U32x16 finite = magnitude & (U32x16)(magnitude <= kInfinity); // NaN -> 0
        most = most > finite ? most : finite;
    }

    void Entry(float x)
    {
        uint32_t bits;
        std::memcpy(&bits, &x, sizeof(bits));
        const uint32_t magnitude = bits & 0x7fffffffu;
        tail = std::max(tail, magnitude > kInfinity ? 0u : magnitude);
    }

    float Value() const
    {
        uint32_t result = tail;
        for (size_t k = 0; k < kPartials; ++k)
        {
            result = std::max(result, most[k]);
        }
        float value;
        std::memcpy(&value, &result, sizeof(value));
        return value;
    }
};
} // namespace

double
SumOfSquaresAndNonZeros(const float* x, size_t n, size_t& nonZeros)
{
    if (n >= (size_t{1} << 35))
    {
        throw std::length_error("SumOfSquaresAndNonZeros: at most 2^35 - 1 entries");
    }
    NonZeroCount count;
    const double squares = SquaresBeside(x, n, count);
    nonZeros = count.Total(n);
    return squares;
}

double
SumOfSquaresAndMaxAbs(const float* x, size_t n, float& maxAbs)
{
    LargestMagnitude largest;
    const double squares = SquaresBeside(x, n, largest);
    maxAbs = largest.Value();
    return squares;
}

double
SumOfAbs(const float* x, size_t n)
{
    return FixedOrderSum(x, n, [](double v) { return std::abs(v); });
}

float
MaxAbs(const float* x, size_t n)
{
    // Bit patterns (LargestMagnitude): |x| is x without its sign bit, and for
    // non-negative floats the integer order is the float order, so the
    // integer max is the float max. A NaN (above +inf as an integer) counts
    // as 0, as in std::max(most, |x_i|), which keeps `most` when |x_i| is
    // NaN. Written with a GCC vector type (16 lanes, one zmm register): GCC
    // 12 does not vectorise the scalar form of the NaN mask and max, which
    // ran at 0.38 ms for 2^20 entries, five times SumOfSquares; this runs at
    // 0.04 ms (bench-compressors, TernGrad and DQSG scales).
    LargestMagnitude largest;
    size_t i = 0;
    for (; i + kPartials <= n; i += kPartials)
    {
        F32x16 v;
        std::memcpy(&v, x + i, sizeof(v));
        largest.Vector(v);
    }
    for (; i < n; ++i)
    {
        largest.Entry(x[i]);
    }
    return largest.Value();
}

} // namespace wfl
