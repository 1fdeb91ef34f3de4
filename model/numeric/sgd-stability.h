/*
 * The largest step at which mini-batch SGD on noiseless linear regression
 * with Gaussian inputs is mean-square stable (the theory line of
 * bench-linear-regression).
 *
 * With x ~ N(0, R), targets y = W* x, batch B, the error e = w - w* of one
 * row of W evolves as e' = (I - mu S) e, S = (1/B) sum_b x_b x_b^T. For
 * Gaussian x (Isserlis), E[S A S] = (1 + 1/B) R A R + (1/B) tr(A R) R, so in
 * R's eigenbasis the diagonal p_i of E[e e^T] evolves linearly:
 *   p' = M(mu) p,   M = diag(1 - 2 mu l_i + mu^2 (1 + 1/B) l_i^2) + (mu^2 / B) l l^T
 * (the off-diagonal entries decouple and contract whenever the diagonal
 * ones do). E||e||^2 -> 0 iff the spectral radius of M(mu) is below 1.
 * With B -> infinity this is gradient descent's 2 / l_max; for one
 * eigenvalue l repeated n times it is 2 / (l (1 + (n + 1) / B)).
 * For n = 64, l evenly in [1, 4], B = 32 it is 0.2490: the "mu < 1/4"
 * of methods.md 5.7.
 *
 * Covers the uncompressed baseline only (a compressor adds noise whose
 * covariance depends on the compressor; the bench measures those).
 */
#ifndef WFL_SGD_STABILITY_H
#define WFL_SGD_STABILITY_H

#include <Eigen/Dense>

namespace wfl
{

/// M(mu) above: E[p'] = M p for p_i = (u_i^T e)^2, u_i R's eigenvectors.
Eigen::MatrixXd MeanSquareMatrix(const Eigen::VectorXd& eigenvalues, int batch, double step);

/// Spectral radius of M(mu).
double MeanSquareGrowth(const Eigen::VectorXd& eigenvalues, int batch, double step);

/// The smallest mu in (0, 2 / l_max] with spectral radius of M(mu) >= 1, to
/// relative precision 1e-9 (first crossing on a grid of 1000, then bisection).
/// @throws std::invalid_argument for batch < 1 or a non-positive eigenvalue.
double MeanSquareStepLimit(const Eigen::VectorXd& eigenvalues, int batch);

} // namespace wfl

#endif
