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


/// 8 lanes of float, the pooled outputs of 8 windows; the 16 inputs of a
/// row of those windows; and 32-bit masks/codes.
typedef float F8 __attribute__((vector_size(8 * sizeof(float))));
typedef float F16 __attribute__((vector_size(16 * sizeof(float))));
typedef int32_t I8 __attribute__((vector_size(8 * sizeof(int32_t))));
typedef int32_t I16 __attribute__((vector_size(16 * sizeof(int32_t))));
constexpr int kWindows = 8;

template <typename V, typename T>
inline V
LoadV(const T* p)
{
    V v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

template <typename T, typename V>
inline void
StoreV(T* p, const V& v)
{
    std::memcpy(p, &v, sizeof(v));
}

/// a where m is all ones, b where it is zero (bitwise, no branch).
inline F8
Select(I8 m, F8 a, F8 b)
{
    return (F8)(((I8)a & m) | ((I8)b & ~m));
}

/// The scalar PickIfGreater on 8 windows: the candidate c at window code `at`.
inline void
PickIfGreater8(F8 c, int at, F8& v, I8& a)
{
    const I8 take = c > v;
    v = Select(take, c, v);
    a = ((I8{} + at) & take) | (a & ~take);
}

/// MaxPoolReluForward of 8 adjacent windows whose rows start at r0 and r1.
inline void
Pool8(const float* r0, const float* r1, float* out, int* arg)
{
    const F16 top = LoadV<F16>(r0);
    const F16 bottom = LoadV<F16>(r1);
    F8 v = __builtin_shufflevector(top, top, 0, 2, 4, 6, 8, 10, 12, 14);
    I8 a = I8{};
    PickIfGreater8(__builtin_shufflevector(top, top, 1, 3, 5, 7, 9, 11, 13, 15), 1, v, a);
    PickIfGreater8(__builtin_shufflevector(bottom, bottom, 0, 2, 4, 6, 8, 10, 12, 14), 2, v, a);
    PickIfGreater8(__builtin_shufflevector(bottom, bottom, 1, 3, 5, 7, 9, 11, 13, 15), 3, v, a);
    // max(v, 0) as std::max computes it: v < 0 ? +0 : v.
    StoreV(out, Select(v < F8{}, F8{}, v));
    StoreV(arg, a);
}

/// MaxPoolReluBackward of 8 adjacent windows whose rows start at r0 and r1.
inline void
Route8(const float* pooled, const float* dPooled, const int* arg, float* r0, float* r1)
{
    const I8 g = (I8)LoadV<F8>(dPooled) & (LoadV<F8>(pooled) > F8{});
    const I8 a = LoadV<I8>(arg);
    const I8 v0 = g & (a == I8{});
    const I8 v1 = g & (a == I8{} + 1);
    const I8 v2 = g & (a == I8{} + 2);
    const I8 v3 = g & (a == I8{} + 3);
    const I16 top = __builtin_shufflevector(v0, v1, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
    const I16 bottom = __builtin_shufflevector(v2, v3, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
    StoreV(r0, top);
    StoreV(r1, bottom);
}

/// Calls f(px) for blocks of kWindows windows covering [0, poolW): px = 0,
/// 8, ..., and a last block ending at poolW that may overlap the one before
/// (it recomputes and rewrites the same values). Needs poolW >= kWindows.
template <typename F>
inline void
ForBlocks(int poolW, F f)
{
    for (int px = 0;; px += kWindows)
    {
        px = std::min(px, poolW - kWindows);
        f(px);
        if (px + kWindows >= poolW)
        {
            break;
        }
    }
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
        for (int py = 0; py < poolH; ++py, out += poolW, arg += poolW)
        {
            const Scalar* r0 = conv + plane * outPlane + 2 * py * outW;
            const Scalar* r1 = r0 + outW;
            if constexpr (std::is_same_v<Scalar, float>)
            {
                if (poolW >= kWindows)
                {
                    ForBlocks(poolW, [&](int px) {
                        Pool8(r0 + 2 * px, r1 + 2 * px, out + px, arg + px);
                    });
                    continue;
                }
            }
            for (int px = 0; px < poolW; ++px)
            {
                Scalar v = r0[2 * px];
                int a = 0;
                PickIfGreater(r0[2 * px + 1], 1, v, a);
                PickIfGreater(r1[2 * px], 2, v, a);
                PickIfGreater(r1[2 * px + 1], 3, v, a);
                out[px] = std::max(v, Scalar(0));
                arg[px] = a;
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
        for (int py = 0; py < poolH; ++py, o += poolW)
        {
            Scalar* r0 = dConv + plane * outPlane + 2 * py * outW;
            Scalar* r1 = r0 + outW;
            if constexpr (std::is_same_v<Scalar, float>)
            {
                if (poolW >= kWindows)
                {
                    ForBlocks(poolW, [&](int px) {
                        Route8(pooled + o + px, dPooled + o + px, argmax + o + px, r0 + 2 * px,
                               r1 + 2 * px);
                    });
                    continue;
                }
            }
            for (int px = 0; px < poolW; ++px)
            {
                const Scalar g = KeepIf(pooled[o + px] > Scalar(0), dPooled[o + px]);
                const int a = argmax[o + px];
                r0[2 * px] = KeepIf(a == 0, g);
                r0[2 * px + 1] = KeepIf(a == 1, g);
                r1[2 * px] = KeepIf(a == 2, g);
                r1[2 * px + 1] = KeepIf(a == 3, g);
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
