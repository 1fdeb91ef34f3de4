/*
 * Fixtures shared by the over-the-air tests: fixed client updates, their
 * contributions, a normalized channel and an aggregator.
 */
#ifndef WFL_OTA_FIXTURES_H
#define WFL_OTA_FIXTURES_H

#include "over-the-air-aggregator.h"
#include "power-allocator.h"
#include "random.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/object-factory.h"
#include "ns3/pointer.h"
#include "ns3/uinteger.h"

#include <vector>

namespace otatest
{

/// Fixed client updates of dimension dim: a common direction plus spread.
inline std::vector<Eigen::VectorXf>
MakeUpdates(size_t clients, Eigen::Index dim, uint64_t seed, double spread = 0.5)
{
    wfl::Rng rng(seed, "test-updates");
    Eigen::VectorXf common(dim);
    for (Eigen::Index i = 0; i < dim; ++i)
    {
        common(i) = static_cast<float>(0.01 * rng.Normal());
    }
    std::vector<Eigen::VectorXf> updates;
    for (size_t k = 0; k < clients; ++k)
    {
        Eigen::VectorXf u = common;
        for (Eigen::Index i = 0; i < dim; ++i)
        {
            u(i) += static_cast<float>(0.01 * spread * rng.Normal());
        }
        updates.push_back(u);
    }
    return updates;
}

/// Weights 100 each, or 50 + 25 k (unequal).
inline std::vector<wfl::ClientContribution>
Contributions(const std::vector<Eigen::VectorXf>& updates, bool equalWeights = true)
{
    std::vector<wfl::ClientContribution> out;
    for (size_t k = 0; k < updates.size(); ++k)
    {
        out.push_back({static_cast<uint32_t>(k), &updates[k], equalWeights ? 100.0 : 50.0 + 25.0 * k});
    }
    return out;
}

/// The exact weighted average of the contributions.
inline Eigen::VectorXd
Exact(const std::vector<wfl::ClientContribution>& contributions)
{
    return wfl::WeightedAverage(contributions);
}

/// Normalized channel; the reference power defaults to 1 W (tests that
/// follow the scenario set it to P_max, as helper/uplink-builder.cc does).
inline ns3::Ptr<wfl::MultipleAccessChannel>
Channel(bool noiseless, double snrDb = 10.0, double referencePowerW = 1.0)
{
    return ns3::CreateObjectWithAttributes<wfl::MultipleAccessChannel>(
        "Normalized", ns3::BooleanValue(true), "SnrDb", ns3::DoubleValue(snrDb),
        "Noiseless", ns3::BooleanValue(noiseless), "ReferencePowerW", ns3::DoubleValue(referencePowerW));
}

inline ns3::Ptr<wfl::OverTheAirAggregator>
Ota(wfl::OverTheAirAggregator::Coding coding,
    double ratio,
    ns3::Ptr<wfl::MultipleAccessChannel> channel,
    ns3::Ptr<wfl::FadingModel> fading,
    ns3::Ptr<wfl::PowerAllocator> allocator)
{
    auto ota = ns3::CreateObjectWithAttributes<wfl::OverTheAirAggregator>(
        "Coding", ns3::EnumValue(coding), "CodingRatio", ns3::DoubleValue(ratio),
        "BucketLength", ns3::UintegerValue(256), "PowerAllocator", ns3::PointerValue(allocator));
    ota->SetAttribute("Channel", ns3::PointerValue(channel));
    ota->SetAttribute("Fading", ns3::PointerValue(fading));
    return ota;
}

} // namespace otatest

#endif
