#include "run-diagnosis.h"

#include "evaluation.h"

#include <iomanip>
#include <map>
#include <sstream>

namespace wfl
{

void
RunDiagnosis::Add(const RoundRecord& record)
{
    rounds = record.round;
    roundsWithUpdates += record.uplink.activeClients > 0 ? 1 : 0;
    if (std::isfinite(record.trainLoss))
    {
        finalTrainLoss = record.trainLoss;
        if (!(record.trainLoss >= lowestTrainLoss)) // NaN at first
        {
            lowestTrainLoss = record.trainLoss;
            lowestTrainLossRound = record.round;
        }
    }
    if (!std::isnan(record.testAccuracy))
    {
        finalAccuracy = record.testAccuracy;
        finalTopClassShare = record.testTopClassShare;
    }
}

namespace
{

/// "k1 = v1, k2 = v2" with the values the run used.
class KeyText
{
  public:
    explicit KeyText(const ScenarioConfig& config)
        : m_values(ResolvedKeys(config))
    {
    }

    std::string operator()(std::initializer_list<const char*> names) const
    {
        std::string text;
        for (const char* name : names)
        {
            text += (text.empty() ? "" : ", ") + std::string(name) + " = " + m_values.at(name);
        }
        return text;
    }

  private:
    std::map<std::string, std::string> m_values;
};

/// The keys that set the uplink's error (and, digital, what fits its budget);
/// "" under the ideal uplink.
std::string
UplinkKeys(const ScenarioConfig& config)
{
    if (config.codingScheme == "ideal")
    {
        return "";
    }
    const KeyText keys(config);
    if (config.codingScheme == "digital" && config.compressionLink == "pipe")
    {
        // The bit pipe has no channel: only the compressor and its budget.
        return keys({"compression.bits", "compression.scheme"});
    }
    std::string uplink = config.normalized == "true"
                             ? keys({"channel.snr-db"})
                             : keys({"power.max-dbm", "power.energy-j", "channel.noise-figure-db"});
    if (config.codingScheme != "digital")
    {
        uplink += ", " + keys({"power.policy"});
    }
    if (config.codingScheme != "analog")
    {
        uplink += ", " + keys({"coding.ratio"});
    }
    if (config.codingScheme == "digital")
    {
        uplink += ", " + keys({"compression.scheme"});
    }
    return uplink;
}

/// "likely causes: ...": the keys whose values set the size of a training
/// step or of the uplink's error in it.
std::string
StepTooLargeCauses(const ScenarioConfig& config)
{
    const KeyText keys(config);
    std::string message = "likely causes: " + keys({"learner.lr"}) + " or " + keys({"server.lr"}) + " too high";
    const std::string uplink = UplinkKeys(config);
    if (!uplink.empty())
    {
        // The uplink's error enters the model as a step of its size.
        message += ", or the uplink's noise under coding.scheme = " + config.codingScheme + " (" + uplink + ")";
    }
    return message;
}

std::string
NothingReceivedMessage(const ScenarioConfig& config, const RunDiagnosis& d)
{
    std::string message = "no client update reached the server in any of the " + std::to_string(d.rounds) +
                          " rounds (every message dropped, truncated or over its budget): the final "
                          "model is the initial one";
    const std::string uplink = UplinkKeys(config);
    return uplink.empty() ? message : message + "; check " + uplink;
}

std::string
NearConstantModelMessage(const ScenarioConfig& config, const RunDiagnosis& d)
{
    std::ostringstream text;
    text << std::fixed << std::setprecision(1) << "the final model (round " << d.rounds << ") gives one class to "
         << 100.0 * d.finalTopClassShare << " % of the test images (test accuracy " << std::setprecision(3)
         << d.finalAccuracy << "): its output barely depends on the input. ";
    const bool rose = d.finalTrainLoss >= kCollapseLossRise * d.lowestTrainLoss;
    text << std::setprecision(2) << "The train loss fell to " << d.lowestTrainLoss << " (round "
         << d.lowestTrainLossRound << ") and ended at " << d.finalTrainLoss;
    if (rose)
    {
        text << ": training collapsed, as after a step that left almost every ReLU dead; "
             << StepTooLargeCauses(config);
    }
    else
    {
        const KeyText keys(config);
        text << ": training never got past a near-constant output (a fresh CNN's is one); likely causes: "
             << keys({"learner.lr"}) << " too low or " << keys({"run.rounds"}) << " too few";
    }
    return text.str();
}

} // namespace

std::string
DivergenceMessage(const ScenarioConfig& config, uint32_t round)
{
    return "training diverged in round " + std::to_string(round) + " (the model or a loss became NaN or Inf); " +
           StepTooLargeCauses(config);
}

std::vector<std::string>
CompletionWarnings(const ScenarioConfig& config, const RunDiagnosis& d)
{
    if (d.rounds > 0 && d.roundsWithUpdates == 0)
    {
        return {NothingReceivedMessage(config, d)};
    }
    if (d.finalTopClassShare >= kNearConstantShare)
    {
        return {NearConstantModelMessage(config, d)};
    }
    return {};
}

} // namespace wfl
