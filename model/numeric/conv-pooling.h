/*
 * 2x2 max-pooling with stride 2 fused with ReLU, forward and backward, for
 * the ConvolutionalNetwork's maps.
 *
 * Layout: `planes` consecutive planes of outH x outW pre-activations (row
 * major), pooled into planes of (outH / 2) x (outW / 2) in the same order (an
 * odd last row or column is dropped). ReLU after the max equals the max of
 * the ReLUs (both are monotone), so the pool picks from pre-activations.
 *
 * Both passes are branch-free (selects and bit masks): which element of a
 * window wins is data-dependent, and a mispredicted branch per comparison
 * cost about 40 % of the CNN's training throughput. For float, rows of at
 * least 8 windows run 8 windows per vector operation (GCC/Clang vector
 * extensions): the same comparisons and selects lane by lane, so the results
 * are bit-identical to the scalar loop.
 */
#ifndef WFL_CONV_POOLING_H
#define WFL_CONV_POOLING_H

#include <Eigen/Core>

namespace wfl
{

/**
 * pooled[p] = max(0, max of window p of conv), argmax[p] = position of the
 * window's first maximum in the window: 0 top left, 1 top right, 2 bottom
 * left, 3 bottom right (the first in this order wins ties).
 */
template <typename Scalar>
void MaxPoolReluForward(const Scalar* conv,
                        Eigen::Index planes,
                        int outH,
                        int outW,
                        Scalar* pooled,
                        int* argmax);

/**
 * dConv = the adjoint of MaxPoolReluForward: dPooled[p] goes to conv element
 * argmax[p] when pooled[p] > 0, every other element gets 0 (also the dropped
 * odd row or column). Overwrites all planes * outH * outW values of dConv.
 */
template <typename Scalar>
void MaxPoolReluBackward(const Scalar* pooled,
                         const Scalar* dPooled,
                         const int* argmax,
                         Eigen::Index planes,
                         int outH,
                         int outW,
                         Scalar* dConv);

} // namespace wfl

#endif
