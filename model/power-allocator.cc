#include "power-allocator.h"

#include "mse-optimal-rule.h"

#include "ns3/abort.h"
#include "ns3/double.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wfl
{

NS_OBJECT_ENSURE_REGISTERED(PowerAllocator);
NS_OBJECT_ENSURE_REGISTERED(FullPowerAllocator);
NS_OBJECT_ENSURE_REGISTERED(InversionPowerAllocator);
NS_OBJECT_ENSURE_REGISTERED(TruncatedInversionPowerAllocator);
NS_OBJECT_ENSURE_REGISTERED(MseOptimalPowerAllocator);

double
PowerCandidate::MaxAmplitude(double useSeconds) const
{
    if (symbolEnergy <= 0.0 || peakSymbolAbs <= 0.0)
    {
        return 0.0;
    }
    const double byPower = peakLimit ? std::sqrt(maxPowerW) / peakSymbolAbs
                                     : std::sqrt(maxPowerW * uses / symbolEnergy);
    const double byEnergy = std::sqrt(energyBudgetJ / (useSeconds * symbolEnergy));
    // Shave a relative 1e-12 so that rounding in x = a s never crosses a limit.
    return std::min(byPower, byEnergy) * (1.0 - 1e-12);
}

double
PowerCandidate::MaxScale(double useSeconds) const
{
    return gainAbs * MaxAmplitude(useSeconds);
}

namespace
{

/// Inversion of the given set with c = the smallest affordable scale in it.
PowerDecision
InvertSet(const std::vector<PowerCandidate>& candidates, std::vector<bool> active, double useSeconds)
{
    PowerDecision decision;
    decision.inversion = true;
    decision.scale = std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < candidates.size(); ++k)
    {
        if (active[k])
        {
            decision.scale = std::min(decision.scale, candidates[k].MaxScale(useSeconds));
        }
    }
    if (!(decision.scale > 0.0) || std::isinf(decision.scale))
    {
        std::fill(active.begin(), active.end(), false); // nobody can (or wants to) send
        decision.scale = 0.0;
    }
    decision.active = std::move(active);
    return decision;
}

} // namespace

ns3::TypeId
PowerAllocator::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("wfl::PowerAllocator").SetParent<ns3::Object>().SetGroupName("Wfl");
    return tid;
}

PowerDecision
PowerAllocator::Allocate(const std::vector<PowerCandidate>& candidates,
                         const AllocationContext& context) const
{
    for (const PowerCandidate& c : candidates)
    {
        NS_ABORT_MSG_IF(!(c.maxPowerW >= 0.0) || !(c.energyBudgetJ >= 0.0), "negative budget");
    }
    PowerDecision decision = DoAllocate(candidates, context);
    NS_ABORT_MSG_IF(decision.active.size() != candidates.size(), "allocator lost candidates");
    return decision;
}

ns3::TypeId
FullPowerAllocator::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("wfl::FullPowerAllocator")
                                 .SetParent<PowerAllocator>()
                                 .SetGroupName("Wfl")
                                 .AddConstructor<FullPowerAllocator>();
    return tid;
}

PowerDecision
FullPowerAllocator::DoAllocate(const std::vector<PowerCandidate>& candidates,
                               const AllocationContext& context) const
{
    PowerDecision decision;
    decision.inversion = false;
    for (const PowerCandidate& c : candidates)
    {
        const double amplitude = c.MaxAmplitude(context.useSeconds);
        decision.amplitude.push_back(amplitude);
        decision.active.push_back(amplitude > 0.0);
    }
    return decision;
}

ns3::TypeId
InversionPowerAllocator::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("wfl::InversionPowerAllocator")
                                 .SetParent<PowerAllocator>()
                                 .SetGroupName("Wfl")
                                 .AddConstructor<InversionPowerAllocator>();
    return tid;
}

PowerDecision
InversionPowerAllocator::DoAllocate(const std::vector<PowerCandidate>& candidates,
                                    const AllocationContext& context) const
{
    return InvertSet(candidates, std::vector<bool>(candidates.size(), true), context.useSeconds);
}

ns3::TypeId
TruncatedInversionPowerAllocator::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("wfl::TruncatedInversionPowerAllocator")
            .SetParent<PowerAllocator>()
            .SetGroupName("Wfl")
            .AddConstructor<TruncatedInversionPowerAllocator>()
            .AddAttribute("GainThreshold",
                          "Clients whose small-scale fading power |f|^2 is below this stay "
                          "silent in the block (default 0.1).",
                          ns3::DoubleValue(0.1),
                          ns3::MakeDoubleAccessor(
                              &TruncatedInversionPowerAllocator::m_gainThreshold),
                          ns3::MakeDoubleChecker<double>(0.0));
    return tid;
}

PowerDecision
TruncatedInversionPowerAllocator::DoAllocate(const std::vector<PowerCandidate>& candidates,
                                             const AllocationContext& context) const
{
    std::vector<bool> active;
    for (const PowerCandidate& c : candidates)
    {
        active.push_back(c.fadingPower >= m_gainThreshold);
    }
    return InvertSet(candidates, std::move(active), context.useSeconds);
}

ns3::TypeId
MseOptimalPowerAllocator::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("wfl::MseOptimalPowerAllocator")
                                 .SetParent<PowerAllocator>()
                                 .SetGroupName("Wfl")
                                 .AddConstructor<MseOptimalPowerAllocator>();
    return tid;
}

PowerDecision
MseOptimalPowerAllocator::DoAllocate(const std::vector<PowerCandidate>& candidates,
                                     const AllocationContext& context) const
{
    // The spread from the reported norms: mean ||g_k||^2 = G + v under the model.
    const size_t count = candidates.size();
    std::vector<double> scales(count), weights(count);
    MseCostModel model;
    double meanNorm2 = 0.0;
    for (size_t k = 0; k < count; ++k)
    {
        const PowerCandidate& c = candidates[k];
        scales[k] = c.MaxScale(context.useSeconds);
        weights[k] = c.weight;
        model.totalWeight += c.weight;
        model.totalSquaredWeight += c.weight * c.weight;
        meanNorm2 += c.updateNorm2 / (c.weight * c.weight) / static_cast<double>(count);
    }
    if (count == 0)
    {
        return InvertSet(candidates, {}, context.useSeconds);
    }
    model.noiseEnergy = context.noisePowerW * context.noiseGain;
    model.projectionFactor = context.projectionFactor;
    model.commonNorm2 = std::clamp(context.aggregateNorm2, 0.0, meanNorm2);
    model.spread = meanNorm2 - model.commonNorm2;
    return InvertSet(candidates, ChooseMseOptimalSet(scales, weights, model), context.useSeconds);
}

} // namespace wfl
