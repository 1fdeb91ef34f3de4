#include "convolutional-network.h"

#include "conv-columns.h"
#include "conv-pooling.h"
#include "random.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wfl
{

template <typename Scalar>
ConvolutionalNetwork<Scalar>::ConvolutionalNetwork(ConvSpec spec)
    : m_spec(std::move(spec))
{
    ConvPlan plan = PlanConvNetwork(m_spec);
    m_stages = std::move(plan.stages);
    m_dense = std::move(plan.dense);
    m_flatDim = plan.flatDim;
    m_numParams = plan.numParams;
    m_maxWidth = plan.maxWidth;
    m_directShapes = std::move(plan.directShapes);
    m_backShapes = std::move(plan.backShapes);
    const size_t stages = m_stages.size();
    m_padded.resize(stages);
    m_cols.resize(stages);
    m_conv.resize(stages);
    m_pooled.resize(stages);
    m_argmax.resize(stages);
    m_dPooled.resize(stages);
    m_hidden.resize(m_dense.size() - 1);
}

template <typename Scalar>
Eigen::Index
ConvolutionalNetwork<Scalar>::NumParams() const
{
    return m_numParams;
}

template <typename Scalar>
std::string
ConvolutionalNetwork<Scalar>::Describe() const
{
    std::string text = "cnn " + std::to_string(m_spec.height) + "x" + std::to_string(m_spec.width) +
                       "x" + std::to_string(m_spec.channels) + " ";
    for (size_t i = 0; i < m_stages.size(); ++i)
    {
        text += (i ? "-c" : "c") + std::to_string(m_stages[i].outC);
    }
    text += " k" + std::to_string(m_spec.kernel) + " fc";
    for (size_t l = 0; l < m_dense.size(); ++l)
    {
        text += (l ? "-" : "") + std::to_string(m_dense[l].out);
    }
    return text;
}

template <typename Scalar>
void
ConvolutionalNetwork<Scalar>::Initialize(Vector& params, Rng& rng) const
{
    params.setZero(m_numParams);
    auto fill = [&](Eigen::Index offset, Eigen::Index count, double limit) {
        for (Eigen::Index i = 0; i < count; ++i)
        {
            params(offset + i) = static_cast<Scalar>(rng.Uniform(-limit, limit));
        }
    };
    // He-uniform before a ReLU, Glorot-uniform before the softmax; zero biases.
    for (const Stage& s : m_stages)
    {
        fill(s.offset, s.outC * s.k2c, std::sqrt(6.0 / static_cast<double>(s.k2c)));
    }
    for (size_t l = 0; l < m_dense.size(); ++l)
    {
        const Dense& d = m_dense[l];
        const bool relu = l + 1 < m_dense.size();
        const double limit = relu ? std::sqrt(6.0 / d.in) : std::sqrt(6.0 / (d.in + d.out));
        fill(d.offset, Eigen::Index{d.out} * d.in, limit);
    }
}

template <typename Scalar>
void
ConvolutionalNetwork<Scalar>::ForwardChunk(const Vector& params, const Scalar* x, Eigen::Index n)
{
    const Scalar* in = x;
    // The input is sample-major (CHW per column); later maps are channel-major.
    Eigen::Index sampleStride = Eigen::Index{m_spec.channels} * m_spec.height * m_spec.width;
    Eigen::Index channelStride = Eigen::Index{m_spec.height} * m_spec.width;
    for (size_t i = 0; i < m_stages.size(); ++i)
    {
        const Stage& s = m_stages[i];
        const Eigen::Index outPlane = Eigen::Index{s.outH} * s.outW;
        const Eigen::Index poolPlane = Eigen::Index{s.poolH} * s.poolW;
        const Eigen::Index rows = n * outPlane;
        const ConstMatrixMap weights(params.data() + s.offset, s.outC, s.k2c);
        const ConstVectorMap bias(params.data() + s.offset + s.outC * s.k2c, s.outC);
        MatrixMap conv = m_conv[i].View(rows, s.outC);
        if (m_directShapes[i].inC > 0)
        {
            const DirectConvShape& d = m_directShapes[i];
            Scalar* padded = m_padded[i].View(d.planeStride, n * d.inC).data();
            PadPlanes(in, sampleStride, channelStride, n, s.inC, s.inH, s.inW, padded,
                      d.planeStride, d.wp, s.pad, s.pad);
            DirectConvForward(d, padded, n, weights.data(), bias.data(), conv.data());
        }
        else
        {
            MatrixMap cols = m_cols[i].View(rows, s.k2c);
            Im2Col(Geometry(s), in, sampleStride, channelStride, n, cols.data());
            conv.noalias() = cols * weights.transpose();
            conv.rowwise() += bias.transpose();
        }

        // Planes are ordered (channel, sample) in both maps.
        MatrixMap pooled = m_pooled[i].View(n * poolPlane, s.outC);
        std::vector<int>& argmax = m_argmax[i];
        if (argmax.size() < static_cast<size_t>(pooled.size()))
        {
            argmax.resize(static_cast<size_t>(pooled.size()));
        }
        MaxPoolReluForward(conv.data(), n * s.outC, s.outH, s.outW, pooled.data(), argmax.data());
        in = pooled.data();
        sampleStride = poolPlane;
        channelStride = n * poolPlane;
    }

    // Flatten the last map to [C*H*W x n], CHW order within a sample.
    const Stage& last = m_stages.back();
    const Eigen::Index poolPlane = Eigen::Index{last.poolH} * last.poolW;
    MatrixMap flat = m_flat.View(m_flatDim, n);
    for (Eigen::Index j = 0; j < n; ++j)
    {
        for (int ch = 0; ch < last.outC; ++ch)
        {
            const Scalar* src = in + (ch * n + j) * poolPlane;
            std::copy(src, src + poolPlane, flat.data() + j * m_flatDim + ch * poolPlane);
        }
    }

    DenseForward(params, flat.data(), n);
}

template <typename Scalar>
void
ConvolutionalNetwork<Scalar>::DirectInputGradient(size_t i,
                                                  const Vector& params,
                                                  const Scalar* dConv,
                                                  Eigen::Index n)
{
    // dIn(c, iy, ix) = sum_{o,ky,kx} W(o, c, ky, kx) dConv(o, iy - ky, ix - kx)
    //               = sum_{o,ky,kx} Wf(c, o, ky, kx) dPad(o, iy + ky, ix + kx),
    // Wf(c, o, ky, kx) = W(o, c, k-1-ky, k-1-kx), dPad = dConv shifted by k-1 in
    // both directions with zeros around: a 'valid' convolution of dPad.
    const Stage& s = m_stages[i];
    const DirectConvShape& b = m_backShapes[i];
    const int k = m_spec.kernel;
    Scalar* flipped = m_flipped.View(b.outC, Eigen::Index{b.inC} * k * k).data();
    FlipKernel(params.data() + s.offset, s.outC, s.inC, k, flipped);
    // Padded planes in (sample, channel) order, as DirectConvForward reads them.
    const Eigen::Index outPlane = Eigen::Index{s.outH} * s.outW;
    Scalar* padded = m_dPadded.View(b.planeStride, n * b.inC).data();
    PadPlanes(dConv, outPlane, n * outPlane, n, s.outC, s.outH, s.outW, padded, b.planeStride,
              b.wp, k - 1, k - 1);
    const Scalar* zeros = m_zeroBias.View(b.outC, 1).setZero().data();
    const Stage& prev = m_stages[i - 1];
    MatrixMap dIn = m_dPooled[i - 1].View(n * prev.poolH * prev.poolW, prev.outC);
    DirectConvForward(b, padded, n, flipped, zeros, dIn.data());
}

template <typename Scalar>
void
ConvolutionalNetwork<Scalar>::BackwardChunk(const Vector& params, Eigen::Index n, Vector& grad)
{
    DenseBackward(params, n, grad);

    // Unflatten dLoss/dflat (in m_delta) into the last stage's pooled layout.
    {
        const Stage& last = m_stages.back();
        const Eigen::Index poolPlane = Eigen::Index{last.poolH} * last.poolW;
        MatrixMap dPooled = m_dPooled.back().View(n * poolPlane, last.outC);
        const Scalar* dFlat = m_delta.data.data();
        for (Eigen::Index j = 0; j < n; ++j)
        {
            for (int ch = 0; ch < last.outC; ++ch)
            {
                const Scalar* src = dFlat + j * m_flatDim + ch * poolPlane;
                std::copy(src, src + poolPlane, dPooled.data() + (ch * n + j) * poolPlane);
            }
        }
    }

    for (size_t i = m_stages.size(); i-- > 0;)
    {
        const Stage& s = m_stages[i];
        const Eigen::Index rows = n * s.outH * s.outW;
        // Max-pool and ReLU backward: route each pooled gradient to its argmax
        // when the pooled value was positive.
        MatrixMap dConv = m_dConv.View(rows, s.outC);
        MaxPoolReluBackward(m_pooled[i].data.data(), m_dPooled[i].data.data(), m_argmax[i].data(),
                            n * s.outC, s.outH, s.outW, dConv.data());

        Eigen::Map<Matrix> dW(grad.data() + s.offset, s.outC, s.k2c);
        Eigen::Map<Vector> db(grad.data() + s.offset + dW.size(), s.outC);
        if (m_directShapes[i].inC > 0)
        {
            DirectConvWeightGradient(m_directShapes[i], m_padded[i].data.data(), n, dConv.data(),
                                     dW.data());
        }
        else
        {
            const ConstMatrixMap cols(m_cols[i].data.data(), rows, s.k2c);
            dW.noalias() += dConv.transpose() * cols;
        }
        db += dConv.colwise().sum().transpose();
        if (i > 0 && m_backShapes[i].inC > 0)
        {
            DirectInputGradient(i, params, dConv.data(), n);
        }
        else if (i > 0)
        {
            const ConstMatrixMap weights(params.data() + s.offset, s.outC, s.k2c);
            MatrixMap dCols = m_dCols.View(rows, s.k2c);
            dCols.noalias() = dConv * weights;
            const Stage& prev = m_stages[i - 1];
            MatrixMap dIn = m_dPooled[i - 1].View(n * prev.poolH * prev.poolW, prev.outC);
            Col2Im(Geometry(s), dCols.data(), n, dIn.data());
        }
    }
}

template <typename Scalar>
void
ConvolutionalNetwork<Scalar>::Forward(const Vector& params, const Matrix& x, Matrix& logits)
{
    if (x.rows() != Eigen::Index{m_spec.height} * m_spec.width * m_spec.channels)
    {
        throw std::invalid_argument("cnn: input dimension does not match " + Describe());
    }
    const Eigen::Index batch = x.cols();
    logits.resize(m_spec.classes, batch);
    for (Eigen::Index start = 0; start < batch; start += m_spec.chunk)
    {
        const Eigen::Index n = std::min<Eigen::Index>(m_spec.chunk, batch - start);
        ForwardChunk(params, x.data() + start * x.rows(), n);
        logits.middleCols(start, n) = *m_out;
    }
}

template <typename Scalar>
Scalar
ConvolutionalNetwork<Scalar>::LossAndGradient(const Vector& params,
                                              const Matrix& x,
                                              const std::vector<int>& labels,
                                              Vector& grad)
{
    if (x.rows() != Eigen::Index{m_spec.height} * m_spec.width * m_spec.channels)
    {
        throw std::invalid_argument("cnn: input dimension does not match " + Describe());
    }
    const Eigen::Index batch = x.cols();
    grad.setZero(m_numParams);
    if (m_recordFactors)
    {
        for (size_t l = 0; l < m_dense.size(); ++l)
        {
            m_factors[l].error.resize(batch, m_dense[l].in);  // X
            m_factors[l].input.resize(batch, m_dense[l].out); // Delta
        }
    }
    double loss = 0.0;
    for (Eigen::Index start = 0; start < batch; start += m_spec.chunk)
    {
        const Eigen::Index n = std::min<Eigen::Index>(m_spec.chunk, batch - start);
        m_chunkStart = start;
        ForwardChunk(params, x.data() + start * x.rows(), n);
        // The chunk's mean loss and gradient, weighted by its share of the batch.
        if (n != batch)
        {
            m_chunkLabels.assign(labels.begin() + start, labels.begin() + start + n);
        }
        const Scalar chunkLoss =
            SoftmaxCrossEntropyInPlace<Scalar>(*m_out, n == batch ? labels : m_chunkLabels);
        const double weight = static_cast<double>(n) / static_cast<double>(batch);
        loss += weight * static_cast<double>(chunkLoss);
        if (n != batch)
        {
            *m_out *= static_cast<Scalar>(weight);
        }
        BackwardChunk(params, n, grad);
    }
    return static_cast<Scalar>(loss);
}

template <typename Scalar>
std::unique_ptr<Model<Scalar>>
ConvolutionalNetwork<Scalar>::Clone() const
{
    return std::make_unique<ConvolutionalNetwork<Scalar>>(m_spec);
}

template <typename Scalar>
ParameterLayout
ConvolutionalNetwork<Scalar>::Layout() const
{
    return ConvLayout(m_stages, m_dense);
}

template class ConvolutionalNetwork<float>;
template class ConvolutionalNetwork<double>;

} // namespace wfl
