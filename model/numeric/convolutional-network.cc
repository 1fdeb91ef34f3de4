#include "convolutional-network.h"

#include "random.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <limits>
#include <stdexcept>

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

/// x if keep, else +0, without a branch (bit mask): the max-pool routing
/// depends on the data, and compilers turn a ?: into a mispredicted jump.
template <typename Scalar>
inline Scalar
KeepIf(bool keep, Scalar x)
{
    using Bits = std::conditional_t<sizeof(Scalar) == 4, uint32_t, uint64_t>;
    Bits b;
    std::memcpy(&b, &x, sizeof(b));
    b &= Bits(0) - static_cast<Bits>(keep);
    std::memcpy(&x, &b, sizeof(b));
    return x;
}

/// (v, a) = (c, at) if c > v (the first maximum wins ties), without a branch.
template <typename Scalar>
inline void
PickIfGreater(Scalar c, int at, Scalar& v, int& a)
{
    const int take = -static_cast<int>(c > v);
    a ^= (a ^ at) & take;
    v = std::max(v, c); // max(v, c) returns c only if v < c
}

} // namespace

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
        // trained 31.1k samples/s against 29.8k direct (CPU time, batch 16).
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
ConvolutionalNetwork<Scalar>::Im2Col(const Stage& s,
                                     int kernel,
                                     const Scalar* in,
                                     Eigen::Index sampleStride,
                                     Eigen::Index channelStride,
                                     Eigen::Index n,
                                     Scalar* cols)
{
    const Eigen::Index rows = n * s.outH * s.outW;
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
ConvolutionalNetwork<Scalar>::Col2Im(const Stage& s,
                                     int kernel,
                                     const Scalar* dCols,
                                     Eigen::Index n,
                                     Scalar* dIn)
{
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
ConvolutionalNetwork<Scalar>::PadInput(size_t i,
                                       const Scalar* in,
                                       Eigen::Index sampleStride,
                                       Eigen::Index channelStride,
                                       Eigen::Index n)
{
    const DirectConvShape& d = m_directShapes[i];
    const Stage& s = m_stages[i];
    MatrixMap padded = m_padded[i].View(d.planeStride, n * d.inC);
    padded.setZero();
    for (Eigen::Index j = 0; j < n; ++j)
    {
        for (int c = 0; c < d.inC; ++c)
        {
            const Scalar* src = in + j * sampleStride + c * channelStride;
            Scalar* dst = padded.data() + (j * d.inC + c) * d.planeStride +
                          Eigen::Index{s.pad} * d.wp + s.pad;
            for (int iy = 0; iy < s.inH; ++iy)
            {
                for (int ix = 0; ix < s.inW; ++ix)
                {
                    dst[Eigen::Index{iy} * d.wp + ix] = src[Eigen::Index{iy} * s.inW + ix];
                }
            }
        }
    }
}

template <typename Scalar>
void
ConvolutionalNetwork<Scalar>::ForwardChunk(const Vector& params, const Scalar* x, Eigen::Index n)
{
    const int k = m_spec.kernel;
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
            PadInput(i, in, sampleStride, channelStride, n);
            DirectConvForward(m_directShapes[i], m_padded[i].data.data(), n, weights.data(),
                              bias.data(), conv.data());
        }
        else
        {
            MatrixMap cols = m_cols[i].View(rows, s.k2c);
            Im2Col(s, k, in, sampleStride, channelStride, n, cols.data());
            conv.noalias() = cols * weights.transpose();
            conv.rowwise() += bias.transpose();
        }

        // 2x2 max-pool of the pre-activations, then ReLU (the two commute);
        // argmax keeps the first maximum of each window.
        MatrixMap pooled = m_pooled[i].View(n * poolPlane, s.outC);
        std::vector<int>& argmax = m_argmax[i];
        if (argmax.size() < static_cast<size_t>(pooled.size()))
        {
            argmax.resize(static_cast<size_t>(pooled.size()));
        }
        const Scalar* convData = conv.data();
        Scalar* out = pooled.data();
        int* arg = argmax.data();
        for (Eigen::Index plane = 0; plane < n * s.outC; ++plane)
        {
            // Planes are ordered (channel, sample) in both maps. Selects, not
            // branches: which element wins is data-dependent and a mispredicted
            // branch per comparison cost more than the whole comparison.
            for (int py = 0; py < s.poolH; ++py)
            {
                const int top = static_cast<int>(plane * outPlane) + 2 * py * s.outW;
                const Scalar* r0 = convData + top;
                const Scalar* r1 = r0 + s.outW;
                for (int px = 0; px < s.poolW; ++px)
                {
                    const int at = top + 2 * px;
                    Scalar v = r0[2 * px];
                    int a = at;
                    PickIfGreater(r0[2 * px + 1], at + 1, v, a);
                    PickIfGreater(r1[2 * px], at + s.outW, v, a);
                    PickIfGreater(r1[2 * px + 1], at + s.outW + 1, v, a);
                    *out++ = std::max(v, Scalar(0));
                    *arg++ = a;
                }
            }
        }
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
    const Scalar* w = params.data() + s.offset;
    Scalar* flipped = m_flipped.View(b.outC, Eigen::Index{b.inC} * k * k).data();
    for (int o = 0; o < s.outC; ++o)
    {
        for (int c = 0; c < s.inC; ++c)
        {
            for (int ky = 0; ky < k; ++ky)
            {
                for (int kx = 0; kx < k; ++kx)
                {
                    const Eigen::Index from = ((Eigen::Index{c} * k + k - 1 - ky) * k + k - 1 - kx);
                    const Eigen::Index to = ((Eigen::Index{o} * k + ky) * k + kx);
                    flipped[to * b.outC + c] = w[from * s.outC + o];
                }
            }
        }
    }
    // Padded planes in (sample, channel) order, as DirectConvForward reads them.
    MatrixMap padded = m_dPadded.View(b.planeStride, n * b.inC);
    padded.setZero();
    const Eigen::Index outPlane = Eigen::Index{s.outH} * s.outW;
    for (Eigen::Index j = 0; j < n; ++j)
    {
        for (int o = 0; o < s.outC; ++o)
        {
            const Scalar* src = dConv + (o * n + j) * outPlane;
            Scalar* dst = padded.data() + (j * b.inC + o) * b.planeStride +
                          Eigen::Index{k - 1} * b.wp + (k - 1);
            for (int y = 0; y < s.outH; ++y)
            {
                for (int x = 0; x < s.outW; ++x)
                {
                    dst[Eigen::Index{y} * b.wp + x] = src[Eigen::Index{y} * s.outW + x];
                }
            }
        }
    }
    const Scalar* zeros = m_zeroBias.View(b.outC, 1).setZero().data();
    const Stage& prev = m_stages[i - 1];
    MatrixMap dIn = m_dPooled[i - 1].View(n * prev.poolH * prev.poolW, prev.outC);
    DirectConvForward(b, padded.data(), n, flipped, zeros, dIn.data());
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

    const int k = m_spec.kernel;
    for (size_t i = m_stages.size(); i-- > 0;)
    {
        const Stage& s = m_stages[i];
        const Eigen::Index rows = n * s.outH * s.outW;
        // Max-pool and ReLU backward: route each pooled gradient to its argmax
        // when the pooled value was positive.
        // Every 2x2 window is written whole (its argmax gets the gradient, the
        // other three zero), so only maps with an odd row or column left out
        // of the pooling need clearing first.
        MatrixMap dConv = m_dConv.View(rows, s.outC);
        if (s.outH % 2 != 0 || s.outW % 2 != 0)
        {
            dConv.setZero();
        }
        const Scalar* pooled = m_pooled[i].data.data();
        const Scalar* dPooled = m_dPooled[i].data.data();
        const int* arg = m_argmax[i].data();
        Scalar* dConvData = dConv.data();
        const Eigen::Index outPlane = Eigen::Index{s.outH} * s.outW;
        for (Eigen::Index plane = 0, o = 0; plane < n * s.outC; ++plane)
        {
            for (int py = 0; py < s.poolH; ++py)
            {
                const int top = static_cast<int>(plane * outPlane) + 2 * py * s.outW;
                Scalar* r0 = dConvData + top;
                Scalar* r1 = r0 + s.outW;
                for (int px = 0; px < s.poolW; ++px, ++o)
                {
                    const Scalar g = KeepIf(pooled[o] > Scalar(0), dPooled[o]);
                    const int d = arg[o] - (top + 2 * px);
                    r0[2 * px] = KeepIf(d == 0, g);
                    r0[2 * px + 1] = KeepIf(d == 1, g);
                    r1[2 * px] = KeepIf(d == s.outW, g);
                    r1[2 * px + 1] = KeepIf(d == s.outW + 1, g);
                }
            }
        }

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
            Col2Im(s, k, dCols.data(), n, dIn.data());
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
