/*
 * Layout transforms around the ConvolutionalNetwork's products: im2col and
 * its adjoint (for stages run as GEMM), zero-padded copies of planes and the
 * flipped kernel (for stages run by the direct kernels of conv-kernels.h).
 *
 * Maps are sets of planes (row-major H x W); where a plane of (sample j,
 * channel c) starts is given by a sample stride and a channel stride, so the
 * same code reads the sample-major network input (CHW per sample) and the
 * channel-major maps between stages.
 */
#ifndef WFL_CONV_COLUMNS_H
#define WFL_CONV_COLUMNS_H

#include <Eigen/Core>

namespace wfl
{

/// Geometry of one k x k convolution with stride 1 and zero padding `pad`.
struct ConvGeometry
{
    int inC, inH, inW; ///< input map
    int outH, outW;    ///< output map: inH + 2 pad - k + 1, inW + 2 pad - k + 1
    int pad;
    int k;
};

/**
 * cols [n*outH*outW x inC*k*k], column-major: column (c*k+ky)*k+kx, row
 * (j*outH+oy)*outW+ox holds input(j, c, oy + ky - pad, ox + kx - pad), 0
 * outside the input. Plane (j, c) starts at in + j * sampleStride + c * channelStride.
 */
template <typename Scalar>
void Im2Col(const ConvGeometry& g,
            const Scalar* in,
            Eigen::Index sampleStride,
            Eigen::Index channelStride,
            Eigen::Index n,
            Scalar* cols);

/// Overwrites dIn (planes in (channel, sample) order, [n*inH*inW x inC]) with
/// the adjoint of Im2Col applied to dCols.
template <typename Scalar>
void Col2Im(const ConvGeometry& g, const Scalar* dCols, Eigen::Index n, Scalar* dIn);

/**
 * Zero-padded copies of n * C planes of h x w: plane (j, c) of the source
 * (at src + j * sampleStride + c * channelStride) lands in destination plane
 * j * C + c (each planeStride long, rows wp apart) at row `top`, column
 * `left`; every other destination value is 0.
 */
template <typename Scalar>
void PadPlanes(const Scalar* src,
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
               int left);

/**
 * flipped = the kernel of the input gradient as a convolution: column-major
 * [inC x outC*k*k] with flipped(c, (o*k+ky)*k+kx) = W(o, (c*k+k-1-ky)*k+k-1-kx),
 * for W column-major [outC x inC*k*k] (the network's parameter layout).
 */
template <typename Scalar>
void FlipKernel(const Scalar* w, int outC, int inC, int k, Scalar* flipped);

} // namespace wfl

#endif
