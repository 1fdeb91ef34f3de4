// Tests of the minimum-cost assignment (model/numeric/hungarian-assignment.h)
// and of its capacitated use (AssignToWorkers), against enumeration.

#include "hungarian-assignment.h"
#include "random.h"
#include "repurpose-assign.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

using namespace wfl;

namespace
{

Eigen::MatrixXd
RandomMatrix(Eigen::Index rows, Eigen::Index cols, Rng& rng, bool integer)
{
    Eigen::MatrixXd m(rows, cols);
    for (Eigen::Index i = 0; i < rows; ++i)
    {
        for (Eigen::Index j = 0; j < cols; ++j)
        {
            // Integers in {0..3}: many ties among optimal assignments.
            m(i, j) = integer ? static_cast<double>(rng.UniformInt(4)) : rng.Uniform(-1.0, 1.0);
        }
    }
    return m;
}

/// Minimum over all injective maps of the smaller side into the larger one.
double
BruteForceMinCost(const Eigen::MatrixXd& cost)
{
    const Eigen::MatrixXd c = cost.rows() <= cost.cols() ? cost : Eigen::MatrixXd(cost.transpose());
    std::vector<int> perm(static_cast<size_t>(c.cols()));
    std::iota(perm.begin(), perm.end(), 0);
    double best = std::numeric_limits<double>::infinity();
    do
    {
        double sum = 0.0;
        for (Eigen::Index i = 0; i < c.rows(); ++i)
        {
            sum += c(i, perm[static_cast<size_t>(i)]);
        }
        best = std::min(best, sum);
    } while (std::next_permutation(perm.begin(), perm.end()));
    return best;
}

/// Every row gets a distinct column (or, for tall matrices, every column one row).
void
ExpectValidAssignment(const Eigen::MatrixXd& cost, const std::vector<int>& col)
{
    ASSERT_EQ(col.size(), static_cast<size_t>(cost.rows()));
    std::vector<int> used;
    for (int c : col)
    {
        if (c >= 0)
        {
            ASSERT_LT(c, cost.cols());
            used.push_back(c);
        }
    }
    std::sort(used.begin(), used.end());
    EXPECT_TRUE(std::adjacent_find(used.begin(), used.end()) == used.end()) << "a column used twice";
    EXPECT_EQ(used.size(), static_cast<size_t>(std::min(cost.rows(), cost.cols())));
}

// Checks optimality against enumeration of all permutations, square and
// rectangular, integer costs with ties and real costs. Catches any
// suboptimality: exact for integer costs (one cost unit), 1e-12 for real
// ones. Deliberate break: dropping the column potential v(j) from the
// reduced cost in SolveWide fails this test and the capacitated one.
TEST(HungarianAssignment, MatchesBruteForce)
{
    Rng rng(7, "test-hungarian");
    const std::vector<std::pair<int, int>> shapes{{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6},
                                                  {7, 7}, {8, 8}, {2, 5}, {3, 7}, {6, 8}, {5, 2}, {7, 4}};
    for (const auto& [rows, cols] : shapes)
    {
        const int trials = rows * cols >= 49 ? 3 : 20;
        for (int trial = 0; trial < 2 * trials; ++trial)
        {
            const bool integer = trial % 2 == 0;
            const Eigen::MatrixXd cost = RandomMatrix(rows, cols, rng, integer);
            const std::vector<int> col = MinCostAssignment(cost);
            ExpectValidAssignment(cost, col);
            const double expected = BruteForceMinCost(cost);
            if (integer)
            {
                EXPECT_EQ(AssignmentCost(cost, col), expected) << rows << "x" << cols << "\n" << cost;
            }
            else
            {
                EXPECT_NEAR(AssignmentCost(cost, col), expected, 1e-12) << rows << "x" << cols;
            }
        }
    }
}

TEST(HungarianAssignment, AllTiedAndNonFinite)
{
    const Eigen::MatrixXd zeros = Eigen::MatrixXd::Zero(5, 5);
    ExpectValidAssignment(zeros, MinCostAssignment(zeros));
    Eigen::MatrixXd bad = Eigen::MatrixXd::Zero(2, 2);
    bad(0, 1) = std::numeric_limits<double>::infinity();
    EXPECT_THROW(MinCostAssignment(bad), std::invalid_argument);
}

// Capacity slots: the Hungarian over capacity copies equals enumeration of
// every neuron-to-worker map with the right block sizes.
TEST(RepurposeAssign, CapacitatedAssignmentMatchesBruteForce)
{
    Rng rng(11, "test-capacitated");
    const std::vector<int> capacities{3, 2, 1};
    for (int trial = 0; trial < 20; ++trial)
    {
        const Eigen::MatrixXd cost = RandomMatrix(6, 3, rng, trial % 2 == 0);
        const std::vector<int> worker = AssignToWorkers(cost, capacities);
        std::vector<int> counts(3, 0);
        for (int k : worker)
        {
            ++counts[static_cast<size_t>(k)];
        }
        EXPECT_EQ(counts, capacities);
        double best = std::numeric_limits<double>::infinity();
        for (int code = 0; code < 729; ++code) // 3^6 maps
        {
            std::vector<int> w(6), c(3, 0);
            for (int i = 0, v = code; i < 6; ++i, v /= 3)
            {
                w[static_cast<size_t>(i)] = v % 3;
                ++c[static_cast<size_t>(v % 3)];
            }
            if (c == capacities)
            {
                best = std::min(best, AssignedCost(cost, w));
            }
        }
        EXPECT_NEAR(AssignedCost(cost, worker), best, 1e-12);
    }
}

} // namespace
