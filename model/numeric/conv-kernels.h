/*
 * Direct convolution kernels for a first convolution stage with few input
 * channels (LeNet: 1), where im2col + GEMM is a poor fit: the GEMM has only
 * Cout (6) columns and Cin*k*k (25) depth, and im2col writes k*k (25) copies
 * of every pixel. Measured on LeNet/28x28 before this change: im2col and the
 * two thin products of stage 1 took about a third of a training step.
 *
 * Both kernels read a zero-padded copy of the input ("padded planes"): plane
 * (sample j, channel c) at in + (j * Cin + c) * planeStride, row r at r * wp,
 * holding input pixel (iy, ix) at row iy + pad, column ix + pad and zeros
 * around it, with wp >= RoundUp(outW, 16) + k - 1 so a kernel may read whole
 * 16-lane vectors past the right edge of the output. Output rows are
 * computed 16 columns at a time in registers, so each input vector load
 * serves every output channel of a group and each weight load 16 columns.
 *
 * Summation order is fixed by the loop nest (taps in (channel, ky, kx) order
 * per output; for the weight gradient, samples and rows in order within each
 * of 16 lanes, then the lanes from 0 to 15), never by threads: results are
 * bit-identical for any thread count.
 */
#ifndef WFL_CONV_KERNELS_H
#define WFL_CONV_KERNELS_H

#include <Eigen/Core>

namespace wfl
{

/// Geometry of a direct convolution over padded planes.
struct DirectConvShape
{
    int inC;                 ///< input channels
    int outC;                ///< output channels
    int k;                   ///< kernel size (k x k)
    int outH, outW;          ///< output map
    int wp;                  ///< padded row stride (see above)
    Eigen::Index planeStride; ///< floats per padded plane (>= (outH + k - 1) * wp)
    /// Rows [rowLo, rowHi) of a padded plane may hold nonzeros; the forward
    /// kernel skips the taps that read only rows outside. With finite
    /// weights their products are exact zeros, and adding a zero changes no
    /// sum except -0 + +0 = +0, so results are unchanged unless a bias is -0.
    /// LeNet's first stage: 2 of 70 tap rows per 28 output rows skipped;
    /// the input gradient of its second stage: 11 of 70.
    int rowLo = 0;
    int rowHi = 1 << 30;
};

/// Row stride of padded planes for an output width: RoundUp(outW, 16) + k - 1.
int DirectConvRowStride(int outW, int k);

/// True if the direct kernels handle this kernel size (else use im2col).
bool DirectConvSupports(int k, int outW);

/**
 * conv[(o * n + j) * outH * outW + oy * outW + ox] = bias[o] +
 *   sum_{c,ky,kx} W(o, (c*k+ky)*k+kx) * padded(j, c, oy + ky, ox + kx),
 * with W column-major [outC x inC*k*k] (the network's parameter layout).
 */
template <typename Scalar>
void DirectConvForward(const DirectConvShape& s,
                       const Scalar* padded,
                       Eigen::Index n,
                       const Scalar* weights,
                       const Scalar* bias,
                       Scalar* conv);

/**
 * dW(o, (c*k+ky)*k+kx) += sum_{j,oy,ox} dConv(o, j, oy, ox) * padded(j, c, oy + ky, ox + kx),
 * dConv in the layout of DirectConvForward's output, dW column-major [outC x inC*k*k].
 */
template <typename Scalar>
void DirectConvWeightGradient(const DirectConvShape& s,
                              const Scalar* padded,
                              Eigen::Index n,
                              const Scalar* dConv,
                              Scalar* dW);

} // namespace wfl

#endif
