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
    double total = 0.0;
    for (Eigen::Index j = 0; j < batch; ++j)
    {
        auto z = logits.col(j);
        const int y = labels[static_cast<size_t>(j)];
        const Scalar zMax = z.maxCoeff();
        const Scalar zLabel = z(y) - zMax;
        z.array() = (z.array() - zMax).exp();
        const Scalar sum = z.sum();
        // loss_j = log(sum_c exp(z_c - zmax)) - (z_y - zmax)
        total += std::log(static_cast<double>(sum)) - static_cast<double>(zLabel);
        z *= invBatch / sum;
        z(y) -= invBatch;
    }
    return static_cast<Scalar>(total / static_cast<double>(batch));
}

template float SoftmaxCrossEntropyInPlace<float>(Eigen::MatrixXf&, const std::vector<int>&);
template double SoftmaxCrossEntropyInPlace<double>(Eigen::MatrixXd&, const std::vector<int>&);

} // namespace wfl
