#include "hungarian-assignment.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace wfl
{
namespace
{

/**
 * rows <= cols. Rows are added one at a time; each addition finds a
 * shortest augmenting path in the reduced costs c(i, j) - u(i) - v(j) >= 0
 * (Dijkstra over columns), then updates the potentials so that every
 * matched edge keeps zero reduced cost. Indices are 1-based inside, column 0
 * being the virtual start of the path.
 */
std::vector<int>
SolveWide(const Eigen::MatrixXd& cost)
{
    const int n = static_cast<int>(cost.rows());
    const int m = static_cast<int>(cost.cols());
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> u(static_cast<size_t>(n) + 1, 0.0);
    std::vector<double> v(static_cast<size_t>(m) + 1, 0.0);
    std::vector<int> rowOfCol(static_cast<size_t>(m) + 1, 0); // 0 = free
    std::vector<int> prevCol(static_cast<size_t>(m) + 1, 0);
    std::vector<double> minSlack(static_cast<size_t>(m) + 1);
    std::vector<char> used(static_cast<size_t>(m) + 1);
    for (int i = 1; i <= n; ++i)
    {
        rowOfCol[0] = i;
        int j0 = 0;
        std::fill(minSlack.begin(), minSlack.end(), inf);
        std::fill(used.begin(), used.end(), 0);
        do
        {
            used[static_cast<size_t>(j0)] = 1;
            const int i0 = rowOfCol[static_cast<size_t>(j0)];
            double delta = inf;
            int j1 = 0;
            for (int j = 1; j <= m; ++j)
            {
                if (used[static_cast<size_t>(j)])
                {
                    continue;
                }
                const double reduced = cost(i0 - 1, j - 1) - u[static_cast<size_t>(i0)] -
                                       v[static_cast<size_t>(j)];
                if (reduced < minSlack[static_cast<size_t>(j)])
                {
                    minSlack[static_cast<size_t>(j)] = reduced;
                    prevCol[static_cast<size_t>(j)] = j0;
                }
                // Strict '<': the lowest-index column wins ties (determinism).
                if (minSlack[static_cast<size_t>(j)] < delta)
                {
                    delta = minSlack[static_cast<size_t>(j)];
                    j1 = j;
                }
            }
            for (int j = 0; j <= m; ++j)
            {
                if (used[static_cast<size_t>(j)])
                {
                    u[static_cast<size_t>(rowOfCol[static_cast<size_t>(j)])] += delta;
                    v[static_cast<size_t>(j)] -= delta;
                }
                else
                {
                    minSlack[static_cast<size_t>(j)] -= delta;
                }
            }
            j0 = j1;
        } while (rowOfCol[static_cast<size_t>(j0)] != 0);
        // Flip the augmenting path back to the start.
        do
        {
            const int j1 = prevCol[static_cast<size_t>(j0)];
            rowOfCol[static_cast<size_t>(j0)] = rowOfCol[static_cast<size_t>(j1)];
            j0 = j1;
        } while (j0 != 0);
    }
    std::vector<int> colOfRow(static_cast<size_t>(n), -1);
    for (int j = 1; j <= m; ++j)
    {
        if (rowOfCol[static_cast<size_t>(j)] != 0)
        {
            colOfRow[static_cast<size_t>(rowOfCol[static_cast<size_t>(j)] - 1)] = j - 1;
        }
    }
    return colOfRow;
}

} // namespace

std::vector<int>
MinCostAssignment(const Eigen::MatrixXd& cost)
{
    if (!cost.allFinite())
    {
        throw std::invalid_argument("MinCostAssignment: costs must be finite");
    }
    if (cost.rows() == 0 || cost.cols() == 0)
    {
        return std::vector<int>(static_cast<size_t>(cost.rows()), -1);
    }
    if (cost.rows() <= cost.cols())
    {
        return SolveWide(cost);
    }
    // Tall: assign columns to rows on the transpose, then invert.
    const std::vector<int> rowOfCol = SolveWide(cost.transpose());
    std::vector<int> colOfRow(static_cast<size_t>(cost.rows()), -1);
    for (size_t j = 0; j < rowOfCol.size(); ++j)
    {
        colOfRow[static_cast<size_t>(rowOfCol[j])] = static_cast<int>(j);
    }
    return colOfRow;
}

double
AssignmentCost(const Eigen::MatrixXd& cost, const std::vector<int>& columnOfRow)
{
    double total = 0.0;
    for (size_t i = 0; i < columnOfRow.size(); ++i)
    {
        if (columnOfRow[i] >= 0)
        {
            total += cost(static_cast<Eigen::Index>(i), columnOfRow[i]);
        }
    }
    return total;
}

} // namespace wfl
