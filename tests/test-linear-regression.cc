// The linear model with squared loss, its Gaussian data generator and the
// SGD stability theory of bench-linear-regression (methods.md 5.7, 10.4),
// each against theory: finite differences, the spectrum of a sample
// covariance (Ostrowski bound with a Wishart tail), gradient descent's
// 2 / lambda_max edge, and the Isserlis moment behind the mean-square limit.
// Fixed seeds: every test is deterministic; each states the smallest error
// it catches and the deliberate break that was tried.

#include "gaussian-regression-data.h"
#include "linear-model.h"
#include "random.h"
#include "sgd-stability.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

using namespace wfl;

namespace
{

Eigen::MatrixXd
Gaussian(Eigen::Index rows, Eigen::Index cols, Rng& rng)
{
    Eigen::MatrixXd a(rows, cols);
    for (Eigen::Index i = 0; i < a.size(); ++i)
    {
        a(i) = rng.Normal();
    }
    return a;
}

} // namespace

// Central differences, step h = 1e-5: the loss is quadratic, so the
// difference quotient is exact up to rounding (about 1e-16 L / h = 1e-11 here).
// Smallest error caught: an error above 1e-8 of the largest entry in any
// entry. Break tried: the gradient times 1.05 (every entry fails, by 5%).
TEST(LinearModel, GradientMatchesFiniteDifferences)
{
    Rng rng(7, "test-linear-gradient");
    const int n = 7, m = 5, batch = 9;
    LinearWeights w = Gaussian(m, n, rng);
    const Eigen::MatrixXd x = Gaussian(n, batch, rng);
    const Eigen::MatrixXd y = Gaussian(m, batch, rng);
    LinearWeights grad;
    const double loss = SquaredLossGradient(w, x, y, grad);
    EXPECT_DOUBLE_EQ(loss, SquaredLoss(w, x, y));
    ASSERT_EQ(grad.rows(), m);
    ASSERT_EQ(grad.cols(), n);
    const double h = 1e-5;
    const double scale = grad.cwiseAbs().maxCoeff();
    for (int i = 0; i < m; ++i)
    {
        for (int j = 0; j < n; ++j)
        {
            const double keep = w(i, j);
            w(i, j) = keep + h;
            const double up = SquaredLoss(w, x, y);
            w(i, j) = keep - h;
            const double down = SquaredLoss(w, x, y);
            w(i, j) = keep;
            EXPECT_NEAR(grad(i, j), (up - down) / (2 * h), 1e-8 * scale) << "entry " << i << ", " << j;
        }
    }
    // Row-major: the flat vector a compressor sees is row i = output i.
    EXPECT_EQ(grad.data()[1], grad(0, 1));
}

// R itself: eigenvalues exactly evenly spaced in [1, 4] (to 1e-10), and W*
// of the requested shape. Breaks tried: lambda_i = min + (max - min) i / n
// (top eigenvalue 3.953: fails), mixing with diag(lambda) (fails).
TEST(GaussianRegressionData, CovarianceHasTheRequestedSpectrum)
{
    Rng rng(3, "test-linear-task");
    const GaussianRegressionTask task(GaussianRegressionSpec{}, rng);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(task.Covariance());
    const Eigen::VectorXd ev = solver.eigenvalues();
    ASSERT_EQ(ev.size(), 64);
    for (int i = 0; i < 64; ++i)
    {
        EXPECT_NEAR(ev(i), 1.0 + 3.0 * i / 63.0, 1e-10) << i;
    }
    EXPECT_EQ(task.Optimum().rows(), 50);
    EXPECT_EQ(task.Optimum().cols(), 64);
}

