#include "saved-network.h"

#include "input-error.h"

#include <string>

namespace wfl
{
namespace
{

const TensorLayout&
Tensor(const ParameterLayout& layout, const std::string& name)
{
    for (const TensorLayout& t : layout)
    {
        if (t.name == name)
        {
            return t;
        }
    }
    throw InputError("model: the layout has no tensor " + name);
}

void
RequireSize(const Model<float>& model, const Eigen::VectorXf& params)
{
    if (params.size() != model.NumParams())
    {
        throw InputError("model: " + std::to_string(params.size()) + " parameters, but " + model.Describe() +
                         " has " + std::to_string(model.NumParams()));
    }
}

/// Number of dense layers in a layout (tensors dense<l>.weight, l = 0, 1, ...).
size_t
DenseLayerCount(const ParameterLayout& layout)
{
    size_t count = 0;
    for (const TensorLayout& t : layout)
    {
        if (t.name.rfind("dense", 0) == 0 && t.name.size() > 7 &&
            t.name.compare(t.name.size() - 7, 7, ".weight") == 0)
        {
            ++count;
        }
    }
    return count;
}

} // namespace

DenseStack
DenseLayersOf(const NetworkSpec& spec, const Eigen::VectorXf& params)
{
    const std::unique_ptr<Model<float>> model = MakeModel<float>(spec.model, spec.inputDim, spec.classes);
    RequireSize(*model, params);
    const ParameterLayout layout = model->Layout();
    // Which orientation the kind stores (see the header); never guessed from shapes.
    const bool columnMajor = spec.model.kind == "cnn";
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using ColMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
    DenseStack net;
    const size_t layers = DenseLayerCount(layout);
    for (size_t l = 0; l < layers; ++l)
    {
        const TensorLayout& w = Tensor(layout, "dense" + std::to_string(l) + ".weight");
        const TensorLayout& b = Tensor(layout, "dense" + std::to_string(l) + ".bias");
        const Eigen::Index out = static_cast<Eigen::Index>(b.Size());
        if (w.shape.size() != 2 || w.Size() % b.Size() != 0 ||
            w.shape[columnMajor ? 1 : 0] != b.Size())
        {
            throw InputError("model: tensor " + w.name + " does not match its bias");
        }
        const Eigen::Index in = static_cast<Eigen::Index>(w.Size() / b.Size());
        const float* data = params.data() + w.offset;
        DenseLayer layer;
        if (columnMajor)
        {
            layer.weights = Eigen::Map<const ColMajor>(data, out, in).cast<double>();
        }
        else
        {
            layer.weights = Eigen::Map<const RowMajor>(data, out, in).cast<double>();
        }
        layer.bias = params.segment(static_cast<Eigen::Index>(b.offset), out).cast<double>();
        if (!net.empty() && net.back().weights.rows() != in)
        {
            throw InputError("model: tensor " + w.name + " does not follow the previous layer");
        }
        net.push_back(std::move(layer));
    }
    return net;
}

ConvFrontEnd::ConvFrontEnd(const NetworkSpec& spec, const Eigen::VectorXf& params)
{
    if (spec.model.kind != "cnn")
    {
        throw InputError("model: a conv front end needs a cnn, not " + spec.model.kind);
    }
    const std::unique_ptr<Model<double>> full = MakeModel<double>(spec.model, spec.inputDim, spec.classes);
    const auto* cnn = dynamic_cast<const ConvolutionalNetwork<double>*>(full.get());
    if (params.size() != full->NumParams() || cnn == nullptr)
    {
        throw InputError("model: " + std::to_string(params.size()) + " parameters, but " + full->Describe() +
                         " has " + std::to_string(full->NumParams()));
    }
    // Same conv stages; the dense part becomes one identity layer of FlatDim outputs.
    ConvSpec front = cnn->Spec();
    m_flatDim = cnn->FlatDim();
    front.hidden.clear();
    front.classes = static_cast<int>(m_flatDim);
    m_net = std::make_unique<ConvolutionalNetwork<double>>(front);
    const Eigen::Index convParams = static_cast<Eigen::Index>(Tensor(full->Layout(), "dense0.weight").offset);
    m_params = Eigen::VectorXd::Zero(m_net->NumParams());
    m_params.head(convParams) = params.head(convParams).cast<double>();
    const ParameterLayout layout = m_net->Layout(); // Tensor() returns a reference into it
    const TensorLayout& w = Tensor(layout, "dense0.weight");
    Eigen::Map<Eigen::MatrixXd>(m_params.data() + w.offset, m_flatDim, m_flatDim).setIdentity();
}

Eigen::MatrixXd
ConvFrontEnd::Features(const Eigen::MatrixXd& x)
{
    Eigen::MatrixXd features;
    m_net->Forward(m_params, x, features);
    return features;
}

DenseInput::DenseInput(const NetworkSpec& spec, const Eigen::VectorXf& params)
{
    if (spec.model.kind == "cnn")
    {
        m_conv = std::make_unique<ConvFrontEnd>(spec, params);
    }
}

Eigen::MatrixXd
DenseInput::operator()(const Eigen::MatrixXd& x)
{
    return m_conv ? m_conv->Features(x) : x;
}

} // namespace wfl
