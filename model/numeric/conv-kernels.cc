#include "conv-kernels.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace wfl
{
namespace
{

constexpr int kLanes = 16;

/// 16 lanes of Scalar as one GCC/Clang vector: one zmm register for float
/// under AVX-512 (the compiler splits it on narrower targets).
template <typename Scalar>
struct Lanes;

template <>
struct Lanes<float>
{
    typedef float type __attribute__((vector_size(kLanes * sizeof(float))));
};

template <>
struct Lanes<double>
{
    typedef double type __attribute__((vector_size(kLanes * sizeof(double))));
};

template <typename Scalar>
inline typename Lanes<Scalar>::type
Load(const Scalar* p)
{
    typename Lanes<Scalar>::type v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

/// R consecutive output rows of G output channels starting at o0, NB
/// 16-column blocks each: R * G * NB independent accumulators, enough to
/// cover the FMA latency (4 cycles, 2 per cycle) even with one block per row.
template <typename Scalar, int R, int G, int NB>
void
ForwardRows(const DirectConvShape& s,
            const Scalar* in, // padded plane of channel 0 of this sample, at the first row
            const Scalar* weights,
            const Scalar* bias,
            int o0,
            int kyLo, // taps ky in [kyLo, kyHi) only
            int kyHi,
            Scalar* const* out) // G output rows (of the first of the R rows)
{
    using V = typename Lanes<Scalar>::type;
    V acc[R][G][NB];
    for (int r = 0; r < R; ++r)
    {
        for (int g = 0; g < G; ++g)
        {
            for (int b = 0; b < NB; ++b)
            {
                acc[r][g][b] = V{} + bias[o0 + g];
            }
        }
    }
    for (int c = 0; c < s.inC; ++c)
    {
        for (int ky = kyLo; ky < kyHi; ++ky)
        {
            const Scalar* row = in + c * s.planeStride + Eigen::Index{ky} * s.wp;
            int t = (c * s.k + ky) * s.k;
            for (int kx = 0; kx < s.k; ++kx, ++t)
            {
                const Scalar* w = weights + Eigen::Index{t} * s.outC + o0;
                for (int r = 0; r < R; ++r)
                {
                    V x[NB];
                    for (int b = 0; b < NB; ++b)
                    {
                        x[b] = Load(row + Eigen::Index{r} * s.wp + kx + kLanes * b);
                    }
                    for (int g = 0; g < G; ++g)
                    {
                        for (int b = 0; b < NB; ++b)
                        {
                            acc[r][g][b] += w[g] * x[b];
                        }
                    }
                }
            }
        }
    }
    // Whole blocks as single vector stores, then the partial last block
    // (a libc memcpy call of a run-time size cost more than the row itself).
    const int full = s.outW / kLanes;
    const int tail = s.outW - full * kLanes;
    for (int r = 0; r < R; ++r)
    {
        for (int g = 0; g < G; ++g)
        {
            Scalar* dst = out[g] + Eigen::Index{r} * s.outW;
            for (int b = 0; b < full; ++b)
            {
                std::memcpy(dst + kLanes * b, &acc[r][g][b], sizeof(V));
            }
            for (int x = 0; x < tail; ++x)
            {
                dst[full * kLanes + x] = acc[r][g][full][x];
            }
        }
    }
}

template <typename Scalar, int R, int NB>
void
ForwardGroups(const DirectConvShape& s,
              const Scalar* in,
              const Scalar* weights,
              const Scalar* bias,
              Scalar* conv,
              Eigen::Index n,
              Eigen::Index j,
              int oy)
{
    const Eigen::Index outPlane = Eigen::Index{s.outH} * s.outW;
    // Output rows oy .. oy + R - 1 read padded rows oy + ky .. oy + R - 1 + ky.
    const int kyLo = std::max(0, s.rowLo - (oy + R - 1));
    const int kyHi = std::max(kyLo, std::min(s.k, s.rowHi - oy));
    Scalar* rows[6];
    for (int o0 = 0; o0 < s.outC; o0 += 6)
    {
        const int g = std::min(6, s.outC - o0);
        for (int i = 0; i < g; ++i)
        {
            rows[i] = conv + ((o0 + i) * n + j) * outPlane + Eigen::Index{oy} * s.outW;
        }
        switch (g)
        {
        case 6: ForwardRows<Scalar, R, 6, NB>(s, in, weights, bias, o0, kyLo, kyHi, rows); break;
        case 5: ForwardRows<Scalar, R, 5, NB>(s, in, weights, bias, o0, kyLo, kyHi, rows); break;
        case 4: ForwardRows<Scalar, R, 4, NB>(s, in, weights, bias, o0, kyLo, kyHi, rows); break;
        case 3: ForwardRows<Scalar, R, 3, NB>(s, in, weights, bias, o0, kyLo, kyHi, rows); break;
        case 2: ForwardRows<Scalar, R, 2, NB>(s, in, weights, bias, o0, kyLo, kyHi, rows); break;
        default: ForwardRows<Scalar, R, 1, NB>(s, in, weights, bias, o0, kyLo, kyHi, rows); break;
        }
    }
}

template <typename Scalar, int NB>
void
ForwardBlocks(const DirectConvShape& s,
              const Scalar* padded,
              Eigen::Index n,
              const Scalar* weights,
              const Scalar* bias,
              Scalar* conv)
{
    // Rows per register block: at most 24 accumulators of 32 registers.
    constexpr int R = NB == 1 ? 4 : NB == 2 ? 2 : 1;
    for (Eigen::Index j = 0; j < n; ++j)
    {
        const Scalar* sample = padded + j * s.inC * s.planeStride;
        int oy = 0;
        for (; oy + R <= s.outH; oy += R)
        {
            ForwardGroups<Scalar, R, NB>(s, sample + Eigen::Index{oy} * s.wp, weights, bias, conv, n, j, oy);
        }
        for (; oy < s.outH; ++oy)
        {
            ForwardGroups<Scalar, 1, NB>(s, sample + Eigen::Index{oy} * s.wp, weights, bias, conv, n, j, oy);
        }
    }
}

/// dW for O output channels from o0, input channel c and kernel row ky: O * K
/// taps accumulated in registers over every sample and output row; each
/// input vector load serves the O channels.
template <typename Scalar, int O, int K, int NB>
void
WeightGradientRow(const DirectConvShape& s,
                  const Scalar* padded,
                  Eigen::Index n,
                  const Scalar* dPadded, // dConv rows of NB * 16 with zero tails, channel-major
                  int o0,
                  int c,
                  int ky,
                  Scalar* dW)
{
    using V = typename Lanes<Scalar>::type;
    const Eigen::Index width = NB * kLanes;
    const Eigen::Index channelStride = n * s.outH * width;
    V acc[O][K][NB];
    for (int o = 0; o < O; ++o)
    {
        for (int kx = 0; kx < K; ++kx)
        {
            for (int b = 0; b < NB; ++b)
            {
                acc[o][kx][b] = V{};
            }
        }
    }
    for (Eigen::Index j = 0; j < n; ++j)
    {
        const Scalar* plane = padded + (j * s.inC + c) * s.planeStride + Eigen::Index{ky} * s.wp;
        const Scalar* d = dPadded + o0 * channelStride + j * s.outH * width;
        for (int oy = 0; oy < s.outH; ++oy, d += width)
        {
            const Scalar* row = plane + Eigen::Index{oy} * s.wp;
            V dv[O][NB];
            for (int o = 0; o < O; ++o)
            {
                for (int b = 0; b < NB; ++b)
                {
                    dv[o][b] = Load(d + o * channelStride + kLanes * b);
                }
            }
            for (int kx = 0; kx < K; ++kx)
            {
                for (int b = 0; b < NB; ++b)
                {
                    const V x = Load(row + kx + kLanes * b);
                    for (int o = 0; o < O; ++o)
                    {
                        acc[o][kx][b] += dv[o][b] * x;
                    }
                }
            }
        }
    }
    for (int o = 0; o < O; ++o)
    {
        for (int kx = 0; kx < K; ++kx)
        {
            Scalar sum = 0;
            for (int b = 0; b < NB; ++b)
            {
                for (int l = 0; l < kLanes; ++l)
                {
                    sum += acc[o][kx][b][l];
                }
            }
            dW[Eigen::Index{(c * K + ky) * K + kx} * s.outC + o0 + o] += sum;
        }
    }
}

template <typename Scalar, int K, int NB>
void
WeightGradientBlocks(const DirectConvShape& s,
                     const Scalar* padded,
                     Eigen::Index n,
                     const Scalar* dConv,
                     Scalar* dW)
{
    // dConv rows copied to NB * 16 columns with zero tails, so whole vectors
    // can be read and the columns past outW add nothing.
    const Eigen::Index rows = n * s.outH;
    const int width = NB * kLanes;
    thread_local std::vector<Scalar> dPadded;
    dPadded.assign(static_cast<size_t>(s.outC * rows * width), Scalar(0));
    for (Eigen::Index r = 0; r < s.outC * rows; ++r)
    {
        const Scalar* src = dConv + r * s.outW;
        Scalar* dst = dPadded.data() + r * width;
        for (int x = 0; x < s.outW; ++x)
        {
            dst[x] = src[x];
        }
    }
    int o0 = 0;
    for (; o0 < s.outC; o0 += 2)
    {
        for (int c = 0; c < s.inC; ++c)
        {
            for (int ky = 0; ky < K; ++ky)
            {
                if (o0 + 1 < s.outC)
                {
                    WeightGradientRow<Scalar, 2, K, NB>(s, padded, n, dPadded.data(), o0, c, ky, dW);
                }
                else
                {
                    WeightGradientRow<Scalar, 1, K, NB>(s, padded, n, dPadded.data(), o0, c, ky, dW);
                }
            }
        }
    }
}

template <typename Scalar, int K>
void
WeightGradientK(const DirectConvShape& s, const Scalar* padded, Eigen::Index n, const Scalar* dConv, Scalar* dW)
{
    switch ((s.outW + kLanes - 1) / kLanes)
    {
    case 1: WeightGradientBlocks<Scalar, K, 1>(s, padded, n, dConv, dW); break;
    case 2: WeightGradientBlocks<Scalar, K, 2>(s, padded, n, dConv, dW); break;
    case 3: WeightGradientBlocks<Scalar, K, 3>(s, padded, n, dConv, dW); break;
    default: WeightGradientBlocks<Scalar, K, 4>(s, padded, n, dConv, dW); break;
    }
}

} // namespace

int
DirectConvRowStride(int outW, int k)
{
    return (outW + kLanes - 1) / kLanes * kLanes + k - 1;
}

bool
DirectConvSupports(int k, int outW)
{
    return (k == 3 || k == 5) && outW >= 1 && outW <= 4 * kLanes;
}

template <typename Scalar>
void
DirectConvForward(const DirectConvShape& s,
                  const Scalar* padded,
                  Eigen::Index n,
                  const Scalar* weights,
                  const Scalar* bias,
                  Scalar* conv)
{
    switch ((s.outW + kLanes - 1) / kLanes)
    {
    case 1: ForwardBlocks<Scalar, 1>(s, padded, n, weights, bias, conv); break;
    case 2: ForwardBlocks<Scalar, 2>(s, padded, n, weights, bias, conv); break;
    case 3: ForwardBlocks<Scalar, 3>(s, padded, n, weights, bias, conv); break;
    default: ForwardBlocks<Scalar, 4>(s, padded, n, weights, bias, conv); break;
    }
}

template <typename Scalar>
void
DirectConvWeightGradient(const DirectConvShape& s,
                         const Scalar* padded,
                         Eigen::Index n,
                         const Scalar* dConv,
                         Scalar* dW)
{
    if (s.k == 3)
    {
        WeightGradientK<Scalar, 3>(s, padded, n, dConv, dW);
    }
    else
    {
        WeightGradientK<Scalar, 5>(s, padded, n, dConv, dW);
    }
}

template void DirectConvForward<float>(const DirectConvShape&, const float*, Eigen::Index, const float*,
                                       const float*, float*);
template void DirectConvForward<double>(const DirectConvShape&, const double*, Eigen::Index,
                                        const double*, const double*, double*);
template void DirectConvWeightGradient<float>(const DirectConvShape&, const float*, Eigen::Index,
                                              const float*, float*);
template void DirectConvWeightGradient<double>(const DirectConvShape&, const double*, Eigen::Index,
                                               const double*, double*);

} // namespace wfl
