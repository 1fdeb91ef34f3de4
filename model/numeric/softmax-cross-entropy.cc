#include "model.h"

#include <cmath>

namespace wfl
{

template <typename Scalar>
Scalar
SoftmaxCrossEntropyInPlace(Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& logits,
                           const std::vector<int>& labels)
{
    const Eigen::Index batch = logits.cols();
    const Scalar invBatch = Scalar(1) / static_cast<Scalar>(batch);
    // Shift each column by its maximum, then exponentiate the whole matrix at
    // once: a column of 10 classes is shorter than one AVX-512 register, so a
    // per-column exp() would run in scalar code.
    double total = 0.0;
    for (Eigen::Index j = 0; j < batch; ++j)
    {
        auto z = logits.col(j);
        const Scalar zMax = z.maxCoeff();
        z.array() -= zMax;
        total -= static_cast<double>(z(labels[static_cast<size_t>(j)]));
    }
    logits.array() = logits.array().exp();
    for (Eigen::Index j = 0; j < batch; ++j)
    {
        auto z = logits.col(j);
        const Scalar sum = z.sum();
        // loss_j = log(sum_c exp(z_c - zmax)) - (z_y - zmax)
        total += std::log(static_cast<double>(sum));
        z *= invBatch / sum;
        z(labels[static_cast<size_t>(j)]) -= invBatch;
    }
    return static_cast<Scalar>(total / static_cast<double>(batch));
}

template float SoftmaxCrossEntropyInPlace<float>(Eigen::MatrixXf&, const std::vector<int>&);
template double SoftmaxCrossEntropyInPlace<double>(Eigen::MatrixXd&, const std::vector<int>&);

} // namespace wfl
