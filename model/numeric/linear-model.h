/*
 * A linear model with squared loss: the QCS paper's motivating experiment
 * (section 2, Fig. 2; methods.md 5.7 and check 10.4).
 *
 *   prediction  z = W x                 W [outputs m x inputs n]
 *   loss        L(W) = (1 / (2B)) sum_b ||y_b - W x_b||^2   over a batch of B samples
 *   gradient    dL/dW = (1/B) (W X - Y) X^T                  [m x n]
 * with samples as columns (X [n x B], Y [m x B]), as in dataset.h.
 *
 * W and its gradient are row-major (LinearWeights), so that their data() is
 * the flat parameter vector a compressor sees: row i is output i's 64 input
 * weights, like a dense layer's [out x in] weight (model.h's layout).
 *
 * For x ~ N(0, R) and y = W* x + v with v ~ N(0, s^2 I_m) independent of x,
 *   E L(W) = (1/2) tr((W - W*) R (W - W*)^T) + m s^2 / 2,
 * so every row of W sees the Hessian R: gradient descent on the expected loss
 * (or full-batch descent on a fixed batch, with R replaced by S = X X^T / B)
 * converges iff step < 2 / lambda_max (tested in test-linear-regression.cc).
 *
 * Not a learner.model: the learner seam (model.h) is a classifier (integer
 * labels, softmax cross-entropy, accuracy); vector targets would change the
 * Dataset, the loss and the evaluation. bench-linear-regression uses it alone.
 */
#ifndef WFL_LINEAR_MODEL_H
#define WFL_LINEAR_MODEL_H

#include <Eigen/Dense>

namespace wfl
{

/// W or its gradient, [outputs x inputs], row-major (data() is the flat vector).
using LinearWeights = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Predictions Z = W X [outputs x batch] for inputs X [inputs x batch].
Eigen::MatrixXd LinearPredict(const LinearWeights& w, const Eigen::MatrixXd& x);

/// Mean squared loss (1/(2B)) ||Y - W X||_F^2 of the batch X [n x B], Y [m x B].
double SquaredLoss(const LinearWeights& w, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y);

/// grad = (1/B) (W X - Y) X^T, resized to W's shape; returns the loss of the batch.
double SquaredLossGradient(const LinearWeights& w,
                           const Eigen::MatrixXd& x,
                           const Eigen::MatrixXd& y,
                           LinearWeights& grad);

/// E L(W) = (1/2) tr((W - W*) R (W - W*)^T) + m noiseVariance / 2 for x ~ N(0, R).
double ExpectedSquaredLoss(const LinearWeights& w,
                           const LinearWeights& optimum,
                           const Eigen::MatrixXd& covariance,
                           double noiseVariance);

} // namespace wfl

#endif
