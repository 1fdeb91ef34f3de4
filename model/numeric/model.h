/*
 * Classifier models over a flat parameter vector.
 *
 * A model is a stateless function of (parameters, inputs) plus scratch
 * buffers reused between calls, so an instance is cheap to keep per thread
 * and never holds a copy of the weights. Scalar is float for training and
 * double for gradient checks.
 */
#ifndef WFL_MODEL_H
#define WFL_MODEL_H

#include "compressor.h"

#include <Eigen/Dense>

#include <memory>
#include <string>
#include <vector>

namespace wfl
{

class Rng;

template <typename Scalar>
class Model
{
  public:
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

    virtual ~Model() = default;

    /// Length of the flat parameter vector.
    virtual Eigen::Index NumParams() const = 0;
    /// Human-readable architecture, e.g. "mlp 784-200-10".
    virtual std::string Describe() const = 0;
    /// Draw initial parameters (Glorot/He uniform weights, zero biases).
    virtual void Initialize(Vector& params, Rng& rng) const = 0;
    /// Class scores: logits [classes x batch] for inputs x [dim x batch].
    virtual void Forward(const Vector& params, const Matrix& x, Matrix& logits) = 0;
    /**
     * Mean cross-entropy of the batch and its gradient.
     * @param grad resized to NumParams() and overwritten.
     */
    virtual Scalar LossAndGradient(const Vector& params,
                                   const Matrix& x,
                                   const std::vector<int>& labels,
                                   Vector& grad) = 0;
    /// A fresh instance with the same architecture (own scratch buffers).
    virtual std::unique_ptr<Model> Clone() const = 0;
    /// The named tensors of the parameter vector, in order; they tile
    /// [0, NumParams()) (each shape as stored, row-major).
    virtual ParameterLayout Layout() const = 0;
    /**
     * Keep, in later LossAndGradient calls, the factors X and Delta of each
     * fully connected layer's weight gradient (compressor.h, LayerFactors).
     * Returns false if the model cannot (then none are kept).
     */
    virtual bool RecordFactors(bool /* on */)
    {
        return false;
    }
    /// The factors of the last LossAndGradient call (empty unless recording).
    virtual const std::vector<LayerFactors>& Factors() const
    {
        static const std::vector<LayerFactors> none;
        return none;
    }
};

/// Which model to build; `hidden` lists the hidden layer widths (of the MLP,
/// or of the CNN's fully connected part) and `conv` the CNN's conv stage channels.
struct ModelSpec
{
    std::string kind = "mlp"; ///< softmax | mlp | cnn
    std::vector<int> hidden{200};
    std::vector<int> conv{6, 16};
};

/// @throws InputError (key learner.model) for an unknown kind or a shape the kind cannot take.
template <typename Scalar>
std::unique_ptr<Model<Scalar>> MakeModel(const ModelSpec& spec, int inputDim, int classes);

/**
 * Softmax cross-entropy on logits [classes x batch], in place: on return
 * `logits` holds d(mean loss)/d(logits). Returns the mean loss.
 */
template <typename Scalar>
Scalar SoftmaxCrossEntropyInPlace(Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& logits,
                                  const std::vector<int>& labels);

} // namespace wfl

#endif
