/*
 * Fixtures shared by the digital-baseline tests (test-digital*.cc): the
 * over-the-air fixtures' updates, contributions and normalized channel
 * (ota-fixtures.h), and a digital aggregator over Rayleigh fading.
 */
#ifndef WFL_DIGITAL_FIXTURES_H
#define WFL_DIGITAL_FIXTURES_H

#include "digital-aggregator.h"
#include "ota-fixtures.h"

namespace digitaltest
{

using otatest::Channel;
using otatest::Contributions;
using otatest::MakeUpdates;

/// A digital slot of totalUses channel uses (0: the rlc slot's uses).
inline ns3::Ptr<wfl::DigitalAggregator>
Digital(ns3::Ptr<wfl::MultipleAccessChannel> channel, uint64_t totalUses)
{
    auto digital = ns3::CreateObjectWithAttributes<wfl::DigitalAggregator>("TotalUses", ns3::UintegerValue(totalUses));
    digital->SetAttribute("Channel", ns3::PointerValue(channel));
    digital->SetAttribute("Fading", ns3::PointerValue(ns3::CreateObject<wfl::RayleighFading>()));
    return digital;
}

} // namespace digitaltest

#endif
