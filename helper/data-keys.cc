/*
 * The data.* keys of the scenario (scenario-config.h): which dataset, how
 * many clients and how its training samples are split among them, and the
 * synthetic dataset's shape.
 */
#include "data-keys.h"

#include "scenario-key-builders.h"

namespace wfl
{

using namespace scenario_keys;

void
AddDataKeys(std::vector<KeySpec>& keys)
{
    using C = ScenarioConfig;
    keys.push_back(ChoiceKey("data.dataset", {"fashion-mnist", "synthetic"},
        [](C& c) -> std::string& { return c.dataset; }, "training and test data"));
    keys.push_back(PathKey("data.path", [](C& c) -> std::string& { return c.dataPath; },
        "directory with the IDX files of fashion-mnist"));
    keys.push_back(UnsignedKey<uint32_t>("data.clients", "clients", 1, 100000,
        [](C& c) -> uint32_t& { return c.clients; }, "number of clients (ns-3 nodes)"));
    keys.push_back(ChoiceKey("data.partition", {"iid", "dirichlet"},
        [](C& c) -> std::string& { return c.partition; },
        "how training samples are split among clients"));
    keys.push_back(RealKey("data.dirichlet-alpha", "", 0.0, 1e6, true,
        [](C& c) -> double& { return c.dirichletAlpha; },
        "label-skew concentration of the dirichlet partition (small = skewed)"));
    keys.push_back(RealKey("data.size-sigma", "", 0.0, 5.0, false,
        [](C& c) -> double& { return c.sizeSigma; },
        "log-normal spread of client sizes in the iid partition (0 = equal sizes)"));
    keys.push_back(UnsignedKey<uint32_t>("data.train-samples", "samples", 0, 100000000,
        [](C& c) -> uint32_t& { return c.trainSamples; },
        "use only the first N training samples (0 = all)"));
    keys.push_back(UnsignedKey<uint32_t>("data.test-samples", "samples", 0, 100000000,
        [](C& c) -> uint32_t& { return c.testSamples; },
        "use only the first N test samples (0 = all)"));
    keys.push_back(UnsignedKey<uint32_t>("data.synthetic-classes", "classes", 2, 1000,
        [](C& c) -> uint32_t& { return c.syntheticClasses; }, "synthetic: number of classes"));
    keys.push_back(UnsignedKey<uint32_t>("data.synthetic-dim", "features", 1, 100000,
        [](C& c) -> uint32_t& { return c.syntheticDim; }, "synthetic: feature dimension"));
    keys.push_back(UnsignedKey<uint32_t>("data.synthetic-train", "samples", 1, 10000000,
        [](C& c) -> uint32_t& { return c.syntheticTrain; }, "synthetic: training samples"));
    keys.push_back(UnsignedKey<uint32_t>("data.synthetic-test", "samples", 1, 10000000,
        [](C& c) -> uint32_t& { return c.syntheticTest; }, "synthetic: test samples"));
    keys.push_back(RealKey("data.synthetic-separation", "", 0.0, 1000.0, false,
        [](C& c) -> double& { return c.syntheticSeparation; },
        "synthetic: class-mean spread in noise standard deviations"));
}

} // namespace wfl
