/*
 * Convolutional classifier (LeNet-5 style) over a flat parameter vector.
 *
 * Architecture: for each conv stage i, a k x k convolution with stride 1
 * ('same' zero padding k/2 in the first stage, 'valid' in later ones), bias,
 * ReLU and 2x2 max-pooling with stride 2 (floor: an odd last row or column is
 * dropped); then fully connected ReLU layers `hidden`, a linear layer to
 * `classes` and softmax cross-entropy. LeNet on 28x28x1:
 * 28x28x6 -> pool 14x14x6 -> conv 10x10x16 -> pool 5x5x16 = 400 -> 120 -> 84 -> 10.
 *
 * Input layout: one sample per column, dim = height * width * channels,
 * planar (CHW): pixel (row r, column c) of channel ch sits at row
 * ch * height * width + r * width + c. A single-channel row-major image such
 * as a Fashion-MNIST IDX image (pixel (r, c) at r * 28 + c) is already in this
 * layout.
 *
 * Parameter layout, layer by layer, each weight matrix column-major followed
 * by its bias:
 *  - conv stage i: W_i [Cout x Cin*k*k], where column (ch * k + ky) * k + kx
 *    holds tap (ky, kx) of input channel ch, i.e. output(o, y, x) =
 *    b(o) + sum W(o, (ch*k+ky)*k+kx) * input(ch, y + ky - pad, x + kx - pad);
 *    then b_i [Cout];
 *  - dense layer l: W_l [out x in], then b_l [out]. The first dense layer
 *    reads the last pooled map flattened in the same CHW order.
 *
 * Stages run as direct convolutions over zero-padded input planes
 * (conv-kernels.h) when the kernel size and width are supported, else as
 * im2col + GEMM over a whole chunk of samples (conv-columns.h); pooling and
 * ReLU are one pass (conv-pooling.h); batches
 * larger than ConvSpec::chunk are processed chunk by chunk (gradients are
 * accumulated) so scratch memory stays bounded. Scratch buffers only grow, so
 * steady-state calls do not allocate. One instance per thread.
 *
 * Files: the layer plan (shapes, offsets, layout) is conv-network-plan.h, the
 * dense layers conv-network-dense.cc, the conv stages and the batch loop
 * convolutional-network.cc.
 */
#ifndef WFL_CONVOLUTIONAL_NETWORK_H
#define WFL_CONVOLUTIONAL_NETWORK_H

#include "conv-columns.h"
#include "conv-kernels.h"
#include "conv-network-plan.h"
#include "model.h"

#include <vector>

namespace wfl
{

template <typename Scalar>
class ConvolutionalNetwork : public Model<Scalar>
{
  public:
    using typename Model<Scalar>::Vector;
    using typename Model<Scalar>::Matrix;

    /// @throws std::invalid_argument if a size is non-positive or an image
    /// becomes empty along the way.
    explicit ConvolutionalNetwork(ConvSpec spec);

    Eigen::Index NumParams() const override;
    std::string Describe() const override;
    void Initialize(Vector& params, Rng& rng) const override;
    void Forward(const Vector& params, const Matrix& x, Matrix& logits) override;
    Scalar LossAndGradient(const Vector& params,
                           const Matrix& x,
                           const std::vector<int>& labels,
                           Vector& grad) override;
    std::unique_ptr<Model<Scalar>> Clone() const override;
    /// "conv<i>.weight" {Cin*k*k, Cout} and "conv<i>.bias" {Cout} per stage,
    /// "dense<l>.weight" {in, out} and "dense<l>.bias" {out} per dense layer:
    /// the column-major [Cout x Cin*k*k] and [out x in] matrices read row-major.
    ParameterLayout Layout() const override;
    /**
     * Factors of each dense layer's weight gradient over the whole batch (all
     * chunks), in the orientation of its stored tensor: the layout reads the
     * column-major [out x in] W as row-major {in, out}, whose gradient slice
     * is X^T Delta (X [batch x in] the layer input, Delta [batch x out] the
     * error of the mean loss). So LayerFactors.error holds X and .input holds
     * Delta, and error^T input is the slice, as compressor.h asks.
     */
    bool RecordFactors(bool on) override;
    const std::vector<LayerFactors>& Factors() const override
    {
        return m_factors;
    }

    const ConvSpec& Spec() const
    {
        return m_spec;
    }

    /// Length of the flattened feature vector entering the dense layers.
    Eigen::Index FlatDim() const
    {
        return m_flatDim;
    }

  private:
    using MatrixMap = Eigen::Map<Matrix>;
    using ConstMatrixMap = Eigen::Map<const Matrix>;
    using ConstVectorMap = Eigen::Map<const Vector>;

    /// Geometry of one conv stage and of one dense layer (conv-network-plan.h).
    using Stage = ConvStage;
    using Dense = ConvDense;