// The sample covariance S of N samples: S = R^{1/2} W R^{1/2} with W the
// sample covariance of N standard normal vectors in n dimensions, so by
// Ostrowski's theorem lambda_i(S) = theta_i lambda_i(R) with theta_i in
// [lambda_min(W), lambda_max(W)], and (Davidson-Szarek) with probability at
// least 1 - 2 exp(-t^2 / 2) the singular values of the N x n Gaussian matrix
// / sqrt(N) lie in 1 -+ (sqrt(n/N) + t/sqrt(N)). N = 2e5, n = 64, t = 5
// (failure probability 7.5e-6): each sample eigenvalue within
// -5.7% / +5.9% of lambda_i = 1 + 3 i / 63, so all of them in [0.943, 4.24].
// Smallest error caught: a sample spectrum off by 6% from R's at either end
// (e.g. [1, 4.25]). Break tried: mixing with diag(lambda) instead of
// diag(sqrt(lambda)) (eigenvalues up to 16: fails from i = 2 on).
TEST(GaussianRegressionData, SampleCovarianceEigenvaluesWithinWishartBound)
{
    Rng taskRng(3, "test-linear-task");
    const GaussianRegressionTask task(GaussianRegressionSpec{}, taskRng);
    Rng rng(4, "test-linear-samples");
    const int n = 64, chunk = 10000, chunks = 20;
    const double N = static_cast<double>(chunk) * chunks;
    Eigen::MatrixXd s = Eigen::MatrixXd::Zero(n, n);
    Eigen::MatrixXd x, y;
    for (int c = 0; c < chunks; ++c)
    {
        task.Sample(rng, chunk, x, y);
        s.selfadjointView<Eigen::Lower>().rankUpdate(x, 1.0 / N);
    }
    s = s.selfadjointView<Eigen::Lower>();
    const Eigen::VectorXd ev = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(s).eigenvalues();
    const double dev = std::sqrt(n / N) + 5.0 / std::sqrt(N);
    const double lo = (1.0 - dev) * (1.0 - dev), hi = (1.0 + dev) * (1.0 + dev);
    for (int i = 0; i < n; ++i)
    {
        const double lambda = task.Eigenvalues()(i);
        EXPECT_GE(ev(i), lo * lambda) << i;
        EXPECT_LE(ev(i), hi * lambda) << i;
    }
    EXPECT_GE(ev.minCoeff(), lo * 1.0);
    EXPECT_LE(ev.maxCoeff(), hi * 4.0);
}

// E L(W) = (1/2) tr(E R E^T) + m s^2 / 2 against the mean loss of 2e5 fresh
// samples with noise s = 0.5 (a Monte Carlo mean, within 4 of its standard
// errors = 0.082, 0.3% of E L = 29.2). Smallest error caught: 0.3% of E L
// (the assertion below keeps it under 1%). Break tried: the noise term
// m s^2 / 2 = 6.25 left out (fails: 35.38 measured against 29.16).
TEST(GaussianRegressionData, ExpectedLossMatchesSampleMean)
{
    GaussianRegressionSpec spec;
    spec.noise = 0.5;
    Rng taskRng(5, "test-linear-task");
    const GaussianRegressionTask task(spec, taskRng);
    Rng rng(6, "test-linear-samples");
    LinearWeights w = task.Optimum() + 0.05 * Gaussian(spec.outputs, spec.inputs, rng);
    Eigen::MatrixXd x, y;
    double sum = 0.0, sum2 = 0.0;
    const int chunks = 20, chunk = 10000;
    for (int c = 0; c < chunks; ++c)
    {
        task.Sample(rng, chunk, x, y);
        const Eigen::ArrayXd perSample = 0.5 * (LinearPredict(w, x) - y).colwise().squaredNorm().array();
        sum += perSample.sum();
        sum2 += perSample.square().sum();
    }
    const double count = static_cast<double>(chunks) * chunk;
    const double mean = sum / count;
    const double se = std::sqrt((sum2 / count - mean * mean) / count);
    EXPECT_NEAR(mean, task.ExpectedLoss(w), 4.0 * se);
    EXPECT_LT(4.0 * se, 0.01 * task.ExpectedLoss(w)); // the test resolves a 1% error
}

// Full-batch gradient descent on a fixed batch has Hessian S = X X^T / B per
// row of W: it converges iff mu < 2 / lambda_max(S). At 0.97 of the edge the
// top mode contracts by 0.94 per step (1e-27 after 1000), at 1.03 it grows
// by 1.06 (1e25). Smallest error caught: a gradient (or Hessian) scale off by
// more than 3% (either direction moves the edge across one of the two
// steps). Break tried: the gradient times 1.05 (the 0.97 run ends at a
// loss ratio of 5e29: fails).
TEST(LinearModel, GradientDescentConvergesBelowTwoOverLambdaMaxAndDivergesAbove)
{
    GaussianRegressionSpec spec;
    spec.outputs = 5;
    Rng taskRng(8, "test-linear-task");
    const GaussianRegressionTask task(spec, taskRng);
    Rng rng(9, "test-linear-samples");
    Eigen::MatrixXd x, y;
    task.Sample(rng, 2000, x, y);
    const Eigen::MatrixXd s = x * x.transpose() / 2000.0;
    const double lambdaMax = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(s).eigenvalues().maxCoeff();
    auto finalRatio = [&](double step) {
        LinearWeights w = LinearWeights::Zero(spec.outputs, spec.inputs);
        LinearWeights grad;
        const double initial = SquaredLoss(w, x, y);
        for (int t = 0; t < 1000; ++t)
        {
            SquaredLossGradient(w, x, y, grad);
            w -= step * grad;
        }
        return SquaredLoss(w, x, y) / initial;
    };
    EXPECT_LT(finalRatio(0.97 * 2.0 / lambdaMax), 1e-10);
    EXPECT_GT(finalRatio(1.03 * 2.0 / lambdaMax), 1e10);
}

