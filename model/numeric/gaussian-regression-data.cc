#include "gaussian-regression-data.h"

#include "random.h"

#include <stdexcept>
#include <string>

namespace wfl
{
namespace
{

void
Check(const GaussianRegressionSpec& spec)
{
    if (spec.inputs < 1 || spec.inputs > 65536)
    {
        throw std::invalid_argument("inputs must be in [1, 65536], got " + std::to_string(spec.inputs));
    }
    if (spec.outputs < 1 || spec.outputs > 65536)
    {
        throw std::invalid_argument("outputs must be in [1, 65536], got " + std::to_string(spec.outputs));
    }
    if (!(spec.minEigenvalue > 0.0) || !(spec.maxEigenvalue >= spec.minEigenvalue) ||
        !(spec.maxEigenvalue < 1e12))
    {
        throw std::invalid_argument("eigenvalues must satisfy 0 < minEigenvalue <= maxEigenvalue < 1e12");
    }
    if (!(spec.noise >= 0.0) || !(spec.noise < 1e12))
    {
        throw std::invalid_argument("noise must be in [0, 1e12)");
    }
}

Eigen::MatrixXd
GaussianMatrix(Eigen::Index rows, Eigen::Index cols, Rng& rng)
{
    Eigen::MatrixXd a(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
    {
        for (Eigen::Index i = 0; i < rows; ++i)
        {
            a(i, j) = rng.Normal();
        }
    }
    return a;
}

/// Haar orthogonal n x n: Q of a Gaussian matrix's QR, columns signed so R's diagonal is positive.
Eigen::MatrixXd
HaarOrthogonal(Eigen::Index n, Rng& rng)
{
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(GaussianMatrix(n, n, rng));
    Eigen::MatrixXd q = qr.householderQ();
    const Eigen::MatrixXd r = qr.matrixQR();
    for (Eigen::Index j = 0; j < n; ++j)
    {
        if (r(j, j) < 0.0)
        {
            q.col(j) = -q.col(j);
        }
    }
    return q;
}

} // namespace

GaussianRegressionTask::GaussianRegressionTask(const GaussianRegressionSpec& spec, Rng& rng)
    : m_spec(spec)
{
    Check(spec);
    const Eigen::Index n = spec.inputs;
    m_eigenvalues.resize(n);
    for (Eigen::Index i = 0; i < n; ++i)
    {
        const double t = n == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(n - 1);
        m_eigenvalues(i) = spec.minEigenvalue + (spec.maxEigenvalue - spec.minEigenvalue) * t;
    }
    const Eigen::MatrixXd u = HaarOrthogonal(n, rng);
    m_mixing = u * m_eigenvalues.cwiseSqrt().asDiagonal();
    m_covariance = m_mixing * m_mixing.transpose();
    m_optimum = GaussianMatrix(spec.outputs, n, rng);
}

void
GaussianRegressionTask::Sample(Rng& rng, int batch, Eigen::MatrixXd& x, Eigen::MatrixXd& y) const
{
    x.noalias() = m_mixing * GaussianMatrix(m_spec.inputs, batch, rng);
    y.noalias() = m_optimum * x;
    if (m_spec.noise > 0.0)
    {
        y += m_spec.noise * GaussianMatrix(m_spec.outputs, batch, rng);
    }
}

double
GaussianRegressionTask::ExpectedLoss(const LinearWeights& w) const
{
    return ExpectedSquaredLoss(w, m_optimum, m_covariance, m_spec.noise * m_spec.noise);
}

} // namespace wfl
