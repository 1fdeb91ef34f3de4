/*
 * The scenario keys: name, unit, accepted range, help, and how each one is
 * parsed into a ScenarioConfig and shown back (scenario-config.h).
 */
#include "compute-speed.h"
#include "compression-keys.h"
#include "input-error.h"
#include "key-parsing.h"
#include "scenario-config.h"
#include "shortest-double.h"
#include "trace-keys.h"
#include "uplink-parts.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace wfl
{
namespace
{


[[noreturn]] void
Reject(const std::string& key, const std::string& text, const std::string& expected)
{
    RejectKey(key, text, expected);
}

std::string
Trim(const std::string& s)
{
    return TrimKey(s);
}

uint64_t
ParseUnsigned(const std::string& key, const std::string& raw, uint64_t lo, uint64_t hi)
{
    return ParseUnsignedKey(key, raw, lo, hi);
}

double
ParseReal(const std::string& key, const std::string& raw, double lo, double hi, bool lowOpen)
{
    return ParseRealKey(key, raw, lo, hi, lowOpen);
}

template <typename T, typename Access>
KeySpec
UnsignedKey(std::string name, std::string unit, uint64_t lo, uint64_t hi, Access access, std::string help)
{
    KeySpec key;
    key.name = name;
    key.unit = std::move(unit);
    key.range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    key.help = std::move(help);
    key.apply = [name, lo, hi, access](const std::string& text, ScenarioConfig& c) {
        access(c) = static_cast<T>(ParseUnsigned(name, text, lo, hi));
    };
    key.show = [access](const ScenarioConfig& c) {
        return std::to_string(access(const_cast<ScenarioConfig&>(c)));
    };
    return key;
}

template <typename Access>
KeySpec
RealKey(std::string name, std::string unit, double lo, double hi, bool lowOpen, Access access, std::string help)
{
    KeySpec key;
    key.name = name;
    key.unit = std::move(unit);
    key.range = std::string(lowOpen ? "(" : "[") + ShortestDouble(lo) + ", " + ShortestDouble(hi) + "]";
    key.help = std::move(help);
    key.apply = [name, lo, hi, lowOpen, access](const std::string& text, ScenarioConfig& c) {
        access(c) = ParseReal(name, text, lo, hi, lowOpen);
    };
    key.show = [access](const ScenarioConfig& c) {
        return ShortestDouble(access(const_cast<ScenarioConfig&>(c)));
    };
    return key;
}

template <typename Access>
KeySpec
ChoiceKey(std::string name, std::vector<std::string> choices, Access access, std::string help)
{
    KeySpec key;
    key.name = name;
    for (const std::string& choice : choices)
    {
        key.range += (key.range.empty() ? "" : " | ") + choice;
    }
    key.help = std::move(help);
    key.apply = [name, choices, range = key.range, access](const std::string& raw, ScenarioConfig& c) {
        const std::string text = Trim(raw);
        for (const std::string& choice : choices)
        {
            if (text == choice)
            {
                access(c) = text;
                return;
            }
        }
        Reject(name, raw, "one of " + range);
    };
    key.show = [access](const ScenarioConfig& c) { return access(const_cast<ScenarioConfig&>(c)); };
    return key;
}

template <typename Access>
KeySpec
PathKey(std::string name, Access access, std::string help)
{
    KeySpec key;
    key.name = name;
    key.unit = "path";
    key.range = "non-empty path";
    key.help = std::move(help);
    key.apply = [name, access](const std::string& raw, ScenarioConfig& c) {
        const std::string text = Trim(raw);
        if (text.empty())
        {
            Reject(name, raw, "a non-empty path");
        }
        access(c) = text;
    };
    key.show = [access](const ScenarioConfig& c) { return access(const_cast<ScenarioConfig&>(c)); };
    return key;
}

/// A comma-separated list of integers in [1, hi] (layer widths, channels).
template <typename Access>
KeySpec
IntListKey(std::string name, std::string unit, uint64_t hi, Access access, std::string help)
{
    KeySpec key;
    key.name = name;
    key.unit = std::move(unit);
    key.range = "comma-separated integers in [1, " + std::to_string(hi) + "]";
    key.help = std::move(help);
    key.apply = [name, hi, range = key.range, access](const std::string& raw, ScenarioConfig& c) {
        std::vector<int> values;
        std::stringstream stream(raw);
        std::string item;
        while (std::getline(stream, item, ','))
        {
            values.push_back(static_cast<int>(ParseUnsigned(name, item, 1, hi)));
        }
        if (values.empty())
        {
            Reject(name, raw, range);
        }
        access(c) = values;
    };
    key.show = [access](const ScenarioConfig& c) {
        std::string text;
        for (int v : access(const_cast<ScenarioConfig&>(c)))
        {
            text += (text.empty() ? "" : ",") + std::to_string(v);
        }
        return text;
    };
    return key;
}

KeySpec
BucketKey()
{
    KeySpec key;
    key.name = "coding.bucket";
    key.unit = "coordinates";
    key.range = "a power of two in [2, 16777216]";
    key.help = "rlc: bucket length n of the Walsh-Hadamard transform";
    key.apply = [](const std::string& text, ScenarioConfig& c) {
        const uint64_t n = ParseUnsigned("coding.bucket", text, 2, 16777216);
        if ((n & (n - 1)) != 0)
        {
            Reject("coding.bucket", text, "a power of two in [2, 16777216]");
        }
        c.codingBucket = static_cast<uint32_t>(n);
    };
    key.show = [](const ScenarioConfig& c) { return std::to_string(c.codingBucket); };
    key.attribute = "BucketLength";
    return key;
}

KeySpec
PositionsKey()
{
    KeySpec key;
    key.name = "channel.positions";
    key.unit = "m";
    key.range = "empty, or x,y pairs separated by ';'";
    key.help = "fixed client positions (one per client) instead of the random drop";
    key.apply = [](const std::string& raw, ScenarioConfig& c) {
        const std::string text = Trim(raw);
        std::stringstream stream(text);
        std::string pair;
        while (std::getline(stream, pair, ';'))
        {
            const size_t comma = pair.find(',');
            if (comma == std::string::npos)
            {
                Reject("channel.positions", raw, "x,y pairs separated by ';'");
            }
            ParseReal("channel.positions", pair.substr(0, comma), -1e7, 1e7, false);
            ParseReal("channel.positions", pair.substr(comma + 1), -1e7, 1e7, false);
        }
        c.positions = text;
    };
    key.show = [](const ScenarioConfig& c) { return c.positions; };
    return key;
}

std::vector<KeySpec>
BuildKeys()
{
    using C = ScenarioConfig;
    std::vector<KeySpec> keys;
    keys.push_back(UnsignedKey<uint32_t>("run.rounds", "rounds", 1, 1000000,
        [](C& c) -> uint32_t& { return c.rounds; }, "number of federated rounds"));
    keys.push_back(UnsignedKey<uint64_t>("run.seed", "", 0, std::numeric_limits<int64_t>::max(),
        [](C& c) -> uint64_t& { return c.seed; },
        "seed of every random stream of the run (data split, init, batches)"));
    keys.back().attribute = "Seed";
    keys.push_back(UnsignedKey<uint32_t>("run.eval-every", "rounds", 1, 1000000,
        [](C& c) -> uint32_t& { return c.evalEvery; },
        "evaluate the global model every this many rounds (and always in the last)"));

    keys.push_back(UnsignedKey<uint32_t>("run.threads", "threads", 0, 1024,
        [](C& c) -> uint32_t& { return c.threads; },
        "worker threads for local training and evaluation (0 = all cores); results do "
        "not depend on it"));
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

    keys.push_back(ChoiceKey("coding.scheme", {"ideal", "analog", "rlc", "digital"},
        [](C& c) -> std::string& { return c.codingScheme; },
        "uplink: exact average, uncoded over the air, random linear coding over the air, "
        "or orthogonal digital (TDMA + quantization)"));
    keys.back().attribute = "Coding"; // over the air: analog | rlc
    keys.push_back(RealKey("coding.ratio", "", 0.0, 1.0, true,
        [](C& c) -> double& { return c.codingRatio; },
        "rlc: k/n, real symbols per coordinate; digital: the same spectrum share"));
    keys.back().attribute = "CodingRatio";
    keys.push_back(BucketKey());
    AddCompressionKeys(keys);
    keys.push_back(ChoiceKey("channel.fading", PartChoiceNames(UplinkPart("channel.fading")),
        [](C& c) -> std::string& { return c.fading; }, "small-scale block fading, E|h|^2 = 1"));
    keys.push_back(RealKey("channel.rician-k", "", 0.0, 1e6, false,
        [](C& c) -> double& { return c.ricianK; }, "rician K factor (linear)"));
    keys.push_back(RealKey("channel.nakagami-m", "", 0.5, 1e6, false,
        [](C& c) -> double& { return c.nakagamiM; }, "nakagami shape m"));
    keys.push_back(UnsignedKey<uint32_t>("channel.coherence-uses", "uses", 0, 1000000000,
        [](C& c) -> uint32_t& { return c.coherenceUses; },
        "channel uses per fading block within a round, pilot included (0 = one block per "
        "round; else >= 2)"));
    keys.back().attribute = "CoherenceUses";
    keys.push_back(RealKey("channel.bandwidth-hz", "Hz", 1.0, 1e12, false,
        [](C& c) -> double& { return c.bandwidthHz; }, "bandwidth; a channel use lasts 1/B"));
    keys.back().attribute = "BandwidthHz";
    keys.push_back(RealKey("channel.noise-figure-db", "dB", 0.0, 100.0, false,
        [](C& c) -> double& { return c.noiseFigureDb; }, "receiver noise figure"));
    keys.back().attribute = "NoiseFigureDb";
    keys.push_back(ChoiceKey("channel.normalized", {"false", "true"},
        [](C& c) -> std::string& { return c.normalized; },
        "textbook mode: unit path loss and noise set by channel.snr-db"));
    keys.back().attribute = "Normalized";
    keys.push_back(RealKey("channel.snr-db", "dB", -100.0, 200.0, false,
        [](C& c) -> double& { return c.snrDb; },
        "normalized mode: P_max / sigma^2 per channel use"));
    keys.back().attribute = "SnrDb";
    keys.push_back(PathKey("channel.path-loss", [](C& c) -> std::string& { return c.pathLoss; },
        "ns-3 PropagationLossModel, with attributes: ns3::Type[Attr=value|...]"));
    keys.back().unit = "TypeId";
    keys.back().range = "a PropagationLossModel TypeId";
    keys.push_back(RealKey("channel.cell-radius-m", "m", 0.0, 1e7, true,
        [](C& c) -> double& { return c.cellRadiusM; },
        "clients drop uniformly in a disk of this radius around the server"));
    keys.push_back(PositionsKey());
    keys.push_back(ChoiceKey("power.policy", PartChoiceNames(UplinkPart("power.policy")),
        [](C& c) -> std::string& { return c.powerPolicy; },
        "over-the-air power allocation"));
    keys.push_back(RealKey("power.max-dbm", "dBm", -100.0, 100.0, false,
        [](C& c) -> double& { return c.maxPowerDbm; },
        "transmit power limit per client: bounds the block mean or every symbol, as power.limit "
        "says"));
    keys.back().attribute = "MaxPowerDbm";
    keys.push_back(ChoiceKey("power.limit", {"average", "peak"},
        [](C& c) -> std::string& { return c.powerLimit; },
        "what power.max-dbm bounds: the mean power over each coherence block a client sends in "
        "(average; single symbols may exceed it), or every symbol (peak)"));
    keys.back().attribute = "PowerLimit";
    keys.push_back(RealKey("power.energy-j", "J", 0.0, 1e6, true,
        [](C& c) -> double& { return c.energyBudgetJ; }, "uplink energy budget per client and round"));
    keys.back().attribute = "EnergyBudgetJ";
    keys.push_back(RealKey("power.gain-threshold", "", 0.0, 1e6, false,
        [](C& c) -> double& { return c.gainThreshold; },
        "truncated: clients with fading power |h|^2 below this stay silent"));
    keys.back().attribute = "BlindGainThreshold";
    keys.push_back(ChoiceKey("power.coordination", {"feedback", "blind"},
        [](C& c) -> std::string& { return c.coordination; },
        "over the air: per-client reports before the slot (charged uses and energy; the "
        "server knows W), or none (c from power.norm-bound, W from the pilot)"));
    keys.back().attribute = "Coordination";
    keys.push_back(UnsignedKey<uint32_t>("power.feedback-uses", "uses", 0, 1000000,
        [](C& c) -> uint32_t& { return c.feedbackUses; },
        "feedback: channel uses of one client's report per coherence block (16 = two "
        "float32 at 4 bit/use; 0 = free feedback, an idealisation)"));
    keys.back().attribute = "FeedbackUses";
    keys.push_back(RealKey("power.norm-bound", "", 0.0, 1e12, false,
        [](C& c) -> double& { return c.normBound; },
        "blind: clients clip ||w_k g_k|| to this bound G, from which the server sets c "
        "(required > 0 with blind)"));
    keys.back().attribute = "NormBound";
    keys.push_back(RealKey("power.participation", "", 0.0, 1.0, false,
        [](C& c) -> double& { return c.participation; },
        "probability that a client takes part in a round (idle otherwise)"));

    keys.push_back(PathKey("output", [](C& c) -> std::string& { return c.output; },
        "HDF5 trace file to write (never overwritten without --overwrite)"));
    AddTraceKeys(keys);
    return keys;
}

} // namespace

const std::vector<KeySpec>&
ScenarioKeys()
{
    static const std::vector<KeySpec> keys = BuildKeys();
    return keys;
}

} // namespace wfl
