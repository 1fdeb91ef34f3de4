#include "conv-columns.h"

#include <algorithm>
#include <cstring>

namespace wfl
{
namespace
{

/// Columns [lo, hi) of an output row whose tap kx reads inside the input row:
/// ix = ox + kx - pad in [0, inW).
inline void
ValidRange(int outW, int inW, int pad, int kx, int& lo, int& hi)
{
    lo = std::max(0, pad - kx);
    hi = std::min(outW, inW + pad - kx);
    hi = std::max(hi, lo);
}

/// dst[0, len) = src[0, len) for short runs (the rows of LeNet's maps are
/// 10-28 values): whole 8-value moves, the last one overlapping the one
/// before, instead of a libc memmove call per row (libc memmove took 5.8 %
/// of a LeNet training step before this, 1.8 % after; perf).
template <typename Scalar>
inline void
CopyRun(const Scalar* src, Scalar* dst, int len)
{
    constexpr int kRun = 8;
    if (len < kRun)
    {
        for (int x = 0; x < len; ++x)
        {
            dst[x] = src[x];
        }
        return;
    }
    if (len <= 2 * kRun)
    {
        std::memcpy(dst, src, kRun * sizeof(Scalar));
        std::memcpy(dst + len - kRun, src + len - kRun, kRun * sizeof(Scalar));
        return;
    }
    for (int x = 0;; x += kRun)
    {
        x = std::min(x, len - kRun);
        std::memcpy(dst + x, src + x, kRun * sizeof(Scalar));
        if (x + kRun >= len)
        {
            break;
        }
    }
}

} // namespace

template <typename Scalar>
void
Im2Col(const ConvGeometry& s,
       const Scalar* in,
       Eigen::Index sampleStride,
       Eigen::Index channelStride,
       Eigen::Index n,
       Scalar* cols)
{
    const int kernel = s.k;
    const Eigen::Index rows = n * s.outH * s.outW;
    if (s.pad == 0)
    {
        // 'valid': every output row reads a whole input row segment.
        const Eigen::Index outPlane = Eigen::Index{s.outH} * s.outW;
        Scalar* dst = cols;
        for (int ch = 0; ch < s.inC; ++ch)
        {
            for (int ky = 0; ky < kernel; ++ky)
            {
                for (int kx = 0; kx < kernel; ++kx)
                {
                    for (Eigen::Index j = 0; j < n; ++j, dst += outPlane)
                    {
                        const Scalar* src =
                            in + j * sampleStride + ch * channelStride + Eigen::Index{ky} * s.inW + kx;
                        for (int oy = 0; oy < s.outH; ++oy)
                        {
                            CopyRun(src + Eigen::Index{oy} * s.inW, dst + Eigen::Index{oy} * s.outW,
                                    s.outW);
                        }
                    }
                }
            }
        }
        return;
    }
    for (int ch = 0; ch < s.inC; ++ch)
    {
        for (int ky = 0; ky < kernel; ++ky)
        {
            for (int kx = 0; kx < kernel; ++kx)
            {
                Scalar* dst = cols + ((Eigen::Index{ch} * kernel + ky) * kernel + kx) * rows;
                int lo;
                int hi;
                ValidRange(s.outW, s.inW, s.pad, kx, lo, hi);
                for (Eigen::Index j = 0; j < n; ++j)
                {
                    const Scalar* plane = in + j * sampleStride + ch * channelStride;
                    for (int oy = 0; oy < s.outH; ++oy)
                    {
                        Scalar* d = dst + (j * s.outH + oy) * s.outW;
                        const int iy = oy + ky - s.pad;
                        if (iy < 0 || iy >= s.inH)
                        {
                            std::fill(d, d + s.outW, Scalar(0));
                            continue;
                        }
                        const Scalar* src = plane + Eigen::Index{iy} * s.inW + (kx - s.pad);
                        if (lo == 0 && hi == s.outW)
                        {
                            CopyRun(src, d, s.outW);
                            continue;
                        }
                        std::fill(d, d + lo, Scalar(0));
                        std::copy(src + lo, src + hi, d + lo);
                        std::fill(d + hi, d + s.outW, Scalar(0));
                    }
                }
            }
        }
    }
}

template <typename Scalar>
void
Col2Im(const ConvGeometry& s, const Scalar* dCols, Eigen::Index n, Scalar* dIn)
{
    const int kernel = s.k;
    const Eigen::Index rows = n * s.outH * s.outW;
    const Eigen::Index planeSize = Eigen::Index{s.inH} * s.inW;
    std::fill(dIn, dIn + planeSize * n * s.inC, Scalar(0));
    for (int ch = 0; ch < s.inC; ++ch)
    {
        for (int ky = 0; ky < kernel; ++ky)
        {
            for (int kx = 0; kx < kernel; ++kx)
            {
                const Scalar* src = dCols + ((Eigen::Index{ch} * kernel + ky) * kernel + kx) * rows;
                int lo;
                int hi;
                ValidRange(s.outW, s.inW, s.pad, kx, lo, hi);
                for (Eigen::Index j = 0; j < n; ++j)
                {
                    Scalar* plane = dIn + (ch * n + j) * planeSize;
                    for (int oy = 0; oy < s.outH; ++oy)
                    {
                        const int iy = oy + ky - s.pad;
                        if (iy < 0 || iy >= s.inH)
                        {
                            continue;
                        }
                        const Scalar* d = src + (j * s.outH + oy) * s.outW;
                        Scalar* row = plane + Eigen::Index{iy} * s.inW + (kx - s.pad);
                        for (int ox = lo; ox < hi; ++ox)
                        {
                            row[ox] += d[ox];
                        }
                    }
                }
            }
        }
    }
}

template <typename Scalar>
void
PadPlanes(const Scalar* src,
          Eigen::Index sampleStride,
          Eigen::Index channelStride,
          Eigen::Index n,
          int channels,
          int h,
          int w,
          Scalar* dst,
          Eigen::Index planeStride,
          int wp,
          int top,
          int left)
{
    std::fill(dst, dst + planeStride * n * channels, Scalar(0));
    for (Eigen::Index j = 0; j < n; ++j)
    {
        for (int c = 0; c < channels; ++c)
        {
            const Scalar* from = src + j * sampleStride + c * channelStride;
            Scalar* to = dst + (j * channels + c) * planeStride + Eigen::Index{top} * wp + left;
            for (int y = 0; y < h; ++y)
            {
                CopyRun(from + Eigen::Index{y} * w, to + Eigen::Index{y} * wp, w);
            }
        }
    }
}

template <typename Scalar>
void
FlipKernel(const Scalar* w, int outC, int inC, int k, Scalar* flipped)
{
    for (int o = 0; o < outC; ++o)
    {
        for (int c = 0; c < inC; ++c)
        {
            for (int ky = 0; ky < k; ++ky)
            {
                for (int kx = 0; kx < k; ++kx)
                {
                    const Eigen::Index from = ((Eigen::Index{c} * k + k - 1 - ky) * k + k - 1 - kx);
                    const Eigen::Index to = ((Eigen::Index{o} * k + ky) * k + kx);
                    flipped[to * inC + c] = w[from * outC + o];
                }
            }
        }
    }
}

#define WFL_CONV_COLUMNS_INSTANTIATE(Scalar)                                                       \
    template void Im2Col<Scalar>(const ConvGeometry&, const Scalar*, Eigen::Index, Eigen::Index,   \
                                 Eigen::Index, Scalar*);                                           \
    template void Col2Im<Scalar>(const ConvGeometry&, const Scalar*, Eigen::Index, Scalar*);       \
    template void PadPlanes<Scalar>(const Scalar*, Eigen::Index, Eigen::Index, Eigen::Index, int,  \
                                    int, int, Scalar*, Eigen::Index, int, int, int);               \
    template void FlipKernel<Scalar>(const Scalar*, int, int, int, Scalar*);
WFL_CONV_COLUMNS_INSTANTIATE(float)
WFL_CONV_COLUMNS_INSTANTIATE(double)
#undef WFL_CONV_COLUMNS_INSTANTIATE

} // namespace wfl
