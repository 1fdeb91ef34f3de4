// Client optimizers (model/numeric/client-optimizer.h): convergence of sgd,
// heavy-ball momentum and Adam on an ill-conditioned quadratic within a
// budget of steps.

#include "client-optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <string>
#include <vector>

using namespace wfl;

namespace
{

/// f(x) = 0.5 x^T A x - b^T x, A = diag(a), a log-spaced on [1, 100]
/// (condition number 100), minimiser x* = b / a.
struct Quadratic
{
    Eigen::VectorXf a;
    Eigen::VectorXf b;
    Eigen::VectorXf xStar;
};

Quadratic
MakeQuadratic()
{
    const int d = 10;
    Quadratic q;
    q.a.resize(d);
    q.xStar.resize(d);
    for (int i = 0; i < d; ++i)
    {
        q.a(i) = static_cast<float>(std::pow(100.0, i / double(d - 1)));
        q.xStar(i) = static_cast<float>((i % 2 == 0 ? 1.0 : -1.0) * (1.0 + 0.1 * i));
    }
    q.b = q.a.cwiseProduct(q.xStar);
    EXPECT_FLOAT_EQ(q.a.maxCoeff() / q.a.minCoeff(), 100.0f);
    return q;
}

/// Runs `steps` steps from x = 0; returns the final distance to x* and sets
/// `lastAbove` to the last step (1-based) that ended at distance >= 1e-3.
double
MinimiseQuadratic(const ClientOptimizerSpec& spec, int steps, int& lastAbove)
{
    const Quadratic q = MakeQuadratic();
    ClientOptimizer opt(spec);
    Eigen::VectorXf x = Eigen::VectorXf::Zero(q.a.size());
    Eigen::VectorXf grad(q.a.size());
    const Eigen::VectorXf none;
    opt.Reset(x.size());
    lastAbove = 0;
    double dist = (x - q.xStar).norm();
    for (int t = 1; t <= steps; ++t)
    {
        grad = q.a.cwiseProduct(x) - q.b;
        opt.Step(x, grad, none);
        dist = (x - q.xStar).norm();
        if (!(dist < 1e-3))
        {
            lastAbove = t;
        }
    }
    return dist;
}

} // namespace

// ---- client optimizers: convergence --------------------------------------------

// Budgets: sgd at lr = 1/L converges like (1 - 1/100)^t (~800 steps to 1e-3
// from distance 4.3); tuned heavy ball (lr = 4/(sqrt(L)+sqrt(l))^2,
// m = ((sqrt(k)-1)/(sqrt(k)+1))^2) like ~0.82^t; Adam's per-coordinate
// scaling removes the conditioning.
TEST(ClientOptimizer, MinimisesIllConditionedQuadratic)
{
    struct Case
    {
        std::string kind;
        double lr;
        double momentum;
        int budget;
    };
    const std::vector<Case> cases{
        {"sgd", 0.01, 0.0, 1000},
        {"momentum", 4.0 / 121.0, (9.0 / 11.0) * (9.0 / 11.0), 150},
        {"adam", 0.05, 0.0, 1000},
    };
    for (const Case& c : cases)
    {
        ClientOptimizerSpec spec;
        spec.kind = c.kind;
        spec.learningRate = c.lr;
        spec.momentum = c.momentum;
        int lastAbove = 0;
        const double dist = MinimiseQuadratic(spec, c.budget, lastAbove);
        EXPECT_LT(dist, 1e-3) << c.kind << " after " << c.budget << " steps";
        EXPECT_LT(lastAbove, c.budget) << c.kind;
        std::cout << "[ info ] " << c.kind << ": ||x - x*|| < 1e-3 from step " << lastAbove + 1
                  << " on (budget " << c.budget << "), final " << dist << "\n";
    }
}