    /// Grow-only storage viewed as a matrix of the requested shape.
    struct Buffer
    {
        /// Aligned like Eigen's own matrices, so vectorized reductions split
        /// the same way in every instance (bit-identical results).
        std::vector<Scalar, Eigen::aligned_allocator<Scalar>> data;
        MatrixMap View(Eigen::Index rows, Eigen::Index cols)
        {
            const size_t need = static_cast<size_t>(rows * cols);
            if (data.size() < need)
            {
                data.resize(need);
            }
            return MatrixMap(data.data(), rows, cols);
        }
    };

    /// Forward pass of samples [x, x + n columns), keeping what backward needs;
    /// logits land in *m_out.
    void ForwardChunk(const Vector& params, const Scalar* x, Eigen::Index n);
    /// Dense layers of the chunk (conv-network-dense.cc): from the flattened
    /// map [flatDim x n] at `flat` through the hidden layers to the logits in
    /// *m_out.
    void DenseForward(const Vector& params, const Scalar* flat, Eigen::Index n);
    /// dLoss/d(input of stage i > 0) into m_dPooled[i - 1], by direct convolution.
    void DirectInputGradient(size_t i, const Vector& params, const Scalar* dConv, Eigen::Index n);
    /// Backward pass of the chunk just forwarded, with dLoss/dlogits in
    /// *m_out; adds the chunk's gradient into grad.
    void BackwardChunk(const Vector& params, Eigen::Index n, Vector& grad);
    /// Dense layers backward (conv-network-dense.cc): from dLoss/dlogits in
    /// *m_out, adds their gradient into grad and leaves dLoss/dflat [flatDim x n]
    /// in m_delta.
    void DenseBackward(const Vector& params, Eigen::Index n, Vector& grad);
    /// With RecordFactors: dense layer l's input [in x n] and error [out x n]
    /// of the chunk become rows [m_chunkStart, m_chunkStart + n) of its factors.
    void KeepFactors(size_t l, const ConstMatrixMap& input, const ConstMatrixMap& delta, Eigen::Index n);

    /// Stage s as the im2col geometry of conv-columns.h.
    ConvGeometry Geometry(const Stage& s) const
    {
        return ConvGeometry{s.inC, s.inH, s.inW, s.outH, s.outW, s.pad, m_spec.kernel};
    }

    ConvSpec m_spec;
    std::vector<Stage> m_stages;
    std::vector<Dense> m_dense;
    Eigen::Index m_flatDim = 0;
    Eigen::Index m_numParams = 0;
    Eigen::Index m_maxWidth = 0; ///< widest dense layer input or output

    // Per-stage scratch. Maps between stages use layout [n*H*W x C]
    // (column-major: one contiguous plane per channel, samples one after another).
    std::vector<Buffer> m_cols;      ///< im2col matrices [n*outH*outW x Cin*k*k]
    std::vector<Buffer> m_conv;      ///< pre-activations [n*outH*outW x Cout]
    std::vector<Buffer> m_pooled;    ///< ReLU(max-pool) [n*poolH*poolW x Cout]
    std::vector<std::vector<int>> m_argmax; ///< window position (0-3) of each pooled value
    std::vector<Buffer> m_dPooled;   ///< gradient w.r.t. m_pooled
    Buffer m_dConv;                  ///< gradient w.r.t. a stage's pre-activations
    Buffer m_dCols;                  ///< gradient w.r.t. a stage's im2col matrix
    // Dense part.
    Buffer m_flat;                   ///< flattened last pooled map [flatDim x n]
    std::vector<Buffer> m_hidden;    ///< post-ReLU hidden activations [width x n]
    Buffer m_delta;
    Buffer m_deltaPrev;
    // Logits of the current chunk, then dLoss/dlogits: full chunks and a
    // batch's shorter last chunk keep separate matrices so neither is resized
    // from call to call. m_out points to the one in use.
    Matrix m_fullLogits;
    Matrix m_tailLogits;
    Matrix* m_out = nullptr;
    std::vector<int> m_chunkLabels;
    // Stages run by the direct kernels (conv-kernels.h): per stage its shape
    // (inC == 0: im2col + GEMM instead) and its padded input planes.
    std::vector<DirectConvShape> m_directShapes;
    // RecordFactors: the dense layers' factors of the last LossAndGradient.
    bool m_recordFactors = false;
    std::vector<LayerFactors> m_factors;
    Eigen::Index m_chunkStart = 0; ///< first sample of the chunk in the batch
    std::vector<Buffer> m_padded;
    // Input gradients of later stages as direct 'full' convolutions of the
    // (k-1)-padded output gradient with the flipped kernel, instead of a GEMM
    // into an im2col-shaped matrix and col2im; per stage, inC == 0 if unused.
    std::vector<DirectConvShape> m_backShapes;
    Buffer m_flipped;   ///< flipped, transposed kernel of the current stage
    Buffer m_dPadded;   ///< padded output gradient of the current stage
    Buffer m_zeroBias;
};

} // namespace wfl

#endif
