/*
 * Synthetic data for the linear-regression experiment (linear-model.h;
 * methods.md 5.7 and check 10.4): Gaussian inputs with a prescribed
 * covariance spectrum and targets of a random linear teacher.
 *
 *   R = U diag(lambda) U^T,   lambda_i = min + (max - min) i / (n - 1), i = 0..n-1
 *   x = U diag(sqrt lambda) z,   z ~ N(0, I_n)          so E[x x^T] = R
 *   y = W* x + s v,              v ~ N(0, I_m), W*_ij ~ N(0, 1)
 * U is Haar-distributed (QR of a Gaussian matrix with R's diagonal made
 * positive). The eigenvalues are evenly spaced so that both ends of
 * [min, max] are hit exactly (the author's code draws them uniformly and
 * rescales to the ends; the experiment depends only on lambda_min and
 * lambda_max and on how the rest fill the range).
 * Defaults: n = 64, m = 50, spectrum [1, 4], s = 0 (noiseless, as the
 * author's code).
 *
 * The task (U, W*) is drawn once from one generator; samples come from
 * another (the caller's), so every run can have its own data stream.
 */
#ifndef WFL_GAUSSIAN_REGRESSION_DATA_H
#define WFL_GAUSSIAN_REGRESSION_DATA_H

#include "linear-model.h"

#include <Eigen/Dense>

namespace wfl
{

class Rng;

struct GaussianRegressionSpec
{
    int inputs = 64;            ///< n
    int outputs = 50;           ///< m
    double minEigenvalue = 1.0; ///< of the input covariance R
    double maxEigenvalue = 4.0;
    double noise = 0.0;         ///< s, target noise standard deviation
};

class GaussianRegressionTask
{
  public:
    /// Draws U and W* from `rng`. @throws std::invalid_argument naming the bad field and its range.
    GaussianRegressionTask(const GaussianRegressionSpec& spec, Rng& rng);

    const GaussianRegressionSpec& Spec() const
    {
        return m_spec;
    }

    /// lambda, ascending.
    const Eigen::VectorXd& Eigenvalues() const
    {
        return m_eigenvalues;
    }

    /// R = E[x x^T].
    const Eigen::MatrixXd& Covariance() const
    {
        return m_covariance;
    }

    /// W* [m x n].
    const LinearWeights& Optimum() const
    {
        return m_optimum;
    }

    /// A batch: x [n x batch] and y [m x batch], drawn from `rng`.
    void Sample(Rng& rng, int batch, Eigen::MatrixXd& x, Eigen::MatrixXd& y) const;

    /// E L(W) of this task (linear-model.h).
    double ExpectedLoss(const LinearWeights& w) const;

  private:
    GaussianRegressionSpec m_spec;
    Eigen::VectorXd m_eigenvalues;
    Eigen::MatrixXd m_mixing; ///< U diag(sqrt lambda)
    Eigen::MatrixXd m_covariance;
    LinearWeights m_optimum;
};

} // namespace wfl

#endif
