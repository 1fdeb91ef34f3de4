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
SumOfAbs(const float* x, size_t n)
{
    return FixedOrderSum(x, n, [](double v) { return std::abs(v); });
}

float
MaxAbs(const float* x, size_t n)
{
    // Bit patterns: |x| is x without its sign bit, and for non-negative floats
    // the integer order is the float order, so the integer max (which
    // vectorises; a float max with NaN rules does not) is the float max.
    // A NaN (above +inf as an integer) counts as 0, as in
    // std::max(most, |x_i|), which keeps `most` when |x_i| is NaN.
    // 16 running maxima, as the sums (the single-accumulator loop does not
    // vectorise).
    constexpr uint32_t kInfinity = 0x7f800000u;
    uint32_t partial[kPartials] = {};
    size_t i = 0;
    for (; i + kPartials <= n; i += kPartials)
    {
        uint32_t bits[kPartials];
        std::memcpy(bits, x + i, sizeof(bits));
        for (size_t k = 0; k < kPartials; ++k)
        {
            const uint32_t magnitude = bits[k] & 0x7fffffffu;
            partial[k] = std::max(partial[k], magnitude > kInfinity ? 0u : magnitude);
        }
    }
    for (size_t k = 0; i < n; ++i, ++k)
    {
        uint32_t bits;
        std::memcpy(&bits, x + i, sizeof(bits));
        const uint32_t magnitude = bits & 0x7fffffffu;
        partial[k] = std::max(partial[k], magnitude > kInfinity ? 0u : magnitude);
    }
    const uint32_t most = *std::max_element(partial, partial + kPartials);
    float result;
    std::memcpy(&result, &most, sizeof(result));
    return result;
}

} // namespace wfl
