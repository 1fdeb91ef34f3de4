#include "narrow-layer.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

// Built with -ffp-contract=fast (CMakeLists), so `acc += a * b` is one FMA.

namespace wfl
{
namespace
{

// One vector register's worth of floats: its width must match the ISA, or
// GCC splits vectors (and warns about the ABI of returning them).
#if defined(__AVX512F__)
constexpr int kLanes = 16;
constexpr int kBlock = 2; ///< samples (forward) or column vectors (gradient) per register block
#elif defined(__AVX__)
constexpr int kLanes = 8;
constexpr int kBlock = 1; ///< 16 vector registers: 10 rows x 1 fills them
#else
constexpr int kLanes = 4;
constexpr int kBlock = 1;
#endif
/// Output rows per register block: 10 classes in one pass.
constexpr int kMaxRows = 10;

using VecF = float __attribute__((vector_size(kLanes * sizeof(float))));

inline VecF
Load(const float* p)
{
    VecF v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

inline void
Store(float* p, const VecF& v)
{
    std::memcpy(p, &v, sizeof v);
}

inline float
HorizontalSum(const VecF& v)
{
    float lanes[kLanes];
    std::memcpy(lanes, &v, sizeof v);
    for (int width = kLanes / 2; width > 0; width /= 2)
    {
        for (int i = 0; i < width; ++i)
        {
            lanes[i] += lanes[i + width];
        }
    }
    return lanes[0];
}

/// R rows of W against S samples: y[r, s] for the block at (w, x, y).
template <int R, int S>
void
ForwardBlock(const float* w, const float* bias, int rows, int in, const float* x, float* y)
{
    VecF acc[R][S] = {};
    const int vectorEnd = in - in % kLanes;
    for (int j = 0; j < vectorEnd; j += kLanes)
    {
        VecF xv[S];
        for (int s = 0; s < S; ++s)
        {
            xv[s] = Load(x + s * in + j);
        }
        for (int r = 0; r < R; ++r)
        {
            const VecF wv = Load(w + r * in + j);
            for (int s = 0; s < S; ++s)
            {
                acc[r][s] += wv * xv[s];
            }
        }
    }
    for (int s = 0; s < S; ++s)
    {
        for (int r = 0; r < R; ++r)
        {
            float sum = HorizontalSum(acc[r][s]);
            for (int j = vectorEnd; j < in; ++j)
            {
                sum += w[r * in + j] * x[s * in + j];
            }
            y[s * rows + r] = sum + bias[r];
        }
    }
}

/// dW for R rows and C vectors of columns starting at (dw, x): a sum over the batch.
template <int R, int C>
void
GradientBlock(const float* delta, int rows, int in, const float* x, int batch, float* dw)
{
    VecF acc[R][C] = {};
    for (int b = 0; b < batch; ++b)
    {
        VecF xv[C];
        for (int c = 0; c < C; ++c)
        {
            xv[c] = Load(x + b * in + c * kLanes);
        }
        for (int r = 0; r < R; ++r)
        {
            const VecF d = VecF{} + delta[b * rows + r];
            for (int c = 0; c < C; ++c)
            {
                acc[r][c] += d * xv[c];
            }
        }
    }
    for (int r = 0; r < R; ++r)
    {
        for (int c = 0; c < C; ++c)
        {
            Store(dw + r * in + c * kLanes, acc[r][c]);
        }
    }
}

template <int S>
using ForwardFn = void (*)(const float*, const float*, int, int, const float*, float*);
template <int C>
using GradientFn = void (*)(const float*, int, int, const float*, int, float*);

/// Tables indexed by (rows in the block - 1), so the row count is a compile-time constant.
template <int S, int... R>
constexpr std::array<ForwardFn<S>, sizeof...(R)>
ForwardTable(std::integer_sequence<int, R...>)
{
    return {&ForwardBlock<R + 1, S>...};
}

template <int C, int... R>
constexpr std::array<GradientFn<C>, sizeof...(R)>
GradientTable(std::integer_sequence<int, R...>)
{
    return {&GradientBlock<R + 1, C>...};
}

} // namespace

void
NarrowLayerForward(const float* w,
                   const float* bias,
                   int rows,
                   int in,
                   const float* x,
                   int batch,
                   float* y)
{
    static constexpr auto blocked = ForwardTable<kBlock>(std::make_integer_sequence<int, kMaxRows>());
    static constexpr auto single = ForwardTable<1>(std::make_integer_sequence<int, kMaxRows>());
    for (int r0 = 0; r0 < rows; r0 += kMaxRows)
    {
        const int blockRows = std::min(kMaxRows, rows - r0);
        const float* wr = w + r0 * in;
        int b = 0;
        for (; b + kBlock <= batch; b += kBlock)
        {
            blocked[blockRows - 1](wr, bias + r0, rows, in, x + b * in, y + b * rows + r0);
        }
        for (; b < batch; ++b)
        {
            single[blockRows - 1](wr, bias + r0, rows, in, x + b * in, y + b * rows + r0);
        }
    }
}

void
NarrowLayerGradient(const float* delta,
                    int rows,
                    int in,
                    const float* x,
                    int batch,
                    float* dw,
                    float* db)
{
    static constexpr auto blocked = GradientTable<kBlock>(std::make_integer_sequence<int, kMaxRows>());
    static constexpr auto single = GradientTable<1>(std::make_integer_sequence<int, kMaxRows>());
    const int vectorEnd = in - in % kLanes;
    for (int r0 = 0; r0 < rows; r0 += kMaxRows)
    {
        const int blockRows = std::min(kMaxRows, rows - r0);
        const float* d = delta + r0;
        float* dwr = dw + r0 * in;
        int j = 0;
        for (; j + kBlock * kLanes <= vectorEnd; j += kBlock * kLanes)
        {
            blocked[blockRows - 1](d, rows, in, x + j, batch, dwr + j);
        }
        for (; j < vectorEnd; j += kLanes)
        {
            single[blockRows - 1](d, rows, in, x + j, batch, dwr + j);
        }
    }
    for (int r = 0; r < rows; ++r)
    {
        for (int j = vectorEnd; j < in; ++j)
        {
            float sum = 0.0f;
            for (int b = 0; b < batch; ++b)
            {
                sum += delta[b * rows + r] * x[b * in + j];
            }
            dw[r * in + j] = sum;
        }
        float biasSum = 0.0f;
        for (int b = 0; b < batch; ++b)
        {
            biasSum += delta[b * rows + r];
        }
        db[r] = biasSum;
    }
}

} // namespace wfl
