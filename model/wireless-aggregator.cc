#include "wireless-aggregator.h"

#include "random.h"

#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/pointer.h"
#include "ns3/uinteger.h"

#include <cmath>

namespace wfl
{

NS_OBJECT_ENSURE_REGISTERED(WirelessAggregator);

ns3::TypeId
WirelessAggregator::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("wfl::WirelessAggregator")
            .SetParent<Aggregator>()
            .SetGroupName("Wfl")
            .AddAttribute("Seed",
                          "Run seed of the shared randomness: fading, noise, codes (default 1).",
                          ns3::UintegerValue(1),
                          ns3::MakeUintegerAccessor(&WirelessAggregator::m_seed),
                          ns3::MakeUintegerChecker<uint64_t>())
            .AddAttribute("CoherenceUses",
                          "Channel uses per fading block within a round; 0 = one block per "
                          "round (default 0).",
                          ns3::UintegerValue(0),
                          ns3::MakeUintegerAccessor(&WirelessAggregator::m_coherenceUses),
                          ns3::MakeUintegerChecker<uint32_t>())
            .AddAttribute("MaxPowerDbm",
                          "Transmit power limit P_max of every client, dBm: a bound on the mean "
                          "power over each coherence block or on every symbol, as PowerLimit "
                          "says (default 23).",
                          ns3::DoubleValue(23.0),
                          ns3::MakeDoubleAccessor(&WirelessAggregator::m_maxPowerDbm),
                          ns3::MakeDoubleChecker<double>(-100.0, 100.0))
            .AddAttribute("PowerLimit",
                          "What MaxPowerDbm bounds: the mean power over each coherence block a "
                          "client sends in (Average; single symbols may exceed it) or every "
                          "symbol (Peak) (default Average).",
                          ns3::EnumValue(AVERAGE),
                          ns3::MakeEnumAccessor(&WirelessAggregator::m_powerLimit),
                          ns3::MakeEnumChecker(AVERAGE, "average", PEAK, "peak"))
            .AddAttribute("EnergyBudgetJ",
                          "Uplink energy budget of every client per round, J (default 0.01).",
                          ns3::DoubleValue(0.01),
                          ns3::MakeDoubleAccessor(&WirelessAggregator::m_energyBudgetJ),
                          ns3::MakeDoubleChecker<double>(0.0))
            .AddAttribute("Channel",
                          "The multiple-access channel (default: a new one).",
                          ns3::PointerValue(),
                          ns3::MakePointerAccessor(&WirelessAggregator::m_channel),
                          ns3::MakePointerChecker<MultipleAccessChannel>())
            .AddAttribute("Fading",
                          "Small-scale fading model (default wfl::RayleighFading).",
                          ns3::PointerValue(),
                          ns3::MakePointerAccessor(&WirelessAggregator::m_fading),
                          ns3::MakePointerChecker<FadingModel>())
            .AddAttribute("Links",
                          "Client-server links for path loss (default: none, 0 dB).",
                          ns3::PointerValue(),
                          ns3::MakePointerAccessor(&WirelessAggregator::m_links),
                          ns3::MakePointerChecker<RadioLinks>());
    return tid;
}

void
WirelessAggregator::EnsureParts()
{
    if (!m_channel)
    {
        m_channel = ns3::CreateObject<MultipleAccessChannel>();
    }
    if (!m_fading)
    {
        m_fading = ns3::CreateObject<RayleighFading>();
    }
}

void
WirelessAggregator::DoDispose()
{
    m_channel = nullptr;
    m_fading = nullptr;
    m_links = nullptr;
    Aggregator::DoDispose();
}

double
WirelessAggregator::MaxPowerW() const
{
    return std::pow(10.0, (m_maxPowerDbm - 30.0) / 10.0);
}

std::vector<std::complex<double>>
WirelessAggregator::DrawFading(uint32_t client, uint32_t round, size_t blocks) const
{
    Rng rng(m_seed, "fading", client, round);
    std::vector<std::complex<double>> gains(blocks);
    for (auto& g : gains)
    {
        g = m_fading->Sample(rng);
    }
    return gains;
}

double
WirelessAggregator::PathLossDb(uint32_t client) const
{
    if (!m_links || m_channel->IsNormalized())
    {
        return 0.0;
    }
    return m_links->PathLossDb(client);
}

} // namespace wfl
