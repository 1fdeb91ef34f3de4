#include "repurpose-spectral.h"

#include "repurpose-assign.h"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>

namespace wfl
{
namespace
{

/// Rows of the K leading eigenvectors of the normalised affinity, each row
/// scaled to unit length (zero rows for neurons without any affinity).
Eigen::MatrixXd
SpectralEmbedding(const Eigen::MatrixXd& nextCost, int workers)
{
    const Eigen::MatrixXd affinity = nextCost.transpose() * nextCost;
    const Eigen::VectorXd degree = affinity.rowwise().sum();
    Eigen::VectorXd invSqrt(degree.size());
    for (Eigen::Index i = 0; i < degree.size(); ++i)
    {
        invSqrt(i) = degree(i) > 0.0 ? 1.0 / std::sqrt(degree(i)) : 0.0;
    }
    const Eigen::MatrixXd normalised = invSqrt.asDiagonal() * affinity * invSqrt.asDiagonal();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(normalised);
    const Eigen::Index n = normalised.rows();
    const Eigen::Index dims = std::min<Eigen::Index>(workers, n);
    Eigen::MatrixXd rows = solver.eigenvectors().rightCols(dims); // eigenvalues ascend
    for (Eigen::Index i = 0; i < n; ++i)
    {
        const double norm = rows.row(i).norm();
        rows.row(i) = norm > 0.0 ? Eigen::RowVectorXd(rows.row(i) / norm) : Eigen::RowVectorXd::Zero(dims);
    }
    return rows;
}

/// Farthest-point centroids: row 0, then the row farthest from all chosen
/// (lowest index on ties).
Eigen::MatrixXd
FarthestPointCentroids(const Eigen::MatrixXd& points, int workers)
{
    Eigen::MatrixXd centroids(workers, points.cols());
    centroids.row(0) = points.row(0);
    Eigen::VectorXd nearest = (points.rowwise() - points.row(0)).rowwise().squaredNorm();
    for (int k = 1; k < workers; ++k)
    {
        Eigen::Index far = 0;
        nearest.maxCoeff(&far);
        centroids.row(k) = points.row(far);
        nearest = nearest.cwiseMin((points.rowwise() - points.row(far)).rowwise().squaredNorm());
    }
    return centroids;
}

} // namespace

std::vector<int>
SpectralAssignment(const Eigen::MatrixXd& nextCost, const std::vector<int>& capacities)
{
    const int workers = static_cast<int>(capacities.size());
    const Eigen::MatrixXd points = SpectralEmbedding(nextCost, workers);
    Eigen::MatrixXd centroids = FarthestPointCentroids(points, workers);
    std::vector<int> worker;
    constexpr int kMaxSteps = 50;
    for (int step = 0; step < kMaxSteps; ++step)
    {
        Eigen::MatrixXd cost(points.rows(), workers);
        for (int k = 0; k < workers; ++k)
        {
            cost.col(k) = (points.rowwise() - centroids.row(k)).rowwise().squaredNorm();
        }
        std::vector<int> next = AssignToWorkers(cost, capacities);
        if (next == worker)
        {
            break;
        }
        worker = std::move(next);
        centroids.setZero();
        Eigen::VectorXd counts = Eigen::VectorXd::Zero(workers);
        for (size_t i = 0; i < worker.size(); ++i)
        {
            centroids.row(worker[i]) += points.row(static_cast<Eigen::Index>(i));
            counts(worker[i]) += 1.0;
        }
        for (int k = 0; k < workers; ++k)
        {
            if (counts(k) > 0.0)
            {
                centroids.row(k) /= counts(k);
            }
        }
    }
    return worker;
}

} // namespace wfl
