// Client optimizers (model/numeric/client-optimizer.h): first steps against
// scalar formulas in double precision, Reset and the sizes Step accepts.
// Convergence on an ill-conditioned quadratic is in
// test-client-optimizer-convergence.cc, input validation in
// test-client-optimizer-validation.cc.

#include "client-optimizer.h"

#include "test-util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

using namespace wfl;

namespace
{

/// float results vs double references of magnitude ~1.
constexpr double kTol = 2e-6;

using wfltest::Vec;

} // namespace

namespace
{

const std::vector<double> kW0{1.0, -2.0, 0.5};
/// A different gradient at each of three steps, with mixed signs and scales.
const std::vector<std::vector<double>> kGrads{{0.5, -1.0, 2.0}, {0.25, 0.5, -1.5}, {-0.75, 0.1, 0.3}};
const std::vector<double> kAnchor{0.0, 1.0, -0.5};

/// Runs `spec` for the steps of kGrads from kW0 and returns every iterate.
std::vector<Eigen::VectorXf>
RunClient(const ClientOptimizerSpec& spec, const std::vector<std::vector<double>>& grads)
{
    ClientOptimizer opt(spec);
    Eigen::VectorXf w = Vec(kW0);
    const Eigen::VectorXf anchor = Vec(kAnchor);
    opt.Reset(w.size());
    std::vector<Eigen::VectorXf> iterates;
    for (const auto& g : grads)
    {
        opt.Step(w, Vec(g), anchor);
        iterates.push_back(w);
    }
    return iterates;
}
} // namespace

// ---- client optimizers: hand formulas ------------------------------------------

TEST(ClientOptimizer, SgdFollowsGradientStep)
{
    ClientOptimizerSpec spec;
    spec.kind = "sgd";
    spec.learningRate = 0.1;
    const auto iterates = RunClient(spec, kGrads);
    // Literal: 1 - 0.1 * 0.5.
    EXPECT_NEAR(iterates[0](0), 0.95, kTol);
    for (size_t i = 0; i < kW0.size(); ++i)
    {
        double w = kW0[i];
        for (size_t t = 0; t < kGrads.size(); ++t)
        {
            w = w - 0.1 * kGrads[t][i];
            EXPECT_NEAR(iterates[t](static_cast<Eigen::Index>(i)), w, kTol) << "step " << t << " coord " << i;
        }
    }
}

TEST(ClientOptimizer, SgdWeightDecayIsAddedToGradient)
{
    ClientOptimizerSpec spec;
    spec.kind = "sgd";
    spec.learningRate = 0.1;
    spec.weightDecay = 0.2;
    const auto iterates = RunClient(spec, kGrads);
    // Literal: 1 - 0.1 * (0.5 + 0.2 * 1).
    EXPECT_NEAR(iterates[0](0), 0.93, kTol);
    for (size_t i = 0; i < kW0.size(); ++i)
    {
        double w = kW0[i];
        for (size_t t = 0; t < kGrads.size(); ++t)
        {
            w = w - 0.1 * (kGrads[t][i] + 0.2 * w);
            EXPECT_NEAR(iterates[t](static_cast<Eigen::Index>(i)), w, kTol) << "step " << t << " coord " << i;
        }
    }
}

TEST(ClientOptimizer, MomentumIsHeavyBallPyTorchConvention)
{
    ClientOptimizerSpec spec;
    spec.kind = "momentum";
    spec.learningRate = 0.1;
    spec.momentum = 0.9;
    {
        // Constant gradient 1: v = 1, 1.9, 2.71; w = 0.9, 0.71, 0.439.
        const auto iterates = RunClient(spec, {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}});
        EXPECT_NEAR(iterates[0](0), 0.9, kTol);
        EXPECT_NEAR(iterates[1](0), 0.71, kTol);
        EXPECT_NEAR(iterates[2](0), 0.439, kTol);
    }
    spec.weightDecay = 0.05;
    const auto iterates = RunClient(spec, kGrads);
    for (size_t i = 0; i < kW0.size(); ++i)
    {
        double w = kW0[i];
        double v = 0.0;
        for (size_t t = 0; t < kGrads.size(); ++t)
        {
            const double g = kGrads[t][i] + 0.05 * w;
            v = 0.9 * v + g;
            w = w - 0.1 * v;
            EXPECT_NEAR(iterates[t](static_cast<Eigen::Index>(i)), w, kTol) << "step " << t << " coord " << i;
        }
    }
}

