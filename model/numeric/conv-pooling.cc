#include "conv-pooling.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace wfl
{
namespace
{

/// x if keep, else +0, without a branch (bit mask): the max-pool routing
/// depends on the data, and compilers turn a ?: into a mispredicted jump.
template <typename Scalar>
inline Scalar
KeepIf(bool keep, Scalar x)
{
    using Bits = std::conditional_t<sizeof(Scalar) == 4, uint32_t, uint64_t>;
    Bits b;
    std::memcpy(&b, &x, sizeof(b));
    b &= Bits(0) - static_cast<Bits>(keep);
    std::memcpy(&x, &b, sizeof(b));
    return x;
}

/// (v, a) = (c, at) if c > v (the first maximum wins ties), without a branch.
template <typename Scalar>
inline void
PickIfGreater(Scalar c, int at, Scalar& v, int& a)
{
    const int take = -static_cast<int>(c > v);
    a ^= (a ^ at) & take;
    v = std::max(v, c); // max(v, c) returns c only if v < c
}

} // namespace

template <typename Scalar>
void
MaxPoolReluForward(const Scalar* conv,
                   Eigen::Index planes,
                   int outH,
                   int outW,
                   Scalar* pooled,
                   int* argmax)
{
    const Eigen::Index outPlane = Eigen::Index{outH} * outW;
    const int poolH = outH / 2;
    const int poolW = outW / 2;
    Scalar* out = pooled;
    int* arg = argmax;
    for (Eigen::Index plane = 0; plane < planes; ++plane)
    {
        for (int py = 0; py < poolH; ++py)
        {
            const int top = static_cast<int>(plane * outPlane) + 2 * py * outW;
            const Scalar* r0 = conv + top;
            const Scalar* r1 = r0 + outW;
            for (int px = 0; px < poolW; ++px)
            {
                const int at = top + 2 * px;
                Scalar v = r0[2 * px];
                int a = at;
                PickIfGreater(r0[2 * px + 1], at + 1, v, a);
                PickIfGreater(r1[2 * px], at + outW, v, a);
                PickIfGreater(r1[2 * px + 1], at + outW + 1, v, a);
                *out++ = std::max(v, Scalar(0));
                *arg++ = a;
            }
        }
    }
}

template <typename Scalar>
void
MaxPoolReluBackward(const Scalar* pooled,
                    const Scalar* dPooled,
                    const int* argmax,
                    Eigen::Index planes,
                    int outH,
                    int outW,
                    Scalar* dConv)
{
    // Every 2x2 window is written whole (its argmax gets the gradient, the
    // other three zero), so only maps with an odd row or column left out of
    // the pooling need clearing first.
    const Eigen::Index outPlane = Eigen::Index{outH} * outW;
    if (outH % 2 != 0 || outW % 2 != 0)
    {
        std::fill(dConv, dConv + planes * outPlane, Scalar(0));
    }
    const int poolH = outH / 2;
    const int poolW = outW / 2;
    Eigen::Index o = 0;
    for (Eigen::Index plane = 0; plane < planes; ++plane)
    {
        for (int py = 0; py < poolH; ++py)
        {
            const int top = static_cast<int>(plane * outPlane) + 2 * py * outW;
            Scalar* r0 = dConv + top;
            Scalar* r1 = r0 + outW;
            for (int px = 0; px < poolW; ++px, ++o)
            {
                const Scalar g = KeepIf(pooled[o] > Scalar(0), dPooled[o]);
                const int d = argmax[o] - (top + 2 * px);
                r0[2 * px] = KeepIf(d == 0, g);
                r0[2 * px + 1] = KeepIf(d == 1, g);
                r1[2 * px] = KeepIf(d == outW, g);
                r1[2 * px + 1] = KeepIf(d == outW + 1, g);
            }
        }
    }
}

template void MaxPoolReluForward<float>(const float*, Eigen::Index, int, int, float*, int*);
template void MaxPoolReluForward<double>(const double*, Eigen::Index, int, int, double*, int*);
template void MaxPoolReluBackward<float>(const float*, const float*, const int*, Eigen::Index, int,
                                         int, float*);
template void MaxPoolReluBackward<double>(const double*, const double*, const int*, Eigen::Index,
                                          int, int, double*);

} // namespace wfl
