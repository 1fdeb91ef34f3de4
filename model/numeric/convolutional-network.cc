#include "convolutional-network.h"

#include "conv-columns.h"
#include "conv-pooling.h"
#include "random.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace wfl
{

template <typename Scalar>
ConvolutionalNetwork<Scalar>::ConvolutionalNetwork(ConvSpec spec)
    : m_spec(std::move(spec))
{
    const int k = m_spec.kernel;
    if (m_spec.height < 1 || m_spec.width < 1 || m_spec.channels < 1 || k < 1 ||
        m_spec.classes < 1 || m_spec.chunk < 1)
    {
        throw std::invalid_argument("cnn: sizes must be positive");
    }
    if (m_spec.convChannels.empty())
    {
        throw std::invalid_argument("cnn: needs at least one convolution stage");
    }
    int c = m_spec.channels;
    int h = m_spec.height;
    int w = m_spec.width;
    for (size_t i = 0; i < m_spec.convChannels.size(); ++i)
    {
        Stage s{};
        s.inC = c;
        s.inH = h;
        s.inW = w;
        s.outC = m_spec.convChannels[i];
        s.pad = i == 0 ? k / 2 : 0;
        s.outH = h + 2 * s.pad - k + 1;
        s.outW = w + 2 * s.pad - k + 1;
        s.poolH = s.outH / 2;
        s.poolW = s.outW / 2;
        if (s.outC < 1)
        {
            throw std::invalid_argument("cnn: convolution channel counts must be positive");
        }
        if (s.poolH < 1 || s.poolW < 1)
        {
            throw std::invalid_argument(
                "cnn: a " + std::to_string(m_spec.height) + "x" + std::to_string(m_spec.width) +
                " image is too small for " + std::to_string(m_spec.convChannels.size()) +
                " stages of " + std::to_string(k) + "x" + std::to_string(k) +
                " convolution and 2x2 pooling");
        }
        if (Eigen::Index{m_spec.chunk} * s.outH * s.outW * s.outC > std::numeric_limits<int>::max())
        {
            throw std::invalid_argument("cnn: chunk too large for the pooling indices");
        }
        s.k2c = Eigen::Index{c} * k * k;
        s.offset = m_numParams;
        m_numParams += Eigen::Index{s.outC} * (s.k2c + 1);
        m_stages.push_back(s);
        c = s.outC;
        h = s.poolH;
        w = s.poolW;
    }
    m_flatDim = Eigen::Index{c} * h * w;
    std::vector<int> widths{static_cast<int>(m_flatDim)};
    for (int width : m_spec.hidden)
    {
        if (width < 1)
        {
            throw std::invalid_argument("cnn: hidden layer widths must be positive");
        }
        widths.push_back(width);
    }
    widths.push_back(m_spec.classes);
    for (size_t l = 0; l + 1 < widths.size(); ++l)
    {
        m_maxWidth = std::max<Eigen::Index>({m_maxWidth, widths[l], widths[l + 1]});
        m_dense.push_back(Dense{widths[l], widths[l + 1], m_numParams});
        m_numParams += Eigen::Index{widths[l + 1]} * (widths[l] + 1);
    }
    m_directShapes.resize(m_stages.size());
    m_padded.resize(m_stages.size());
    for (size_t i = 0; i < m_stages.size(); ++i)
    {
        const Stage& st = m_stages[i];
        // Direct only where the GEMM would be shallow (Cin*k*k < 32: LeNet's first
        // stage, depth 25); at LeNet's second stage (depth 150) im2col + GEMM
        // trained 31.1k samples/s against 29.8k direct (CPU time, batch 16),
        // and after the pooling and im2col work of issue 12 78.6k against
        // 69.0k (two threads, CPU time, load 15).
        if (st.inC * k * k < 32 && DirectConvSupports(k, st.outW))
        {
            DirectConvShape& d = m_directShapes[i];
            d.inC = st.inC;
            d.outC = st.outC;
            d.k = k;
            d.outH = st.outH;
            d.outW = st.outW;
            d.wp = DirectConvRowStride(st.outW, k);
            d.planeStride = Eigen::Index{st.outH + k - 1} * d.wp;
            d.rowLo = st.pad;
            d.rowHi = st.pad + st.inH;
        }
    }
    m_backShapes.resize(m_stages.size());
    for (size_t i = 1; i < m_stages.size(); ++i)
    {
        const Stage& st = m_stages[i];
        if (DirectConvSupports(k, st.inW))
        {
            DirectConvShape& b = m_backShapes[i];
            b.inC = st.outC;
            b.outC = st.inC;
            b.k = k;
            b.outH = st.inH;
            b.outW = st.inW;
            b.wp = DirectConvRowStride(st.inW, k);
            b.planeStride = Eigen::Index{st.inH + k - 1} * b.wp;
            b.rowLo = k - 1; // the output gradient sits k - 1 rows down
            b.rowHi = k - 1 + st.outH;
        }
    }
    const size_t stages = m_stages.size();
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

    const Scalar* input = flat.data();
    for (size_t l = 0; l < m_dense.size(); ++l)
    {
        const Dense& d = m_dense[l];
        const ConstMatrixMap weights(params.data() + d.offset, d.out, d.in);
        const ConstVectorMap bias(params.data() + d.offset + Eigen::Index{d.out} * d.in, d.out);
        const ConstMatrixMap inputMap(input, d.in, n);
        if (l + 1 < m_dense.size())
        {
            MatrixMap out = m_hidden[l].View(d.out, n);
            out.noalias() = weights * inputMap;
            out.colwise() += bias;
            out = out.cwiseMax(Scalar(0));
            input = out.data();
        }
        else
        {
            m_out = n == m_spec.chunk ? &m_fullLogits : &m_tailLogits;
            m_out->resize(d.out, n);
            m_out->noalias() = weights * inputMap;
            m_out->colwise() += bias;
        }
    }
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
    // Dense layers, from dLoss/dlogits down to dLoss/dflat. The two delta
    // buffers trade places layer by layer, so both are sized for any layer.
    m_delta.View(m_maxWidth, n);
    m_deltaPrev.View(m_maxWidth, n);
    MatrixMap delta = m_delta.View(m_out->rows(), n);
    delta = *m_out;
    for (size_t l = m_dense.size(); l-- > 0;)
    {
        const Dense& d = m_dense[l];
        const ConstMatrixMap input(l == 0 ? m_flat.data.data() : m_hidden[l - 1].data.data(), d.in,
                                   n);
        const ConstMatrixMap curDelta(m_delta.data.data(), d.out, n);
        Eigen::Map<Matrix> dW(grad.data() + d.offset, d.out, d.in);
        Eigen::Map<Vector> db(grad.data() + d.offset + dW.size(), d.out);
        dW.noalias() += curDelta * input.transpose();
        db += curDelta.rowwise().sum();
        if (m_recordFactors)
        {
            KeepFactors(l, input, curDelta, n);
        }
        const ConstMatrixMap weights(params.data() + d.offset, d.out, d.in);
        MatrixMap prev = m_deltaPrev.View(d.in, n);
        prev.noalias() = weights.transpose() * curDelta;
        if (l > 0)
        {
            // ReLU derivative: pass where the activation was positive.
            prev.array() *= (input.array() > Scalar(0)).template cast<Scalar>();
        }
        std::swap(m_delta.data, m_deltaPrev.data);
    }

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
void
ConvolutionalNetwork<Scalar>::KeepFactors(size_t l,
                                          const ConstMatrixMap& input,
                                          const ConstMatrixMap& delta,
                                          Eigen::Index n)
{
    // The chunk's delta already carries its weight n / batch (LossAndGradient),
    // so the rows of all chunks together give the batch's mean-loss gradient.
    m_factors[l].error.middleRows(m_chunkStart, n) = input.transpose().template cast<float>();
    m_factors[l].input.middleRows(m_chunkStart, n) = delta.transpose().template cast<float>();
}

template <typename Scalar>
bool
ConvolutionalNetwork<Scalar>::RecordFactors(bool on)
{
    m_recordFactors = on;
    m_factors.assign(on ? m_dense.size() : 0, LayerFactors{});
    for (size_t l = 0; l < m_factors.size(); ++l)
    {
        m_factors[l].tensor = 2 * (m_stages.size() + l); // conv weight + bias per stage, then dense
    }
    return true;
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
    ParameterLayout layout;
    for (size_t i = 0; i < m_stages.size(); ++i)
    {
        const Stage& s = m_stages[i];
        const size_t k2c = static_cast<size_t>(s.k2c);
        const size_t out = static_cast<size_t>(s.outC);
        const size_t offset = static_cast<size_t>(s.offset);
        layout.push_back({"conv" + std::to_string(i) + ".weight", {k2c, out}, offset});
        layout.push_back({"conv" + std::to_string(i) + ".bias", {out}, offset + out * k2c});
    }
    for (size_t l = 0; l < m_dense.size(); ++l)
    {
        const Dense& d = m_dense[l];
        const size_t in = static_cast<size_t>(d.in);
        const size_t out = static_cast<size_t>(d.out);
        const size_t offset = static_cast<size_t>(d.offset);
        layout.push_back({"dense" + std::to_string(l) + ".weight", {in, out}, offset});
        layout.push_back({"dense" + std::to_string(l) + ".bias", {out}, offset + out * in});
    }
    return layout;
}

template class ConvolutionalNetwork<float>;
template class ConvolutionalNetwork<double>;

} // namespace wfl