TEST(ClientOptimizer, AdamIsBiasCorrected)
{
    ClientOptimizerSpec spec;
    spec.kind = "adam";
    spec.learningRate = 0.1;
    spec.beta1 = 0.8;
    spec.beta2 = 0.95;
    spec.epsilon = 1e-8;
    {
        // With bias correction a constant gradient moves every coordinate by
        // lr sign(g) per step (up to eps): 1 - 0.1, then 1 - 0.2.
        const auto iterates = RunClient(spec, {{0.5, -3, 1e-3}, {0.5, -3, 1e-3}});
        EXPECT_NEAR(iterates[0](0), 0.9, 1e-6);
        EXPECT_NEAR(iterates[0](1), -1.9, 1e-6);
        EXPECT_NEAR(iterates[0](2), 0.4, 1e-5);
        EXPECT_NEAR(iterates[1](0), 0.8, 1e-6);
        EXPECT_NEAR(iterates[1](1), -1.8, 1e-6);
    }
    const auto iterates = RunClient(spec, kGrads);
    for (size_t i = 0; i < kW0.size(); ++i)
    {
        double w = kW0[i];
        double m = 0.0;
        double v = 0.0;
        for (size_t t = 0; t < kGrads.size(); ++t)
        {
            const double g = kGrads[t][i];
            m = 0.8 * m + 0.2 * g;
            v = 0.95 * v + 0.05 * g * g;
            const double mHat = m / (1.0 - std::pow(0.8, double(t + 1)));
            const double vHat = v / (1.0 - std::pow(0.95, double(t + 1)));
            w = w - 0.1 * mHat / (std::sqrt(vHat) + 1e-8);
            EXPECT_NEAR(iterates[t](static_cast<Eigen::Index>(i)), w, kTol) << "step " << t << " coord " << i;
        }
    }
}

TEST(ClientOptimizer, AdamWeightDecayIsDecoupled)
{
    ClientOptimizerSpec spec;
    spec.kind = "adam";
    spec.learningRate = 0.1;
    spec.weightDecay = 0.2;
    {
        // Zero gradient: the moments stay 0, so w only shrinks by (1 - lr lambda).
        // (Coupled L2 would feed lambda w into Adam and move w by ~lr per step.)
        const auto iterates = RunClient(spec, {{0, 0, 0}, {0, 0, 0}});
        for (size_t i = 0; i < kW0.size(); ++i)
        {
            EXPECT_NEAR(iterates[0](static_cast<Eigen::Index>(i)), kW0[i] * 0.98, kTol);
            EXPECT_NEAR(iterates[1](static_cast<Eigen::Index>(i)), kW0[i] * 0.98 * 0.98, kTol);
        }
    }
    const auto iterates = RunClient(spec, kGrads);
    for (size_t i = 0; i < kW0.size(); ++i)
    {
        double w = kW0[i];
        double m = 0.0;
        double v = 0.0;
        for (size_t t = 0; t < kGrads.size(); ++t)
        {
            const double g = kGrads[t][i];
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            const double mHat = m / (1.0 - std::pow(0.9, double(t + 1)));
            const double vHat = v / (1.0 - std::pow(0.999, double(t + 1)));
            w = w * (1.0 - 0.1 * 0.2) - 0.1 * mHat / (std::sqrt(vHat) + 1e-8);
            EXPECT_NEAR(iterates[t](static_cast<Eigen::Index>(i)), w, kTol) << "step " << t << " coord " << i;
        }
    }
}

