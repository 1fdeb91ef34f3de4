#include "isgq-codebook-fit.h"

#include <algorithm>
#include <stdexcept>

namespace wfl
{

double
CodebookQuadratic::Objective(const Eigen::VectorXd& c) const
{
    return std::max(0.0, c.dot(k * c) - 2.0 * r.dot(c) + gg);
}

CodebookQuadratic
FitQuadratic(const Eigen::MatrixXd& f,
             const LevelSymbols& q,
             int32_t levels,
             const Eigen::MatrixXd& other,
             const Eigen::MatrixXd& otherHat)
{
    const Eigen::Index rows = f.rows();
    const auto n = static_cast<size_t>(f.size());
    if (q.size() != n || other.rows() != rows || otherHat.rows() != rows || otherHat.cols() != other.cols())
    {
        throw std::invalid_argument("isgq codebook fit: factor shapes do not match");
    }
    const auto l = static_cast<Eigen::Index>(levels);
    CodebookQuadratic out;
    out.k = Eigen::MatrixXd::Zero(l, l);
    out.r = Eigen::VectorXd::Zero(l);
    out.a = Eigen::VectorXd::Zero(l);
    out.counts.assign(static_cast<size_t>(levels), 0);
    out.gg = (other * other.transpose()).cwiseProduct(f * f.transpose()).sum();
    out.sumG = other.rowwise().sum().dot(f.rowwise().sum());

    const Eigen::MatrixXd p = otherHat * otherHat.transpose();
    const Eigen::MatrixXd cf = (otherHat * other.transpose()) * f;
    const Eigen::VectorXd hatRowSums = otherHat.rowwise().sum();
    for (size_t e = 0; e < n; ++e)
    {
        if (q[e] < levels)
        {
            const auto i = static_cast<Eigen::Index>(q[e]);
            const auto b = static_cast<Eigen::Index>(e % static_cast<size_t>(rows));
            ++out.counts[q[e]];
            out.r(i) += cf(static_cast<Eigen::Index>(e));
            out.a(i) += hatRowSums(b);
        }
    }
    // K_ij = <1_i, P 1_j>: one product P 1_j per used level j, then a pass
    // adding (P 1_j)(e) to K(q_e, j).
    Eigen::MatrixXd indicator(rows, f.cols());
    for (Eigen::Index j = 0; j < l; ++j)
    {
        if (out.counts[static_cast<size_t>(j)] == 0)
        {
            continue;
        }
        for (size_t e = 0; e < n; ++e)
        {
            indicator(static_cast<Eigen::Index>(e)) = q[e] == j ? 1.0 : 0.0;
        }
        const Eigen::MatrixXd pj = p * indicator;
        for (size_t e = 0; e < n; ++e)
        {
            if (q[e] < levels)
            {
                out.k(q[e], j) += pj(static_cast<Eigen::Index>(e));
            }
        }
    }
    return out;
}

Eigen::VectorXd
SolveCodebook(const CodebookQuadratic& quadratic, const Eigen::VectorXd& start, bool unbiased)
{
    // The levels that move G_hat: used by some entry, with M_i != 0.
    std::vector<Eigen::Index> valid;
    for (Eigen::Index i = 0; i < start.size(); ++i)
    {
        if (quadratic.counts[static_cast<size_t>(i)] > 0 && quadratic.k(i, i) > 0.0)
        {
            valid.push_back(i);
        }
    }
    Eigen::VectorXd c = start;
    if (valid.empty())
    {
        return c;
    }
    const auto v = static_cast<Eigen::Index>(valid.size());
    const Eigen::Index size = unbiased ? v + 1 : v;
    Eigen::MatrixXd system = Eigen::MatrixXd::Zero(size, size);
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(size);
    for (Eigen::Index s = 0; s < v; ++s)
    {
        for (Eigen::Index t = 0; t < v; ++t)
        {
            system(s, t) = quadratic.k(valid[s], valid[t]);
        }
        rhs(s) = quadratic.r(valid[s]);
        if (unbiased)
        {
            system(s, v) = quadratic.a(valid[s]);
            system(v, s) = quadratic.a(valid[s]);
        }
    }
    if (unbiased)
    {
        rhs(v) = quadratic.sumG;
    }
    const Eigen::VectorXd solution = system.completeOrthogonalDecomposition().solve(rhs);
    for (Eigen::Index s = 0; s < v; ++s)
    {
        c(valid[s]) = solution(s);
    }
    return c;
}

Eigen::MatrixXd
ReconstructFactor(const LevelSymbols& q, Eigen::Index rows, Eigen::Index cols, const Eigen::VectorXd& codebook)
{
    Eigen::MatrixXd m(rows, cols);
    const auto levels = static_cast<int32_t>(codebook.size());
    for (size_t e = 0; e < q.size(); ++e)
    {
        m(static_cast<Eigen::Index>(e)) = q[e] < levels ? codebook(q[e]) : 0.0;
    }
    return m;
}

} // namespace wfl
