/*
 * Fully connected classifier: softmax regression (no hidden layer) or an MLP
 * with ReLU hidden layers, over a flat parameter vector.
 *
 * Parameter layout, layer by layer: W_l [out x in] row-major (each unit's
 * weights contiguous, as the narrow-layer kernels want), then b_l [out].
 * Layer l's weight gradient is dL/dW_l = Delta_l^T X_l, X_l [batch x in] the
 * layer's input and Delta_l [batch x out] the error at its output (the mean
 * loss's, so 1/batch is inside Delta); RecordFactors keeps both.
 */
#ifndef WFL_DENSE_NETWORK_H
#define WFL_DENSE_NETWORK_H

#include "model.h"

namespace wfl
{

template <typename Scalar>
class DenseNetwork : public Model<Scalar>
{
  public:
    using typename Model<Scalar>::Vector;
    using typename Model<Scalar>::Matrix;

    /// @param widths layer widths [input, hidden..., classes]; size >= 2.
    explicit DenseNetwork(std::vector<int> widths);

    Eigen::Index NumParams() const override;
    std::string Describe() const override;
    void Initialize(Vector& params, Rng& rng) const override;
    void Forward(const Vector& params, const Matrix& x, Matrix& logits) override;
    Scalar LossAndGradient(const Vector& params,
                           const Matrix& x,
                           const std::vector<int>& labels,
                           Vector& grad) override;
    std::unique_ptr<Model<Scalar>> Clone() const override;
    /// "dense<l>.weight" {out, in} and "dense<l>.bias" {out} per layer.
    ParameterLayout Layout() const override;
    /// Factors of every layer: X = input^T [batch x in], Delta = dLoss/dz^T [batch x out].
    bool RecordFactors(bool on) override;
    const std::vector<LayerFactors>& Factors() const override
    {
        return m_factors;
    }

  private:
    using RowMajorMatrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using ConstMatrixMap = Eigen::Map<const RowMajorMatrix>;
    using ConstVectorMap = Eigen::Map<const Vector>;

    size_t NumLayers() const
    {
        return m_widths.size() - 1;
    }

    ConstMatrixMap Weights(const Vector& params, size_t layer) const;
    ConstVectorMap Bias(const Vector& params, size_t layer) const;
    /// Float layers with few outputs run on the narrow-layer kernels.
    bool UsesNarrowKernel(size_t layer) const;
    /// Forward pass keeping hidden activations in m_hidden; result in m_logits.
    void ForwardKeep(const Vector& params, const Matrix& x);

    std::vector<int> m_widths;
    std::vector<Eigen::Index> m_offsets; ///< start of W_l in the flat vector
    Eigen::Index m_numParams = 0;
    std::vector<Matrix> m_hidden;        ///< post-ReLU activations of hidden layers
    Matrix m_logits;
    Matrix m_delta;                      ///< back-propagated error of the current layer
    Matrix m_deltaPrev;
    bool m_recordFactors = false;
    std::vector<LayerFactors> m_factors;
};

} // namespace wfl

#endif