TEST(ClientOptimizer, ProximalTermPullsTowardAnchor)
{
    ClientOptimizerSpec spec;
    spec.kind = "sgd";
    spec.learningRate = 0.1;
    spec.proximalMu = 0.5;
    const std::vector<std::vector<double>> zero(3, std::vector<double>{0, 0, 0});
    {
        // grad = 0: w - anchor shrinks by (1 - lr mu) = 0.95 per step.
        // Literal, coordinate 0: 1 - 0.1 * 0.5 * (1 - 0) = 0.95.
        const auto iterates = RunClient(spec, zero);
        EXPECT_NEAR(iterates[0](0), 0.95, kTol);
        for (size_t i = 0; i < kW0.size(); ++i)
        {
            double w = kW0[i];
            for (size_t t = 0; t < zero.size(); ++t)
            {
                w = w - 0.1 * 0.5 * (w - kAnchor[i]);
                EXPECT_NEAR(iterates[t](static_cast<Eigen::Index>(i)), w, kTol);
                EXPECT_LT(std::abs(iterates[t](static_cast<Eigen::Index>(i)) - kAnchor[i]),
                          std::abs(kW0[i] - kAnchor[i]));
            }
        }
    }
    // Momentum, with gradient, weight decay and prox together.
    spec.kind = "momentum";
    spec.momentum = 0.5;
    spec.weightDecay = 0.1;
    const auto momentum = RunClient(spec, kGrads);
    // Adam: the prox gradient enters the moments; weight decay stays decoupled.
    spec.kind = "adam";
    const auto adam = RunClient(spec, kGrads);
    for (size_t i = 0; i < kW0.size(); ++i)
    {
        double w = kW0[i];
        double v = 0.0;
        double wa = kW0[i];
        double m1 = 0.0;
        double m2 = 0.0;
        for (size_t t = 0; t < kGrads.size(); ++t)
        {
            v = 0.5 * v + kGrads[t][i] + 0.1 * w + 0.5 * (w - kAnchor[i]);
            w = w - 0.1 * v;
            EXPECT_NEAR(momentum[t](static_cast<Eigen::Index>(i)), w, kTol);

            const double g = kGrads[t][i] + 0.5 * (wa - kAnchor[i]);
            m1 = 0.9 * m1 + 0.1 * g;
            m2 = 0.999 * m2 + 0.001 * g * g;
            const double mHat = m1 / (1.0 - std::pow(0.9, double(t + 1)));
            const double vHat = m2 / (1.0 - std::pow(0.999, double(t + 1)));
            wa = wa * (1.0 - 0.1 * 0.1) - 0.1 * mHat / (std::sqrt(vHat) + 1e-8);
            EXPECT_NEAR(adam[t](static_cast<Eigen::Index>(i)), wa, kTol);
        }
    }
}

TEST(ClientOptimizer, ResetZeroesState)
{
    for (const std::string kind : {"momentum", "adam"})
    {
        ClientOptimizerSpec spec;
        spec.kind = kind;
        spec.learningRate = 0.1;
        ClientOptimizer opt(spec);
        const Eigen::VectorXf none;
        Eigen::VectorXf w = Vec(kW0);
        opt.Reset(w.size());
        opt.Step(w, Vec(kGrads[0]), none);
        const Eigen::VectorXf firstStep = w;
        opt.Step(w, Vec(kGrads[1]), none);
        EXPECT_EQ(opt.Steps(), 2);

        opt.Reset(w.size());
        EXPECT_EQ(opt.Steps(), 0);
        w = Vec(kW0);
        opt.Step(w, Vec(kGrads[0]), none);
        for (Eigen::Index i = 0; i < w.size(); ++i)
        {
            EXPECT_EQ(w(i), firstStep(i)) << kind;
        }
    }
}

TEST(ClientOptimizer, StepRejectsSizesOtherThanReset)
{
    ClientOptimizerSpec spec;
    spec.proximalMu = 0.1;
    ClientOptimizer opt(spec);
    Eigen::VectorXf w = Vec(kW0);
    const Eigen::VectorXf g = Vec(kGrads[0]);
    EXPECT_THROW(opt.Step(w, g, Vec(kAnchor)), std::invalid_argument); // before Reset
    opt.Reset(3);
    EXPECT_THROW(opt.Step(w, Vec({1, 2}), Vec(kAnchor)), std::invalid_argument);
    EXPECT_THROW(opt.Step(w, g, Eigen::VectorXf()), std::invalid_argument); // prox needs the anchor
    EXPECT_NO_THROW(opt.Step(w, g, Vec(kAnchor)));
}
