#include "sgd-stability.h"

#include <stdexcept>

namespace wfl
{

Eigen::MatrixXd
MeanSquareMatrix(const Eigen::VectorXd& eigenvalues, int batch, double step)
{
    const double b = static_cast<double>(batch);
    const Eigen::ArrayXd l = eigenvalues.array();
    Eigen::MatrixXd m = (step * step / b) * eigenvalues * eigenvalues.transpose();
    m.diagonal().array() += 1.0 - 2.0 * step * l + step * step * (1.0 + 1.0 / b) * l.square();
    return m;
}

double
MeanSquareGrowth(const Eigen::VectorXd& eigenvalues, int batch, double step)
{
    // M is symmetric: its spectral radius is its largest |eigenvalue|.
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(MeanSquareMatrix(eigenvalues, batch, step),
                                                                Eigen::EigenvaluesOnly);
    return solver.eigenvalues().cwiseAbs().maxCoeff();
}

double
MeanSquareStepLimit(const Eigen::VectorXd& eigenvalues, int batch)
{
    if (batch < 1)
    {
        throw std::invalid_argument("batch must be at least 1");
    }
    if (eigenvalues.size() == 0 || !(eigenvalues.minCoeff() > 0.0))
    {
        throw std::invalid_argument("eigenvalues must be positive");
    }
    const double top = 2.0 / eigenvalues.maxCoeff(); // M's entry for l_max is 1 + 4/B there: unstable
    constexpr int kGrid = 1000;
    double lo = 0.0;
    double hi = top;
    for (int i = 1; i <= kGrid; ++i)
    {
        const double mu = top * i / kGrid;
        if (MeanSquareGrowth(eigenvalues, batch, mu) >= 1.0)
        {
            hi = mu;
            break;
        }
        lo = mu;
    }
    while (hi - lo > 1e-9 * hi)
    {
        const double mid = 0.5 * (lo + hi);
        (MeanSquareGrowth(eigenvalues, batch, mid) >= 1.0 ? hi : lo) = mid;
    }
    return 0.5 * (lo + hi);
}

} // namespace wfl