// Closed forms of the mean-square limit: one eigenvalue l repeated n times
// gives 2 / (l (1 + (n + 1) / B)); B -> infinity gives 2 / l_max. Smallest
// error caught: 1e-8 absolute in the limit. Breaks tried: (1 + 1/B) -> 1 in
// M (isotropic limit 0.1667 instead of 0.1649: fails), the l l^T term
// dropped (0.485: fails).
TEST(SgdStability, MeanSquareLimitClosedForms)
{
    const Eigen::VectorXd iso = Eigen::VectorXd::Constant(64, 4.0);
    EXPECT_NEAR(MeanSquareStepLimit(iso, 32), 2.0 / (4.0 * (1.0 + 65.0 / 32.0)), 1e-8);
    const Eigen::VectorXd spread = Eigen::VectorXd::LinSpaced(64, 1.0, 4.0);
    EXPECT_NEAR(MeanSquareStepLimit(spread, 1 << 30), 0.5, 1e-6);
    const double limit = MeanSquareStepLimit(spread, 32);
    EXPECT_GT(limit, 2.0 / (4.0 * (1.0 + 65.0 / 32.0))); // between the isotropic worst case
    EXPECT_LT(limit, 0.5);                               // and gradient descent
    EXPECT_NEAR(MeanSquareGrowth(spread, 32, limit), 1.0, 1e-6);
    EXPECT_THROW(MeanSquareStepLimit(spread, 0), std::invalid_argument);
}

// The moment behind M(mu): for one row error e, E||(I - mu S) e||^2 over
// batches of B = 32 Gaussian samples equals 1^T M(mu) p with p_i = (u_i^T e)^2
// (u_i R's eigenvectors). Monte Carlo over 20000 batches at mu = 0.2, within
// 4 standard errors (0.18, 0.4% of the value 47.8). Smallest error caught:
// 0.4% of the one-step second moment. Breaks tried: (1 + 1/B) -> 1 in M
// (moves it by 0.9%: fails, 48.22 measured against 47.78), and the
// (mu^2 / B) l l^T term dropped (fails by a factor 6).
TEST(SgdStability, OneStepSecondMomentMatchesMonteCarlo)
{
    Rng taskRng(10, "test-linear-task");
    const GaussianRegressionTask task(GaussianRegressionSpec{}, taskRng);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(task.Covariance());
    Rng rng(11, "test-linear-samples");
    const Eigen::VectorXd e = Gaussian(64, 1, rng);
    const Eigen::VectorXd p = (solver.eigenvectors().transpose() * e).array().square();
    const double mu = 0.2;
    const int batch = 32, draws = 20000;
    const double theory = MeanSquareMatrix(solver.eigenvalues(), batch, mu).colwise().sum().dot(p);
    double sum = 0.0, sum2 = 0.0;
    Eigen::MatrixXd x, y;
    for (int d = 0; d < draws; ++d)
    {
        task.Sample(rng, batch, x, y);
        const double v = (e - mu * x * (x.transpose() * e) / batch).squaredNorm();
        sum += v;
        sum2 += v * v;
    }
    const double mean = sum / draws;
    const double se = std::sqrt((sum2 / draws - mean * mean) / draws);
    EXPECT_NEAR(mean, theory, 4.0 * se);
    EXPECT_LT(4.0 * se, 0.015 * theory);
}

TEST(GaussianRegressionData, RejectsBadSpec)
{
    Rng rng(1, "test-linear-task");
    GaussianRegressionSpec spec;
    spec.minEigenvalue = 0.0;
    EXPECT_THROW(GaussianRegressionTask(spec, rng), std::invalid_argument);
    spec = GaussianRegressionSpec{};
    spec.inputs = 0;
    EXPECT_THROW(GaussianRegressionTask(spec, rng), std::invalid_argument);
}
