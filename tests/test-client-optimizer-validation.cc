// Client optimizers (model/numeric/client-optimizer.h): every bad value of
// the learner.* keys is an input error naming the key and the accepted range,
// and the ends of each range are accepted.

#include "client-optimizer.h"
#include "input-error.h"

#include "test-util.h"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

using namespace wfl;
using wfltest::InputErrorOf;

TEST(OptimizerValidation, ClientRejectsEachBadValueNamingTheKey)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    struct Bad
    {
        std::string key;
        std::function<void(ClientOptimizerSpec&)> set;
    };
    const std::vector<Bad> bad{
        {"learner.optimizer", [](ClientOptimizerSpec& s) { s.kind = "rmsprop"; }},
        {"learner.optimizer", [](ClientOptimizerSpec& s) { s.kind = ""; }},
        {"learner.lr", [](ClientOptimizerSpec& s) { s.learningRate = 0.0; }},
        {"learner.lr", [](ClientOptimizerSpec& s) { s.learningRate = -0.1; }},
        {"learner.lr", [](ClientOptimizerSpec& s) { s.learningRate = 100.5; }},
        {"learner.lr", [nan](ClientOptimizerSpec& s) { s.learningRate = nan; }},
        {"learner.momentum", [](ClientOptimizerSpec& s) { s.momentum = -0.1; }},
        {"learner.momentum", [](ClientOptimizerSpec& s) { s.momentum = 1.0; }},
        {"learner.weight-decay", [](ClientOptimizerSpec& s) { s.weightDecay = -1e-9; }},
        {"learner.weight-decay", [](ClientOptimizerSpec& s) { s.weightDecay = 1.5; }},
        {"learner.prox-mu", [](ClientOptimizerSpec& s) { s.proximalMu = -1.0; }},
        {"learner.prox-mu", [](ClientOptimizerSpec& s) { s.proximalMu = 2e6; }},
        {"learner.prox-mu", [nan](ClientOptimizerSpec& s) { s.proximalMu = nan; }},
        {"learner.beta1", [](ClientOptimizerSpec& s) { s.beta1 = 1.0; }},
        {"learner.beta2", [](ClientOptimizerSpec& s) { s.beta2 = -0.5; }},
        {"learner.epsilon", [](ClientOptimizerSpec& s) { s.epsilon = 0.0; }},
    };
    for (const Bad& b : bad)
    {
        ClientOptimizerSpec spec;
        b.set(spec);
        const std::string msg = InputErrorOf([&] { ClientOptimizer::Validate(spec); });
        EXPECT_NE(msg.find(b.key), std::string::npos) << b.key << ": '" << msg << "'";
        EXPECT_NE(InputErrorOf([&] { ClientOptimizer opt(spec); }).find(b.key), std::string::npos);
    }
    // The message states the accepted range or values.
    ClientOptimizerSpec spec;
    spec.momentum = 1.0;
    EXPECT_NE(InputErrorOf([&] { ClientOptimizer::Validate(spec); }).find("[0, 1)"),
              std::string::npos);
    spec = ClientOptimizerSpec();
    spec.kind = "rmsprop";
    EXPECT_NE(InputErrorOf([&] { ClientOptimizer::Validate(spec); }).find("sgd, momentum, adam"),
              std::string::npos);
}

TEST(OptimizerValidation, ClientAcceptsRangeEnds)
{
    for (const std::string kind : {"sgd", "momentum", "adam"})
    {
        ClientOptimizerSpec spec;
        spec.kind = kind;
        spec.learningRate = 100.0;
        spec.momentum = 0.0;
        spec.weightDecay = 1.0;
        spec.proximalMu = 1e6;
        EXPECT_NO_THROW(ClientOptimizer::Validate(spec)) << kind;
        spec.weightDecay = 0.0;
        spec.proximalMu = 0.0;
        spec.momentum = 0.999;
        spec.learningRate = 1e-9;
        EXPECT_NO_THROW(ClientOptimizer::Validate(spec)) << kind;
    }
}
