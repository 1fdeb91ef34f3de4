/*
 * The learner.* keys of the scenario (scenario-config.h): the model, the
 * clients' local training and optimizer, and their simulated compute time.
 */
#include "learner-keys.h"

#include "compute-speed.h"
#include "scenario-key-builders.h"

namespace wfl
{

using namespace scenario_keys;

void
AddLearnerKeys(std::vector<KeySpec>& keys)
{
    using C = ScenarioConfig;
    keys.push_back(ChoiceKey("learner.model", {"softmax", "mlp", "cnn"},
        [](C& c) -> std::string& { return c.model.kind; },
        "softmax regression, multi-layer perceptron (ReLU), or LeNet-style CNN"));
    keys.push_back(IntListKey("learner.conv", "channels", 1024,
        [](C& c) -> std::vector<int>& { return c.model.conv; },
        "cnn: output channels of the 5x5 conv + 2x2 max-pool stages (LeNet: 6,16)"));
    keys.push_back(IntListKey("learner.hidden", "neurons", 100000,
        [](C& c) -> std::vector<int>& { return c.model.hidden; },
        "hidden fully connected widths of the mlp or after the cnn's conv stages "
        "(e.g. 200, or 120,84 for LeNet)"));
    keys.push_back(RealKey("learner.lr", "", 0.0, 100.0, true,
        [](C& c) -> double& { return c.training.learningRate; }, "client learning rate"));
    keys.push_back(RealKey("learner.lr-decay", "", 0.0, 1.0, true,
        [](C& c) -> double& { return c.training.learningRateDecay; },
        "per-round decay: round t trains at lr * decay^(t-1) (1 = constant)"));
    keys.push_back(UnsignedKey<int>("learner.batch", "samples", 1, 1000000,
        [](C& c) -> int& { return c.training.batchSize; }, "mini-batch size of local SGD"));
    keys.push_back(UnsignedKey<int>("learner.local-steps", "steps", 1, 1000000,
        [](C& c) -> int& { return c.training.localSteps; },
        "local SGD steps per round (used when learner.local-epochs = 0)"));
    keys.push_back(UnsignedKey<int>("learner.local-epochs", "epochs", 0, 10000,
        [](C& c) -> int& { return c.training.localEpochs; },
        "local passes over the client's data per round (0 = use learner.local-steps)"));
    keys.push_back(ChoiceKey("learner.optimizer", {"sgd", "momentum", "adam"},
        [](C& c) -> std::string& { return c.training.optimizer.kind; },
        "client optimizer; its state starts from zero every round"));
    keys.push_back(RealKey("learner.momentum", "", 0.0, 0.999999, false,
        [](C& c) -> double& { return c.training.optimizer.momentum; },
        "momentum: heavy-ball coefficient, in [0, 1)"));
    keys.push_back(RealKey("learner.beta1", "", 0.0, 0.999999, false,
        [](C& c) -> double& { return c.training.optimizer.beta1; }, "adam: first-moment decay, in [0, 1)"));
    keys.push_back(RealKey("learner.beta2", "", 0.0, 0.999999, false,
        [](C& c) -> double& { return c.training.optimizer.beta2; }, "adam: second-moment decay, in [0, 1)"));
    keys.push_back(RealKey("learner.weight-decay", "", 0.0, 1.0, false,
        [](C& c) -> double& { return c.training.optimizer.weightDecay; },
        "L2 weight decay (coupled for sgd/momentum, decoupled AdamW for adam)"));
    keys.push_back(RealKey("learner.prox-mu", "", 0.0, 1e6, false,
        [](C& c) -> double& { return c.training.optimizer.proximalMu; },
        "FedProx: mu/2 ||w - w_global||^2 added to the local loss (0 = FedAvg)"));
    keys.push_back(RealKey("learner.compute-time-s", "s", 0.0, 1e6, false,
        [](C& c) -> double& { return c.computeTimeS; },
        "simulated time of one client's local training per round (at speed 1)"));
    keys.push_back(RealKey("learner.compute-spread", "", 0.0, 10.0, false,
        [](C& c) -> double& { return c.computeSpread; },
        "spread of the clients' compute speeds (0 = all equal): lognormal sigma, uniform "
        "half-width (< 1), or shifted-exponential scale"));
    keys.push_back(ChoiceKey("learner.compute-distribution", ComputeSpeedDistributions(),
        [](C& c) -> std::string& { return c.computeDistribution; },
        "distribution of the per-client compute speeds, drawn once per run"));
}

} // namespace wfl
