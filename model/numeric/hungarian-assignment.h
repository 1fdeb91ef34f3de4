/*
 * Minimum-cost assignment (Kuhn-Munkres / Hungarian algorithm).
 *
 * Written here rather than taken from Debian: dlib's max_cost_assignment
 * (libdlib-dev 19.24) requires a square matrix of an integer type (a
 * compile-time assertion; our costs are real), and libdlib-dev depends on
 * libopencv-core-dev, libx11-dev and pybind11-dev (installed sizes per
 * apt-cache: 17.4 MB + 6.2 MB libdlib19.1 + 12.7 MB OpenCV core dev);
 * Boost.Graph's maximum_weighted_matching (1.74) solves general-graph
 * matching, not the capacity-constrained bipartite problem, and LEMON
 * would mean a min-cost-flow detour. The solver below is the shortest
 * augmenting path form with dual potentials (Jonker-Volgenant style
 * row-by-row augmentation): O(rows^2 * cols) time by the textbook bound
 * (not measured here), O(rows + cols) memory besides the matrix.
 */
#ifndef WFL_HUNGARIAN_ASSIGNMENT_H
#define WFL_HUNGARIAN_ASSIGNMENT_H

#include <Eigen/Dense>

#include <vector>

namespace wfl
{

/**
 * Assign every row of `cost` [rows x cols] to a distinct column so that the
 * summed cost is minimal. Rectangular matrices are allowed: with rows <= cols
 * every row gets a column (some columns stay free); with rows > cols every
 * column gets a row and the other rows get -1.
 *
 * Costs must be finite. Ties are broken deterministically (the result depends
 * only on the matrix), but which of several optimal assignments is returned
 * is not specified.
 *
 * @return column of each row (size rows), or -1 for an unassigned row.
 */
std::vector<int> MinCostAssignment(const Eigen::MatrixXd& cost);

/// Summed cost of an assignment as returned by MinCostAssignment (-1 rows skipped).
double AssignmentCost(const Eigen::MatrixXd& cost, const std::vector<int>& columnOfRow);

} // namespace wfl

#endif
