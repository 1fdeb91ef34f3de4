#include "pilot-estimate.h"

#include <algorithm>
#include <cmath>

namespace wfl
{

double
PilotWeightDeviation(const PilotObservation& pilot)
{
    const double gain = pilot.scale * pilot.amplitude;
    if (!(gain > 0.0) || !(pilot.noisePowerW > 0.0))
    {
        return 0.0;
    }
    return std::sqrt(pilot.noisePowerW / 2.0) / gain;
}

double
EffectiveActiveWeight(const PilotObservation& pilot, const PilotEstimateOptions& options)
{
    const double estimate = pilot.received / (pilot.scale * pilot.amplitude);
    if (options.equalWeights)
    {
        // Equal weights: the pilot counts the active clients.
        return std::max(1.0, std::round(estimate));
    }
    const double clamped = std::max(options.minWeight, estimate);
    if (!options.correctBias || !(clamped > 0.0))
    {
        return clamped;
    }
    const double s = PilotWeightDeviation(pilot);
    const double factor = std::max(0.5, 1.0 - s * s / (clamped * clamped));
    return clamped / factor;
}

double
BlindScale(const NominalClient& n)
{
    const double dataEnergy = n.normBound * n.normBound * n.dataShare;
    const double blockEnergy = dataEnergy * (1.0 + n.pilotFraction);
    if (!(blockEnergy > 0.0) || !(n.gainAbs > 0.0))
    {
        return 0.0;
    }
    const double meanPower = blockEnergy / n.blockUses; // per use, before precoding
    const double papr = n.peakLimit ? std::max(1.0, 2.0 * std::log(n.blockUses)) : 1.0;
    const double byPower = std::sqrt(n.maxPowerW / (papr * meanPower));
    const double byEnergy = std::sqrt(n.energyBudgetJ / (n.useSeconds * blockEnergy));
    // Shave a relative 1e-6 so that a client exactly at the nominal point
    // (||u|| = G after a float clip, evenly spread) passes its own check.
    return n.gainAbs * std::min(byPower, byEnergy) * (1.0 - 1e-6);
}

} // namespace wfl
