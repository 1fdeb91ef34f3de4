// Server optimizers (model/numeric/server-optimizer.h): FedAvg, FedAvgM,
// FedAdam and FedYogi against Algorithm 2 of Reddi et al. 2021, coordinate by
// coordinate, and input validation.

#include "input-error.h"
#include "server-optimizer.h"

#include "test-util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

using namespace wfl;
using wfltest::InputErrorOf;

namespace
{

/// float results vs double references of magnitude ~1.
constexpr double kTol = 2e-6;

using wfltest::Vec;

} // namespace

namespace
{

const std::vector<double> kGlobal{0.5, -1.0, 2.0, 0.0};
/// Coordinates with Delta^2 above and below tau^2 = 1e-6 and a zero.
const std::vector<double> kAgg1{0.1, -0.2, 5e-4, 0.0};
const std::vector<double> kAgg2{-0.05, 0.3, 1e-2, 1e-4};

std::vector<Eigen::VectorXf>
RunServer(const ServerOptimizerSpec& spec, const std::vector<std::vector<double>>& aggregates,
          std::vector<Eigen::VectorXf>* secondStates = nullptr)
{
    ServerOptimizer opt(spec);
    Eigen::VectorXf w = Vec(kGlobal);
    std::vector<Eigen::VectorXf> iterates;
    for (const auto& a : aggregates)
    {
        opt.Apply(w, Vec(a));
        iterates.push_back(w);
        if (secondStates)
        {
            secondStates->push_back(opt.SecondState());
        }
    }
    EXPECT_EQ(opt.Rounds(), static_cast<int64_t>(aggregates.size()));
    return iterates;
}

} // namespace

TEST(ServerOptimizer, FedAvgWithLrOneAddsAggregateExactly)
{
    ServerOptimizerSpec spec;
    spec.kind = "fedavg";
    spec.learningRate = 1.0;
    const auto iterates = RunServer(spec, {kAgg1, kAgg2});
    const Eigen::VectorXf once = Vec(kGlobal) + Vec(kAgg1);
    const Eigen::VectorXf twice = once + Vec(kAgg2);
    for (Eigen::Index i = 0; i < once.size(); ++i)
    {
        EXPECT_EQ(iterates[0](i), once(i));
        EXPECT_EQ(iterates[1](i), twice(i));
    }
}

TEST(ServerOptimizer, FedAvgScalesByLr)
{
    ServerOptimizerSpec spec;
    spec.kind = "fedavg";
    spec.learningRate = 0.5;
    const auto iterates = RunServer(spec, {kAgg1});
    for (size_t i = 0; i < kGlobal.size(); ++i)
    {
        EXPECT_NEAR(iterates[0](static_cast<Eigen::Index>(i)), kGlobal[i] + 0.5 * kAgg1[i], kTol);
    }
}

TEST(ServerOptimizer, FedAvgMAccumulatesVelocity)
{
    ServerOptimizerSpec spec;
    spec.kind = "fedavgm";
    spec.learningRate = 0.7;
    spec.momentum = 0.9;
    // Round 1: v = a, w1 = w + 0.7 a. Round 2: v = 0.9 a + a, w2 = w1 + 0.7 * 1.9 a
    // = w + 0.7 (1 + 0.9 + 1) a = w + 2.03 a.
    const auto iterates = RunServer(spec, {kAgg1, kAgg1});
    for (size_t i = 0; i < kGlobal.size(); ++i)
    {
        const auto ii = static_cast<Eigen::Index>(i);
        EXPECT_NEAR(iterates[0](ii), kGlobal[i] + 0.7 * kAgg1[i], kTol);
        EXPECT_NEAR(iterates[1](ii), kGlobal[i] + 2.03 * kAgg1[i], kTol);
    }
    // Literal, coordinate 0: 0.5 + 2.03 * 0.1.
    EXPECT_NEAR(iterates[1](0), 0.703, kTol);
}

