/*
 * Keys that cannot take effect under the other settings (scenario-config.h).
 *
 * One table: each row names the key(s) it governs, the condition under which
 * they take effect (as the user would write it), the keys that decide it, and
 * the predicate. A key the user set (file or command line) whose condition
 * does not hold is an InputError; a key left at its default never is. Adding
 * a rule is adding one row. The rows are checked in order and the first one
 * that fails for a key is reported, so scheme-wide rows come first.
 */
#include "compression-keys.h"
#include "compressor-registry.h"
#include "input-error.h"
#include "uplink-parts.h"
#include "scenario-config.h"
#include "shortest-double.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

namespace wfl
{
namespace
{

using Holds = std::function<bool(const ScenarioConfig&)>;

struct InertRule
{
    /// Space-separated keys; "prefix.*" matches every key of the section,
    /// "!key" exempts one key from a wildcard.
    std::string keys;
    /// When the keys take effect, as a setting: "channel.normalized = true".
    std::string condition;
    /// Space-separated keys whose values decide the condition.
    std::string deciders;
    Holds holds;
    /// What to do besides removing the key ("" = "set <condition>").
    std::string fix = "";
};

bool
OverTheAir(const ScenarioConfig& c)
{
    return c.codingScheme == "analog" || c.codingScheme == "rlc";
}

/// The uplink has a radio channel: over the air, or digital over TDMA (not the bit pipe).
bool
OverTheChannel(const ScenarioConfig& c)
{
    return OverTheAir(c) || (c.codingScheme == "digital" && c.compressionLink == "tdma");
}

/// One row per attribute key of an uplink part (uplink-parts.h): it acts only
/// under the choice that has it (channel.rician-k only if channel.fading = rician).
std::vector<InertRule>
PartRules()
{
    std::vector<InertRule> rules;
    for (const PartTable& table : UplinkParts())
    {
        for (const PartChoice& choice : table.choices)
        {
            for (const auto& attribute : choice.attributes)
            {
                const std::string& key = attribute.first;
                if (std::find(table.manualRules.begin(), table.manualRules.end(), key) != table.manualRules.end())
                {
                    continue;
                }
                rules.push_back({key, table.key + " = " + choice.name, table.key,
                                 [choiceKey = table.key, name = choice.name](const ScenarioConfig& c) {
                                     return ResolvedKeys(c).at(choiceKey) == name;
                                 }});
            }
        }
    }
    return rules;
}

/// One row per compressor key: it acts only under the schemes that declare it.
std::vector<InertRule>
CompressorRules()
{
    std::vector<InertRule> rules;
    for (const auto& [name, owners] : CompressorKeyOwners())
    {
        std::string condition;
        for (size_t i = 0; i < owners.size(); ++i)
        {
            condition += (i == 0 ? "" : i + 1 == owners.size() ? " or " : ", ") + owners[i];
        }
        rules.push_back({"compression." + name, "compression.scheme = " + condition, "compression.scheme",
                         [owners = owners](const ScenarioConfig& c) {
                             return std::find(owners.begin(), owners.end(), c.compressionScheme) != owners.end();
                         }});
    }
    // Then one row per key a compressor declared with OnlyIf: under that
    // scheme, the key acts only when its predicate holds for the given values.
    for (const CompressorRegistration& r : CompressorRegistry())
    {
        for (const CompressorKey& k : r.keys)
        {
            if (!k.active)
            {
                continue;
            }
            std::string deciders = "compression.scheme";
            for (const std::string& d : k.deciders)
            {
                deciders += " " + (d.find('.') == std::string::npos ? "compression." + d : d);
            }
            rules.push_back({"compression." + k.name, k.condition, deciders,
                             [scheme = r.scheme, active = k.active](const ScenarioConfig& c) {
                                 return c.compressionScheme != scheme ||
                                        active(c.compressionValues, RunFacts(c));
                             }});
        }
    }
    return rules;
}

// clang-format off
std::vector<InertRule>
BuildRules()
{
    std::vector<InertRule> rules{
        // The exact average has no channel and no power. Idle clients
        // (power.participation) are decided at the client, whatever the uplink.
        {"channel.* power.* !power.participation", "coding.scheme = analog, rlc or digital",
         "coding.scheme", [](const ScenarioConfig& c) { return c.codingScheme != "ideal"; }},
        // The compressor and its digital link.
        {"compression.*", "coding.scheme = digital", "coding.scheme",
         [](const ScenarioConfig& c) { return c.codingScheme == "digital"; }},
        // The error-free bit pipe has no channel and no power.
        {"channel.* power.* !power.participation", "compression.link = tdma", "compression.link",
         OverTheChannel},
        {"compression.bits", "compression.link = pipe", "compression.link",
         [](const ScenarioConfig& c) { return c.compressionLink == "pipe"; }},
        // rlc's code rate and bucket; digital over TDMA gets the same spectrum
        // share (and matches rlc's channel uses through the bucket).
        {"coding.ratio coding.bucket", "coding.scheme = rlc or digital", "coding.scheme",
         [](const ScenarioConfig& c) { return c.codingScheme == "rlc" || c.codingScheme == "digital"; }},
        {"coding.ratio coding.bucket", "compression.link = tdma", "compression.link", OverTheChannel},
        // Digital TDMA sends at full power in its slot: no allocation rule.
        {"power.policy", "coding.scheme = analog or rlc", "coding.scheme", OverTheAir},
        // The threshold also sizes the blind broadcast scale (docs/over-the-air.md).
        {"power.gain-threshold",
         "coding.scheme = analog or rlc and (power.policy = truncated or power.coordination = blind)",
         "coding.scheme power.policy power.coordination",
         [](const ScenarioConfig& c) {
             return OverTheAir(c) && (c.powerPolicy == "truncated" || c.coordination == "blind");
         }},
        // Clients clip to G only without reports.
        {"power.norm-bound", "coding.scheme = analog or rlc and power.coordination = blind",
         "coding.scheme power.coordination",
         [](const ScenarioConfig& c) { return OverTheAir(c) && c.coordination == "blind"; }},
        // Digital is given the rlc slot's report uses too (equal spectrum).
        {"power.feedback-uses", "power.coordination = feedback", "power.coordination",
         [](const ScenarioConfig& c) { return c.coordination == "feedback"; }},
        // Normalized mode: unit path loss, noise from snr-db; physical mode:
        // thermal noise and geometry.
        {"channel.snr-db", "channel.normalized = true", "channel.normalized",
         [](const ScenarioConfig& c) { return c.normalized == "true"; }},
        {"channel.noise-figure-db channel.path-loss channel.positions", "channel.normalized = false",
         "channel.normalized", [](const ScenarioConfig& c) { return c.normalized != "true"; }},
        {"channel.cell-radius-m", "channel.normalized = false and channel.positions is empty",
         "channel.normalized channel.positions",
         [](const ScenarioConfig& c) { return c.normalized != "true" && c.positions.empty(); }},
        {"learner.momentum", "learner.optimizer = momentum", "learner.optimizer",
         [](const ScenarioConfig& c) { return c.training.optimizer.kind == "momentum"; }},
        {"learner.beta1 learner.beta2", "learner.optimizer = adam", "learner.optimizer",
         [](const ScenarioConfig& c) { return c.training.optimizer.kind == "adam"; }},
        {"learner.local-steps", "learner.local-epochs = 0", "learner.local-epochs",
         [](const ScenarioConfig& c) { return c.training.localEpochs == 0; }},
        {"learner.hidden", "learner.model = mlp or cnn", "learner.model",
         [](const ScenarioConfig& c) { return c.model.kind != "softmax"; }},
        {"learner.conv", "learner.model = cnn", "learner.model",
         [](const ScenarioConfig& c) { return c.model.kind == "cnn"; }},
        // Speeds divide the compute time: with none, every client is instant.
        {"learner.compute-spread", "learner.compute-time-s > 0", "learner.compute-time-s",
         [](const ScenarioConfig& c) { return c.computeTimeS > 0.0; }},
        // With spread 0 every distribution gives speed 1.
        {"learner.compute-distribution", "learner.compute-time-s > 0 and learner.compute-spread > 0",
         "learner.compute-time-s learner.compute-spread",
         [](const ScenarioConfig& c) { return c.computeTimeS > 0.0 && c.computeSpread > 0.0; }},
        // Clients with no compute time all report at once: nobody is late.
        {"server.deadline-s", "learner.compute-time-s > 0", "learner.compute-time-s",
         [](const ScenarioConfig& c) { return c.computeTimeS > 0.0; }},
        {"server.momentum", "server.optimizer = fedavgm", "server.optimizer",
         [](const ScenarioConfig& c) { return c.serverOptimizer == "fedavgm"; }},
        {"server.beta1 server.beta2 server.tau", "server.optimizer = fedadam or fedyogi",
         "server.optimizer",
         [](const ScenarioConfig& c) { return c.serverOptimizer == "fedadam" || c.serverOptimizer == "fedyogi"; }},
        {"server.clients-per-round", "server.clients-fraction = 0", "server.clients-fraction",
         [](const ScenarioConfig& c) { return c.clientsFraction == 0.0; }},
        // Sampling all clients leaves nothing to weight.
        {"server.sampling", "fewer clients are sampled per round than data.clients",
         "server.clients-per-round server.clients-fraction data.clients",
         [](const ScenarioConfig& c) { return SampledPerRound(c) < c.clients; },
         "sample fewer clients with server.clients-per-round or server.clients-fraction"},
        {"data.dirichlet-alpha", "data.partition = dirichlet", "data.partition",
         [](const ScenarioConfig& c) { return c.partition == "dirichlet"; }},
        {"data.size-sigma", "data.partition = iid", "data.partition",
         [](const ScenarioConfig& c) { return c.partition == "iid"; }},
        {"data.synthetic-*", "data.dataset = synthetic", "data.dataset",
         [](const ScenarioConfig& c) { return c.dataset == "synthetic"; }},
        {"data.path", "data.dataset = fashion-mnist", "data.dataset",
         [](const ScenarioConfig& c) { return c.dataset == "fashion-mnist"; }},
        {"trace.save-clients", "trace.save-updates is not empty", "trace.save-updates",
         [](const ScenarioConfig& c) { return !c.saveUpdateRounds.empty(); }},
    };
    // After the compression.bits row (index 3): scheme-wide rows stay first.
    std::vector<InertRule> generated = CompressorRules();
    const std::vector<InertRule> parts = PartRules();
    generated.insert(generated.end(), parts.begin(), parts.end());
    rules.insert(rules.begin() + 4, generated.begin(), generated.end());
    return rules;
}
// clang-format on

const std::vector<InertRule>&
Rules()
{
    static const std::vector<InertRule> rules = BuildRules();
    return rules;
}

std::vector<std::string>
Words(const std::string& text)
{
    std::istringstream stream(text);
    std::vector<std::string> words;
    std::string word;
    while (stream >> word)
    {
        words.push_back(word);
    }
    return words;
}

bool
Governs(const InertRule& rule, const std::string& key)
{
    bool matched = false;
    for (const std::string& pattern : Words(rule.keys))
    {
        if (pattern[0] == '!')
        {
            if (pattern.substr(1) == key)
            {
                return false;
            }
        }
        else if (pattern.back() == '*')
        {
            matched = matched || key.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
        }
        else
        {
            matched = matched || pattern == key;
        }
    }
    return matched;
}

std::string
Message(const InertRule& rule, const std::string& key, const ScenarioConfig& config)
{
    const std::map<std::string, std::string> values = ResolvedKeys(config);
    const std::vector<std::string> deciders = Words(rule.deciders);
    std::string state;
    for (const std::string& decider : deciders)
    {
        const std::string& value = values.at(decider);
        const std::string shown = value.empty() ? "empty" : value;
        state += (state.empty() ? "" : ", ") +
                 (deciders.size() == 1 ? "it is " + shown : decider + " is " + shown);
    }
    const std::string fix = !rule.fix.empty() ? rule.fix : "set " + rule.condition;
    return key + " has no effect unless " + rule.condition + " (" + state + "); remove it or " + fix;
}

} // namespace

uint32_t
SampledPerRound(const ScenarioConfig& c)
{
    if (c.clientsFraction > 0.0)
    {
        return std::max(1u, static_cast<uint32_t>(std::lround(c.clientsFraction * c.clients)));
    }
    return c.clientsPerRound == 0 ? c.clients : std::min(c.clientsPerRound, c.clients);
}

std::vector<InertKey>
InertKeys(const ScenarioConfig& config)
{
    std::vector<InertKey> inert;
    for (const KeySpec& key : ScenarioKeys())
    {
        for (const InertRule& rule : Rules())
        {
            if (Governs(rule, key.name) && !rule.holds(config))
            {
                inert.push_back({key.name, rule.condition, Message(rule, key.name, config)});
                break;
            }
        }
    }
    return inert;
}

void
CheckCoordination(const ScenarioConfig& config)
{
    if (!OverTheAir(config) || config.coordination != "blind")
    {
        return;
    }
    if (config.powerPolicy == "mse-optimal" || config.powerPolicy == "inversion")
    {
        throw InputError("power.policy = " + config.powerPolicy +
                         " needs per-client reports (each client's affordable scale), so it "
                         "cannot run with power.coordination = blind; use power.coordination = "
                         "feedback, or power.policy = truncated or full");
    }
    if (!(config.normBound > 0.0))
    {
        throw InputError("power.norm-bound = " + ShortestDouble(config.normBound) +
                         ": power.coordination = blind needs a norm bound G in (0, 1e+12]");
    }
}

void
CheckGivenKeysTakeEffect(const ScenarioConfig& config, const std::set<std::string>& given)
{
    for (const InertKey& inert : InertKeys(config))
    {
        if (given.count(inert.key))
        {
            throw InputError(inert.message);
        }
    }
}

std::vector<std::string>
InertRuleTable()
{
    std::vector<std::string> lines;
    for (const InertRule& rule : Rules())
    {
        std::string keys;
        for (const std::string& word : Words(rule.keys))
        {
            keys += (keys.empty() ? "" : " ") + (word[0] == '!' ? "except " + word.substr(1) : word);
        }
        lines.push_back(keys + ": only if " + rule.condition);
    }
    return lines;
}

} // namespace wfl
