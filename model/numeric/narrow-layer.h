/*
 * Register-blocked float kernels for a fully connected layer with few
 * outputs (softmax regression's 10 classes, an MLP's output layer).
 *
 * A general GEMM is a poor fit here: with 10 output rows its packing and
 * edge handling cost more than the arithmetic, and small batches (FLUTE's 10
 * samples) make that worse. These kernels keep a block of output rows times
 * a few samples (or input columns) in registers and stream the inputs once.
 *
 * Layouts: W is [rows x in] row-major (each output unit's weights are
 * contiguous), x is [in x batch] column-major (each sample contiguous),
 * y and delta are [rows x batch] column-major.
 */
#ifndef WFL_NARROW_LAYER_H
#define WFL_NARROW_LAYER_H

namespace wfl
{

/// y[r, b] = sum_j W[r, j] x[j, b] + bias[r].
void NarrowLayerForward(const float* w,
                        const float* bias,
                        int rows,
                        int in,
                        const float* x,
                        int batch,
                        float* y);

/// dW[r, j] = sum_b delta[r, b] x[j, b] and db[r] = sum_b delta[r, b], overwriting dW and db.
void NarrowLayerGradient(const float* delta,
                         int rows,
                         int in,
                         const float* x,
                         int batch,
                         float* dw,
                         float* db);

} // namespace wfl

#endif