TEST(ServerOptimizer, FedAdamMatchesAlgorithm2WithoutBiasCorrection)
{
    ServerOptimizerSpec spec;
    spec.kind = "fedadam";
    spec.learningRate = 0.1;
    spec.beta1 = 0.9;
    spec.beta2 = 0.99;
    spec.tau = 1e-3;
    std::vector<Eigen::VectorXf> vs;
    const auto iterates = RunServer(spec, {kAgg1, kAgg2}, &vs);
    const std::vector<std::vector<double>> aggs{kAgg1, kAgg2};
    for (size_t i = 0; i < kGlobal.size(); ++i)
    {
        const auto ii = static_cast<Eigen::Index>(i);
        double w = kGlobal[i];
        double m = 0.0;
        double v = 1e-6; // v_{-1} = tau^2
        for (size_t t = 0; t < aggs.size(); ++t)
        {
            const double d = aggs[t][i];
            m = 0.9 * m + 0.1 * d;
            v = 0.99 * v + 0.01 * d * d;
            w = w + 0.1 * m / (std::sqrt(v) + 1e-3);
            EXPECT_NEAR(vs[t](ii), v, 1e-6 * v) << "round " << t << " coord " << i;
            EXPECT_NEAR(iterates[t](ii), w, kTol) << "round " << t << " coord " << i;
        }
    }
    // Literal, coordinate 0, round 1: m = 0.01, v = 0.99e-6 + 1e-4,
    // w = 0.5 + 0.1 * 0.01 / (sqrt(1.0099e-4) + 1e-3) = 0.5 + 0.0000907...
    EXPECT_NEAR(iterates[0](0), 0.5 + 0.001 / (std::sqrt(1.0099e-4) + 1e-3), kTol);

    // No bias correction: with b2 = 0.999 and a tiny tau the first step is
    // lr (1 - b1) / sqrt(1 - b2) = 3.16 lr per coordinate (Adam's bias-corrected
    // first step would be lr).
    spec.beta2 = 0.999;
    spec.tau = 1e-6;
    const auto noCorrection = RunServer(spec, {kAgg1});
    const double expected = 0.1 * 0.01 / (std::sqrt(0.999e-12 + 0.001 * 0.01) + 1e-6);
    EXPECT_NEAR(noCorrection[0](0) - 0.5, expected, 1e-5);
    EXPECT_GT(noCorrection[0](0) - 0.5f, 3.0f * 0.1f);
}

TEST(ServerOptimizer, FedYogiMatchesAlgorithm2)
{
    ServerOptimizerSpec spec;
    spec.kind = "fedyogi";
    spec.learningRate = 0.1;
    spec.beta1 = 0.9;
    spec.beta2 = 0.99;
    spec.tau = 1e-3;
    std::vector<Eigen::VectorXf> vs;
    const auto iterates = RunServer(spec, {kAgg1, kAgg2}, &vs);
    const std::vector<std::vector<double>> aggs{kAgg1, kAgg2};
    for (size_t i = 0; i < kGlobal.size(); ++i)
    {
        const auto ii = static_cast<Eigen::Index>(i);
        double w = kGlobal[i];
        double m = 0.0;
        double v = 1e-6; // v_{-1} = tau^2
        for (size_t t = 0; t < aggs.size(); ++t)
        {
            const double d2 = aggs[t][i] * aggs[t][i];
            const double sign = v > d2 ? 1.0 : (v < d2 ? -1.0 : 0.0);
            m = 0.9 * m + 0.1 * aggs[t][i];
            v = v - 0.01 * d2 * sign;
            w = w + 0.1 * m / (std::sqrt(v) + 1e-3);
            EXPECT_NEAR(vs[t](ii), v, 1e-6 * v) << "round " << t << " coord " << i;
            EXPECT_NEAR(iterates[t](ii), w, kTol) << "round " << t << " coord " << i;
        }
    }
    // Literal, coordinate 0, round 1: Delta^2 = 0.01 > v = 1e-6, so
    // v = 1e-6 + 0.01 * 0.01 = 1.01e-4.
    EXPECT_NEAR(vs[0](0), 1.01e-4, 1e-10);
}

TEST(ServerOptimizer, FedYogiSecondMomentDiffersFromFedAdam)
{
    // Round 1 makes v large; in round 2 Delta^2 < v: Adam's v decays
    // multiplicatively toward Delta^2, Yogi's only by (1 - b2) Delta^2.
    const std::vector<double> big{1.0, -2.0, 0.5, 1.5};
    const std::vector<double> small{0.01, 0.02, -0.01, 0.0};
    ServerOptimizerSpec spec;
    spec.learningRate = 0.1;
    spec.beta2 = 0.9;
    std::vector<Eigen::VectorXf> vAdam;
    std::vector<Eigen::VectorXf> vYogi;
    spec.kind = "fedadam";
    const auto adam = RunServer(spec, {big, small}, &vAdam);
    spec.kind = "fedyogi";
    const auto yogi = RunServer(spec, {big, small}, &vYogi);
    for (size_t i = 0; i < big.size(); ++i)
    {
        const auto ii = static_cast<Eigen::Index>(i);
        const double v1Yogi = vYogi[0](ii);
        const double v1Adam = vAdam[0](ii);
        const double d2 = small[i] * small[i];
        ASSERT_LT(d2, v1Yogi);
        ASSERT_LT(d2, v1Adam);
        EXPECT_NEAR(vYogi[1](ii), v1Yogi - 0.1 * d2, 1e-6 * v1Yogi);
        EXPECT_NEAR(vAdam[1](ii), 0.9 * v1Adam + 0.1 * d2, 1e-6 * v1Adam);
        EXPECT_GT(vYogi[1](ii), vAdam[1](ii) * 1.05) << "coord " << i;
        // Larger v: a smaller second step for Yogi.
        EXPECT_NE(yogi[1](ii) - yogi[0](ii), adam[1](ii) - adam[0](ii));
    }
}

