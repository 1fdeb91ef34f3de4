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

/// One output row of G output channels starting at o0, NB 16-column blocks.
template <typename Scalar, int G, int NB>
void
ForwardRow(const DirectConvShape& s,
           const Scalar* in, // padded plane of channel 0 of this sample, at row oy
           const Scalar* weights,
           const Scalar* bias,
           int o0,
           Scalar* const* out) // G output rows
{
    using V = typename Lanes<Scalar>::type;
    V acc[G][NB];
    for (int g = 0; g < G; ++g)
    {
        for (int b = 0; b < NB; ++b)
        {
            acc[g][b] = V{} + bias[o0 + g];
        }
    }
    int t = 0;
    for (int c = 0; c < s.inC; ++c)
    {
        for (int ky = 0; ky < s.k; ++ky)
        {
            const Scalar* row = in + c * s.planeStride + Eigen::Index{ky} * s.wp;
            for (int kx = 0; kx < s.k; ++kx, ++t)
            {
                V x[NB];
                for (int b = 0; b < NB; ++b)
                {
                    x[b] = Load(row + kx + kLanes * b);
                }
                const Scalar* w = weights + Eigen::Index{t} * s.outC + o0;
                for (int g = 0; g < G; ++g)
                {
                    for (int b = 0; b < NB; ++b)
                    {
                        acc[g][b] += w[g] * x[b];
                    }
                }
            }
        }
    }
    Scalar tmp[NB * kLanes];
    for (int g = 0; g < G; ++g)
    {
        std::memcpy(tmp, acc[g], sizeof(tmp));
        std::memcpy(out[g], tmp, sizeof(Scalar) * static_cast<size_t>(s.outW));
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
    const Eigen::Index outPlane = Eigen::Index{s.outH} * s.outW;
    Scalar* rows[6];
    for (Eigen::Index j = 0; j < n; ++j)
    {
        const Scalar* sample = padded + j * s.inC * s.planeStride;
        for (int oy = 0; oy < s.outH; ++oy)
        {
            const Scalar* in = sample + Eigen::Index{oy} * s.wp;
            for (int o0 = 0; o0 < s.outC; o0 += 6)
            {
                const int g = std::min(6, s.outC - o0);
                for (int i = 0; i < g; ++i)
                {
                    rows[i] = conv + ((o0 + i) * n + j) * outPlane + Eigen::Index{oy} * s.outW;
                }
                switch (g)
                {
                case 6: ForwardRow<Scalar, 6, NB>(s, in, weights, bias, o0, rows); break;
                case 5: ForwardRow<Scalar, 5, NB>(s, in, weights, bias, o0, rows); break;
                case 4: ForwardRow<Scalar, 4, NB>(s, in, weights, bias, o0, rows); break;
                case 3: ForwardRow<Scalar, 3, NB>(s, in, weights, bias, o0, rows); break;
                case 2: ForwardRow<Scalar, 2, NB>(s, in, weights, bias, o0, rows); break;
                default: ForwardRow<Scalar, 1, NB>(s, in, weights, bias, o0, rows); break;
                }
            }
        }
    }
}

/// dW for one (output channel o, input channel c, kernel row ky): K taps
/// accumulated in registers over every sample and output row.
template <typename Scalar, int K, int NB>
void
WeightGradientRow(const DirectConvShape& s,
                  const Scalar* padded,
                  Eigen::Index n,
                  const Scalar* dPadded, // dConv of channel o, rows of NB * 16 with zero tails
                  int c,
                  int ky,
                  Scalar* taps) // K sums, added to
{
    using V = typename Lanes<Scalar>::type;
    V acc[K][NB];
    for (int kx = 0; kx < K; ++kx)
    {
        for (int b = 0; b < NB; ++b)
        {
            acc[kx][b] = V{};
        }
    }
    for (Eigen::Index j = 0; j < n; ++j)
    {
        const Scalar* plane = padded + (j * s.inC + c) * s.planeStride + Eigen::Index{ky} * s.wp;
        const Scalar* d = dPadded + j * s.outH * NB * kLanes;
        for (int oy = 0; oy < s.outH; ++oy, d += NB * kLanes)
        {
            const Scalar* row = plane + Eigen::Index{oy} * s.wp;
            V dv[NB];
            for (int b = 0; b < NB; ++b)
            {
                dv[b] = Load(d + kLanes * b);
            }
            for (int kx = 0; kx < K; ++kx)
            {
                for (int b = 0; b < NB; ++b)
                {
                    acc[kx][b] += dv[b] * Load(row + kx + kLanes * b);
                }
            }
        }
    }
    for (int kx = 0; kx < K; ++kx)
    {
        Scalar sum = 0;
        for (int b = 0; b < NB; ++b)
        {
            for (int l = 0; l < kLanes; ++l)
            {
                sum += acc[kx][b][l];
            }
        }
        taps[kx] += sum;
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
    const Eigen::Index outPlane = Eigen::Index{s.outH} * s.outW;
    const int width = NB * kLanes;
    thread_local std::vector<Scalar> dPadded;
    dPadded.assign(static_cast<size_t>(n * s.outH * width), Scalar(0));
    Scalar taps[K];
    for (int o = 0; o < s.outC; ++o)
    {
        for (Eigen::Index r = 0; r < n * s.outH; ++r)
        {
            const Scalar* src = dConv + o * n * outPlane + r * s.outW;
            std::copy(src, src + s.outW, dPadded.data() + r * width);
        }
        for (int c = 0; c < s.inC; ++c)
        {
            for (int ky = 0; ky < K; ++ky)
            {
                std::fill(taps, taps + K, Scalar(0));
                WeightGradientRow<Scalar, K, NB>(s, padded, n, dPadded.data(), c, ky, taps);
                for (int kx = 0; kx < K; ++kx)
                {
                    dW[Eigen::Index{(c * K + ky) * K + kx} * s.outC + o] += taps[kx];
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
