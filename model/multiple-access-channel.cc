#include "multiple-access-channel.h"

#include "random.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/double.h"

#include <cmath>

namespace wfl
{

NS_OBJECT_ENSURE_REGISTERED(MultipleAccessChannel);

ns3::TypeId
MultipleAccessChannel::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("wfl::MultipleAccessChannel")
            .SetParent<ns3::Object>()
            .SetGroupName("Wfl")
            .AddConstructor<MultipleAccessChannel>()
            .AddAttribute("BandwidthHz",
                          "Bandwidth B; a channel use lasts 1/B (default 1 MHz).",
                          ns3::DoubleValue(1e6),
                          ns3::MakeDoubleAccessor(&MultipleAccessChannel::m_bandwidthHz),
                          ns3::MakeDoubleChecker<double>(1.0))
            .AddAttribute("NoiseFigureDb",
                          "Receiver noise figure, dB (default 7).",
                          ns3::DoubleValue(7.0),
                          ns3::MakeDoubleAccessor(&MultipleAccessChannel::m_noiseFigureDb),
                          ns3::MakeDoubleChecker<double>(0.0))
            .AddAttribute("Normalized",
                          "Textbook mode: noise power 10^(-SnrDb/10) W instead of thermal "
                          "(default false).",
                          ns3::BooleanValue(false),
                          ns3::MakeBooleanAccessor(&MultipleAccessChannel::m_normalized),
                          ns3::MakeBooleanChecker())
            .AddAttribute("SnrDb",
                          "Normalized mode: SNR of a 1 W symbol over unit gain, dB (default 10).",
                          ns3::DoubleValue(10.0),
                          ns3::MakeDoubleAccessor(&MultipleAccessChannel::m_snrDb),
                          ns3::MakeDoubleChecker<double>(-300.0, 300.0))
            .AddAttribute("ReferencePowerW",
                          "Normalized mode: transmit power the SNR refers to, W (default 1).",
                          ns3::DoubleValue(1.0),
                          ns3::MakeDoubleAccessor(&MultipleAccessChannel::m_referencePowerW),
                          ns3::MakeDoubleChecker<double>(0.0))
            .AddAttribute("Noiseless",
                          "Switch the noise off (reference runs and tests; default false).",
                          ns3::BooleanValue(false),
                          ns3::MakeBooleanAccessor(&MultipleAccessChannel::m_noiseless),
                          ns3::MakeBooleanChecker())
            .AddTraceSource("SlotCompleted",
                            "An uplink slot ended: channel uses, transmitters, noise power (W).",
                            ns3::MakeTraceSourceAccessor(
                                &MultipleAccessChannel::m_slotCompletedTrace),
                            "wfl::MultipleAccessChannel::SlotCompletedCallback");
    return tid;
}

double
MultipleAccessChannel::NoisePowerW() const
{
    if (m_noiseless)
    {
        return 0.0;
    }
    if (m_normalized)
    {
        return m_referencePowerW * std::pow(10.0, -m_snrDb / 10.0);
    }
    const double noiseDbm = -174.0 + 10.0 * std::log10(m_bandwidthHz) + m_noiseFigureDb;
    return std::pow(10.0, (noiseDbm - 30.0) / 10.0);
}

double
MultipleAccessChannel::ChannelUseSeconds() const
{
    return 1.0 / m_bandwidthHz;
}

ns3::Time
MultipleAccessChannel::ChannelUseDuration() const
{
    return ns3::Seconds(ChannelUseSeconds());
}

void
MultipleAccessChannel::BeginSlot(size_t uses)
{
    m_received.setZero(static_cast<Eigen::Index>(uses));
    m_transmitters = 0;
}

void
MultipleAccessChannel::Transmit(const Eigen::VectorXcd& x,
                                const std::vector<std::complex<double>>& gains,
                                size_t coherenceUses)
{
    NS_ABORT_MSG_IF(x.size() != m_received.size(), "transmission does not fill the slot");
    NS_ABORT_MSG_IF(gains.empty(), "a transmission needs at least one gain");
    const Eigen::Index block =
        coherenceUses == 0 ? x.size() : static_cast<Eigen::Index>(coherenceUses);
    for (Eigen::Index start = 0, b = 0; start < x.size(); start += block, ++b)
    {
        const Eigen::Index length = std::min(block, x.size() - start);
        const std::complex<double> h = gains.at(static_cast<size_t>(b));
        m_received.segment(start, length) += h * x.segment(start, length);
    }
    ++m_transmitters;
}

const Eigen::VectorXcd&
MultipleAccessChannel::EndSlot(Rng& noise)
{
    m_lastSignalPowerW =
        m_received.size() > 0 ? m_received.squaredNorm() / static_cast<double>(m_received.size()) : 0.0;
    const double sigma = std::sqrt(NoisePowerW() / 2.0); // per real dimension
    if (sigma > 0.0)
    {
        for (Eigen::Index i = 0; i < m_received.size(); ++i)
        {
            const double re = noise.Normal();
            const double im = noise.Normal();
            m_received(i) += std::complex<double>(sigma * re, sigma * im);
        }
    }
    m_slotCompletedTrace(static_cast<uint64_t>(m_received.size()), m_transmitters, NoisePowerW());
    return m_received;
}

} // namespace wfl
