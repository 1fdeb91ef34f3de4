/*
 * The server.* keys of the scenario (scenario-config.h): the server's
 * optimizer step, client sampling per round, and the round deadline.
 */
#include "server-keys.h"

#include "scenario-key-builders.h"

namespace wfl
{

using namespace scenario_keys;

void
AddServerKeys(std::vector<KeySpec>& keys)
{
    using C = ScenarioConfig;
    keys.push_back(RealKey("server.lr", "", 0.0, 100.0, true,
        [](C& c) -> double& { return c.serverLr; },
        "server step on the aggregated update (1 = FedAvg)"));
    keys.push_back(ChoiceKey("server.optimizer", {"fedavg", "fedavgm", "fedadam", "fedyogi"},
        [](C& c) -> std::string& { return c.serverOptimizer; },
        "server step on the aggregate as a pseudo-gradient (Reddi et al. 2021)"));
    keys.push_back(RealKey("server.momentum", "", 0.0, 0.999999, false,
        [](C& c) -> double& { return c.serverMomentum; }, "fedavgm: server momentum, in [0, 1)"));
    keys.push_back(RealKey("server.beta1", "", 0.0, 0.999999, false,
        [](C& c) -> double& { return c.serverBeta1; }, "fedadam/fedyogi: first-moment decay"));
    keys.push_back(RealKey("server.beta2", "", 0.0, 0.999999, false,
        [](C& c) -> double& { return c.serverBeta2; }, "fedadam/fedyogi: second-moment decay"));
    keys.push_back(RealKey("server.tau", "", 0.0, 1.0, true,
        [](C& c) -> double& { return c.serverTau; }, "fedadam/fedyogi: adaptivity tau"));
    keys.push_back(UnsignedKey<uint32_t>("server.clients-per-round", "clients", 0, 100000,
        [](C& c) -> uint32_t& { return c.clientsPerRound; },
        "clients sampled each round (0, or data.clients or more, = all)"));
    keys.push_back(RealKey("server.clients-fraction", "", 0.0, 1.0, false,
        [](C& c) -> double& { return c.clientsFraction; },
        "fraction of the clients sampled each round, at least one (0 = use "
        "server.clients-per-round)"));
    keys.push_back(ChoiceKey("server.sampling", {"uniform", "size"},
        [](C& c) -> std::string& { return c.sampling; },
        "client sampling: uniform, or proportional to data size"));
    keys.push_back(RealKey("server.deadline-s", "s", 0.0, 1e9, false,
        [](C& c) -> double& { return c.deadlineS; },
        "round deadline after the broadcast; later clients are dropped (0 = none)"));
}

} // namespace wfl
