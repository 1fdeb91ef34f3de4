/*
 * The fully connected part of ConvolutionalNetwork (convolutional-network.h):
 * the dense ReLU layers and the linear output layer, forward and backward over
 * one chunk, and the factors of their weight gradients (RecordFactors).
 */
#include "convolutional-network.h"

#include <utility>

namespace wfl
{

template <typename Scalar>
void
ConvolutionalNetwork<Scalar>::DenseForward(const Vector& params, const Scalar* flat, Eigen::Index n)
{
    const Scalar* input = flat;
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
ConvolutionalNetwork<Scalar>::DenseBackward(const Vector& params, Eigen::Index n, Vector& grad)
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

// The members defined here, for the two instantiations of
// convolutional-network.cc (which instantiates the rest of the class).
template void ConvolutionalNetwork<float>::DenseForward(const Vector&, const float*, Eigen::Index);
template void ConvolutionalNetwork<float>::DenseBackward(const Vector&, Eigen::Index, Vector&);
template void ConvolutionalNetwork<float>::KeepFactors(size_t,
                                                       const ConstMatrixMap&,
                                                       const ConstMatrixMap&,
                                                       Eigen::Index);
template bool ConvolutionalNetwork<float>::RecordFactors(bool);
template void ConvolutionalNetwork<double>::DenseForward(const Vector&, const double*, Eigen::Index);
template void ConvolutionalNetwork<double>::DenseBackward(const Vector&, Eigen::Index, Vector&);
template void ConvolutionalNetwork<double>::KeepFactors(size_t,
                                                        const ConstMatrixMap&,
                                                        const ConstMatrixMap&,
                                                        Eigen::Index);
template bool ConvolutionalNetwork<double>::RecordFactors(bool);

} // namespace wfl