TEST(ServerOptimizer, StateStartsAtZeroAndTauSquaredAndResets)
{
    ServerOptimizerSpec spec;
    spec.kind = "fedadam";
    spec.tau = 0.01;
    ServerOptimizer opt(spec);
    Eigen::VectorXf w = Vec(kGlobal);
    // Aggregate 0: m stays 0, v = b2 tau^2, and w does not move.
    opt.Apply(w, Eigen::VectorXf::Zero(w.size()));
    for (Eigen::Index i = 0; i < w.size(); ++i)
    {
        EXPECT_EQ(opt.FirstState()(i), 0.0f);
        EXPECT_NEAR(opt.SecondState()(i), 0.99 * 1e-4, 1e-10);
        EXPECT_EQ(w(i), static_cast<float>(kGlobal[static_cast<size_t>(i)]));
    }
    opt.Apply(w, Vec(kAgg1));
    EXPECT_EQ(opt.Rounds(), 2);
    opt.Reset();
    EXPECT_EQ(opt.Rounds(), 0);
    EXPECT_EQ(opt.SecondState().size(), 0);
    // After Reset a different size is accepted; before it, rejected.
    Eigen::VectorXf shorter = Vec({1.0, 2.0});
    opt.Apply(shorter, Vec({0.1, 0.1}));
    EXPECT_NEAR(opt.SecondState()(0), 0.99 * 1e-4 + 0.01 * 0.01, 1e-9);
    EXPECT_THROW(opt.Apply(w, Vec(kAgg1)), std::invalid_argument);
    EXPECT_THROW(opt.Apply(shorter, Vec(kAgg1)), std::invalid_argument);
}

// ---- validation --------------------------------------------------------------------

TEST(OptimizerValidation, ServerRejectsEachBadValueNamingTheKey)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    struct Bad
    {
        std::string key;
        std::function<void(ServerOptimizerSpec&)> set;
    };
    const std::vector<Bad> bad{
        {"server.optimizer", [](ServerOptimizerSpec& s) { s.kind = "fedadagrad"; }},
        {"server.optimizer", [](ServerOptimizerSpec& s) { s.kind = "FedAvg"; }},
        {"server.lr", [](ServerOptimizerSpec& s) { s.learningRate = 0.0; }},
        {"server.lr", [](ServerOptimizerSpec& s) { s.learningRate = 101.0; }},
        {"server.lr", [nan](ServerOptimizerSpec& s) { s.learningRate = nan; }},
        {"server.momentum", [](ServerOptimizerSpec& s) { s.momentum = 1.0; }},
        {"server.momentum", [](ServerOptimizerSpec& s) { s.momentum = -0.1; }},
        {"server.beta1", [](ServerOptimizerSpec& s) { s.beta1 = 1.0; }},
        {"server.beta1", [](ServerOptimizerSpec& s) { s.beta1 = -0.1; }},
        {"server.beta2", [](ServerOptimizerSpec& s) { s.beta2 = 1.0; }},
        {"server.beta2", [nan](ServerOptimizerSpec& s) { s.beta2 = nan; }},
        {"server.tau", [](ServerOptimizerSpec& s) { s.tau = 0.0; }},
        {"server.tau", [](ServerOptimizerSpec& s) { s.tau = 1.5; }},
    };
    for (const Bad& b : bad)
    {
        ServerOptimizerSpec spec;
        b.set(spec);
        const std::string msg = InputErrorOf([&] { ServerOptimizer::Validate(spec); });
        EXPECT_NE(msg.find(b.key), std::string::npos) << b.key << ": '" << msg << "'";
        EXPECT_NE(InputErrorOf([&] { ServerOptimizer opt(spec); }).find(b.key), std::string::npos);
    }
    ServerOptimizerSpec spec;
    spec.tau = 0.0;
    EXPECT_NE(InputErrorOf([&] { ServerOptimizer::Validate(spec); }).find("(0, 1]"),
              std::string::npos);
}

TEST(OptimizerValidation, ServerAcceptsRangeEnds)
{
    for (const std::string kind : {"fedavg", "fedavgm", "fedadam", "fedyogi"})
    {
        ServerOptimizerSpec spec;
        spec.kind = kind;
        spec.learningRate = 100.0;
        spec.momentum = 0.0;
        spec.beta1 = 0.0;
        spec.beta2 = 0.0;
        spec.tau = 1.0;
        EXPECT_NO_THROW(ServerOptimizer::Validate(spec)) << kind;
    }
}
