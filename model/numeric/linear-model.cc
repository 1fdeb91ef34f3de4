#include "linear-model.h"

namespace wfl
{

Eigen::MatrixXd
LinearPredict(const LinearWeights& w, const Eigen::MatrixXd& x)
{
    return w * x;
}

double
SquaredLoss(const LinearWeights& w, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y)
{
    const double batch = static_cast<double>(x.cols());
    return 0.5 * (LinearPredict(w, x) - y).squaredNorm() / batch;
}

double
SquaredLossGradient(const LinearWeights& w, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y, LinearWeights& grad)
{
    const double batch = static_cast<double>(x.cols());
    const Eigen::MatrixXd residual = LinearPredict(w, x) - y; // [m x B]
    grad.noalias() = residual * x.transpose() / batch;
    return 0.5 * residual.squaredNorm() / batch;
}

double
ExpectedSquaredLoss(const LinearWeights& w,
                    const LinearWeights& optimum,
                    const Eigen::MatrixXd& covariance,
                    double noiseVariance)
{
    const LinearWeights e = w - optimum;
    // tr(E R E^T) = sum_ij (E R)_ij E_ij
    const double quadratic = (e * covariance).cwiseProduct(e).sum();
    return 0.5 * quadratic + 0.5 * static_cast<double>(w.rows()) * noiseVariance;
}

} // namespace wfl
