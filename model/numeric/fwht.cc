#include "fwht.h"

#include <cassert>

namespace wfl
{
namespace
{

/// Blocks of this many elements stay in L1 while the small strides run.
constexpr size_t kBlock = 2048;

/// Stages with stride 1, 2, 4 fused: an 8-point transform per group of 8.
template <typename T>
inline void
Radix8(T* x, size_t n)
{
    for (size_t i = 0; i + 8 <= n; i += 8)
    {
        T* p = x + i;
        const T a0 = p[0] + p[1], a1 = p[0] - p[1], a2 = p[2] + p[3], a3 = p[2] - p[3];
        const T a4 = p[4] + p[5], a5 = p[4] - p[5], a6 = p[6] + p[7], a7 = p[6] - p[7];
        const T b0 = a0 + a2, b1 = a1 + a3, b2 = a0 - a2, b3 = a1 - a3;
        const T b4 = a4 + a6, b5 = a5 + a7, b6 = a4 - a6, b7 = a5 - a7;
        p[0] = b0 + b4;
        p[1] = b1 + b5;
        p[2] = b2 + b6;
        p[3] = b3 + b7;
        p[4] = b0 - b4;
        p[5] = b1 - b5;
        p[6] = b2 - b6;
        p[7] = b3 - b7;
    }
}

/// One butterfly stage of stride h (h >= 8: contiguous, vectorisable).
template <typename T>
inline void
Stage(T* x, size_t n, size_t h)
{
    for (size_t i = 0; i < n; i += 2 * h)
    {
        T* __restrict lo = x + i;
        T* __restrict hi = x + i + h;
        for (size_t j = 0; j < h; ++j)
        {
            const T a = lo[j];
            const T b = hi[j];
            lo[j] = a + b;
            hi[j] = a - b;
        }
    }
}

template <typename T>
void
Transform(T* x, size_t n)
{
    assert(IsPowerOfTwo(n));
    if (n < 8)
    {
        for (size_t h = 1; h < n; h *= 2)
        {
            for (size_t i = 0; i < n; i += 2 * h)
            {
                for (size_t j = i; j < i + h; ++j)
                {
                    const T a = x[j];
                    const T b = x[j + h];
                    x[j] = a + b;
                    x[j + h] = a - b;
                }
            }
        }
        return;
    }
    // Small strides block by block (cache-resident), then the large ones.
    const size_t block = n < kBlock ? n : kBlock;
    for (size_t start = 0; start < n; start += block)
    {
        Radix8(x + start, block);
        for (size_t h = 8; h < block; h *= 2)
        {
            Stage(x + start, block, h);
        }
    }
    for (size_t h = block; h < n; h *= 2)
    {
        Stage(x, n, h);
    }
}

} // namespace

void
Fwht(float* data, size_t n)
{
    Transform(data, n);
}

void
Fwht(double* data, size_t n)
{
    Transform(data, n);
}

} // namespace wfl
