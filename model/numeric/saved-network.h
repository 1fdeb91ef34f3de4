/*
 * A trained classifier (architecture + flat parameters) as the RePurpose
 * restructuring sees it: a stack of dense layers (repurpose-network.h), and
 * for the CNN the convolutional front end that produces the dense stack's
 * input (issue 11, item 1).
 *
 * Orientation of the dense weights in the flat parameter vector (the
 * models' Layout() gives each tensor's shape "as stored, row-major"):
 *  - mlp / softmax (dense-network.h): W [out x in] row-major, shape {out, in};
 *  - cnn (convolutional-network.h): W [out x in] column-major, i.e. shape
 *    {in, out} read row-major.
 * The conversion uses the model kind, not the shape, so a square layer
 * (in == out) cannot be silently transposed; the shapes are cross-checked.
 *
 * For the CNN, the conv stages (convolution, ReLU, 2x2 max-pool) run where
 * the input is (the source node in RePurpose's kSource placement); only the
 * fully connected layers are restructured.
 */
#ifndef WFL_SAVED_NETWORK_H
#define WFL_SAVED_NETWORK_H

#include "convolutional-network.h"
#include "model.h"
#include "repurpose-network.h"

#include <Eigen/Dense>

#include <memory>

namespace wfl
{

/// The architecture of a saved model: enough to rebuild it with MakeModel.
struct NetworkSpec
{
    ModelSpec model;
    int inputDim = 0;
    int classes = 0;
};

/// The dense (fully connected) layers of the model, in double.
/// @throws InputError (key model) if params does not fit the architecture.
DenseStack DenseLayersOf(const NetworkSpec& spec, const Eigen::VectorXf& params);

/**
 * The CNN's conv stages as a feature map: Features(x) is the flattened last
 * pooled map [FlatDim x samples], the input of the first dense layer.
 * Built as a ConvolutionalNetwork<double> with the same conv stages, no
 * hidden layers and an identity output layer of FlatDim classes, so it runs
 * exactly the learner's conv code (in double).
 */
class ConvFrontEnd
{
  public:
    /// @throws InputError (key model) if spec is not a cnn or params does not fit.
    ConvFrontEnd(const NetworkSpec& spec, const Eigen::VectorXf& params);

    Eigen::MatrixXd Features(const Eigen::MatrixXd& x);

    Eigen::Index FlatDim() const
    {
        return m_flatDim;
    }

  private:
    std::unique_ptr<ConvolutionalNetwork<double>> m_net;
    Eigen::VectorXd m_params;
    Eigen::Index m_flatDim = 0;
};

/**
 * What the dense stack of a saved model reads: x itself for an mlp or
 * softmax model, the conv features of x for a cnn (front end at the source).
 */
class DenseInput
{
  public:
    DenseInput(const NetworkSpec& spec, const Eigen::VectorXf& params);

    /// x [inputDim x samples] -> dense-stack input [in0 x samples].
    Eigen::MatrixXd operator()(const Eigen::MatrixXd& x);

  private:
    std::unique_ptr<ConvFrontEnd> m_conv; ///< null for dense models
};

} // namespace wfl

#endif
