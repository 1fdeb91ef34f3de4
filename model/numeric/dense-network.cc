#include "dense-network.h"

#include "convolutional-network.h"
#include "input-error.h"
#include "narrow-layer.h"
#include "random.h"

#include <cmath>
#include <stdexcept>
#include <type_traits>

namespace wfl
{

/// Float layers with at most this many outputs use the narrow-layer kernels
/// (the register block holds 10 rows; wider layers take several passes).
constexpr int kNarrow = 20;

namespace
{

// The narrow-layer kernels are float only; UsesNarrowKernel() is false for
// double (gradient checks), so these never run empty there.
template <typename Scalar>
void
NarrowForward(const Scalar* w, const Scalar* bias, int rows, int in, const Scalar* x, int batch, Scalar* y)
{
    if constexpr (std::is_same_v<Scalar, float>)
    {
        NarrowLayerForward(w, bias, rows, in, x, batch, y);
    }
}

template <typename Scalar>
void
NarrowGradient(const Scalar* delta, int rows, int in, const Scalar* x, int batch, Scalar* dw, Scalar* db)
{
    if constexpr (std::is_same_v<Scalar, float>)
    {
        NarrowLayerGradient(delta, rows, in, x, batch, dw, db);
    }
}

} // namespace

template <typename Scalar>
DenseNetwork<Scalar>::DenseNetwork(std::vector<int> widths)
    : m_widths(std::move(widths))
{
    for (size_t l = 0; l < NumLayers(); ++l)
    {
        m_offsets.push_back(m_numParams);
        m_numParams += Eigen::Index{m_widths[l + 1]} * (m_widths[l] + 1);
    }
    m_hidden.resize(NumLayers() - 1);
}

template <typename Scalar>
Eigen::Index
DenseNetwork<Scalar>::NumParams() const
{
    return m_numParams;
}

template <typename Scalar>
std::string
DenseNetwork<Scalar>::Describe() const
{
    std::string text = NumLayers() == 1 ? "softmax " : "mlp ";
    for (size_t l = 0; l < m_widths.size(); ++l)
    {
        text += (l ? "-" : "") + std::to_string(m_widths[l]);
    }
    return text;
}

template <typename Scalar>
typename DenseNetwork<Scalar>::ConstMatrixMap
DenseNetwork<Scalar>::Weights(const Vector& params, size_t layer) const
{
    return ConstMatrixMap(params.data() + m_offsets[layer], m_widths[layer + 1], m_widths[layer]);
}

template <typename Scalar>
typename DenseNetwork<Scalar>::ConstVectorMap
DenseNetwork<Scalar>::Bias(const Vector& params, size_t layer) const
{
    return ConstVectorMap(params.data() + m_offsets[layer] +
                              Eigen::Index{m_widths[layer + 1]} * m_widths[layer],
                          m_widths[layer + 1]);
}

template <typename Scalar>
void
DenseNetwork<Scalar>::Initialize(Vector& params, Rng& rng) const
{
    params.setZero(m_numParams);
    for (size_t l = 0; l < NumLayers(); ++l)
    {
        const bool relu = l + 1 < NumLayers();
        // He-uniform before a ReLU, Glorot-uniform before the softmax.
        const double fanIn = m_widths[l];
        const double fanOut = m_widths[l + 1];
        const double limit = relu ? std::sqrt(6.0 / fanIn) : std::sqrt(6.0 / (fanIn + fanOut));
        const Eigen::Index count = Eigen::Index{m_widths[l + 1]} * m_widths[l];
        for (Eigen::Index i = 0; i < count; ++i)
        {
            params(m_offsets[l] + i) = static_cast<Scalar>(rng.Uniform(-limit, limit));
        }
    }
}

template <typename Scalar>
bool
DenseNetwork<Scalar>::UsesNarrowKernel(size_t layer) const
{
    return std::is_same_v<Scalar, float> && m_widths[layer + 1] <= kNarrow;
}

template <typename Scalar>
void
DenseNetwork<Scalar>::ForwardKeep(const Vector& params, const Matrix& x)
{
    const Matrix* input = &x;
    for (size_t l = 0; l < NumLayers(); ++l)
    {
        Matrix& out = (l + 1 < NumLayers()) ? m_hidden[l] : m_logits;
        out.resize(m_widths[l + 1], input->cols());
        if (UsesNarrowKernel(l))
        {
            NarrowForward(Weights(params, l).data(), Bias(params, l).data(), m_widths[l + 1],
                          m_widths[l], input->data(), static_cast<int>(input->cols()), out.data());
        }
        else
        {
            out.noalias() = Weights(params, l) * (*input);
            out.colwise() += Bias(params, l);
        }
        if (l + 1 < NumLayers())
        {
            out = out.cwiseMax(Scalar(0));
        }
        input = &out;
    }
}

template <typename Scalar>
void
DenseNetwork<Scalar>::Forward(const Vector& params, const Matrix& x, Matrix& logits)
{
    ForwardKeep(params, x);
    logits = m_logits;
}

template <typename Scalar>
Scalar
DenseNetwork<Scalar>::LossAndGradient(const Vector& params,
                                      const Matrix& x,
                                      const std::vector<int>& labels,
                                      Vector& grad)
{
    ForwardKeep(params, x);
    const Scalar loss = SoftmaxCrossEntropyInPlace<Scalar>(m_logits, labels);
    grad.resize(m_numParams);
    m_delta.swap(m_logits); // dLoss/dlogits
    for (size_t l = NumLayers(); l-- > 0;)
    {
        const Matrix& input = l == 0 ? x : m_hidden[l - 1];
        Eigen::Map<RowMajorMatrix> dW(grad.data() + m_offsets[l], m_widths[l + 1], m_widths[l]);
        Eigen::Map<Vector> db(grad.data() + m_offsets[l] + dW.size(), m_widths[l + 1]);
        if (m_recordFactors)
        {
            LayerFactors& f = m_factors[l];
            f.tensor = 2 * l;
            f.input = input.transpose().template cast<float>();
            f.error = m_delta.transpose().template cast<float>();
        }
        if (UsesNarrowKernel(l))
        {
            NarrowGradient(m_delta.data(), m_widths[l + 1], m_widths[l], input.data(),
                           static_cast<int>(input.cols()), dW.data(), db.data());
        }
        else
        {
            dW.noalias() = m_delta * input.transpose();
            db = m_delta.rowwise().sum();
        }
        if (l > 0)
        {
            m_deltaPrev.noalias() = Weights(params, l).transpose() * m_delta;
            // ReLU derivative: pass where the activation was positive.
            m_deltaPrev.array() *= (input.array() > Scalar(0)).template cast<Scalar>();
            m_delta.swap(m_deltaPrev);
        }
    }
    m_logits.swap(m_delta);
    return loss;
}

template <typename Scalar>
std::unique_ptr<Model<Scalar>>
DenseNetwork<Scalar>::Clone() const
{
    return std::make_unique<DenseNetwork<Scalar>>(m_widths);
}

template <typename Scalar>
ParameterLayout
DenseNetwork<Scalar>::Layout() const
{
    ParameterLayout layout;
    for (size_t l = 0; l < NumLayers(); ++l)
    {
        const size_t in = static_cast<size_t>(m_widths[l]);
        const size_t out = static_cast<size_t>(m_widths[l + 1]);
        const size_t offset = static_cast<size_t>(m_offsets[l]);
        layout.push_back({"dense" + std::to_string(l) + ".weight", {out, in}, offset});
        layout.push_back({"dense" + std::to_string(l) + ".bias", {out}, offset + out * in});
    }
    return layout;
}

template <typename Scalar>
bool
DenseNetwork<Scalar>::RecordFactors(bool on)
{
    m_recordFactors = on;
    m_factors.assign(on ? NumLayers() : 0, LayerFactors{});
    return true;
}

template <typename Scalar>
std::unique_ptr<Model<Scalar>>
MakeModel(const ModelSpec& spec, int inputDim, int classes)
{
    if (spec.kind == "cnn")
    {
        // Square single-channel images, e.g. Fashion-MNIST's 28x28.
        const int side = static_cast<int>(std::lround(std::sqrt(static_cast<double>(inputDim))));
        if (inputDim < 1 || side * side != inputDim)
        {
            throw InputError("learner.model: cnn needs square single-channel images (input "
                             "dimension " +
                             std::to_string(inputDim) + " is not a square)");
        }
        ConvSpec conv;
        conv.height = side;
        conv.width = side;
        conv.channels = 1;
        conv.convChannels = spec.conv;
        conv.hidden = spec.hidden;
        conv.classes = classes;
        try
        {
            return std::make_unique<ConvolutionalNetwork<Scalar>>(conv);
        }
        catch (const std::invalid_argument& e)
        {
            throw InputError(std::string("learner.model: ") + e.what());
        }
    }
    std::vector<int> widths{inputDim};
    if (spec.kind == "mlp")
    {
        if (spec.hidden.empty())
        {
            throw InputError("learner.hidden: an mlp needs at least one hidden layer width");
        }
        widths.insert(widths.end(), spec.hidden.begin(), spec.hidden.end());
    }
    else if (spec.kind != "softmax")
    {
        throw InputError("learner.model: unknown model '" + spec.kind +
                         "' (accepted: softmax, mlp, cnn)");
    }
    widths.push_back(classes);
    return std::make_unique<DenseNetwork<Scalar>>(widths);
}

template class DenseNetwork<float>;
template class DenseNetwork<double>;
template std::unique_ptr<Model<float>> MakeModel<float>(const ModelSpec&, int, int);
template std::unique_ptr<Model<double>> MakeModel<double>(const ModelSpec&, int, int);

} // namespace wfl
