#include "digital-aggregator.h"

#include "random.h"
#include "stochastic-quantizer.h"

#include "ns3/double.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace wfl
{

NS_OBJECT_ENSURE_REGISTERED(DigitalAggregator);

ns3::TypeId
DigitalAggregator::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("wfl::DigitalAggregator")
            .SetParent<WirelessAggregator>()
            .SetGroupName("Wfl")
            .AddConstructor<DigitalAggregator>()
            .AddAttribute("TotalUses",
                          "Complex channel uses of the whole TDMA slot; 0 = ceil(CodingRatio * "
                          "D / 2) + 1, what an rlc slot would take (default 0).",
                          ns3::UintegerValue(0),
                          ns3::MakeUintegerAccessor(&DigitalAggregator::m_totalUses),
                          ns3::MakeUintegerChecker<uint64_t>())
            .AddAttribute("CodingRatio",
                          "Spectrum share when TotalUses = 0, as an rlc coding ratio (default 0.1).",
                          ns3::DoubleValue(0.1),
                          ns3::MakeDoubleAccessor(&DigitalAggregator::m_ratio),
                          ns3::MakeDoubleChecker<double>(0.0, 1.0));
    return tid;
}

AggregationResult
DigitalAggregator::DoAggregate(uint32_t round, const std::vector<ClientContribution>& contributions)
{
    EnsureParts();
    const size_t clients = contributions.size();
    const size_t dim = static_cast<size_t>(contributions.front().update->size());
    const uint64_t totalUses =
        m_totalUses > 0 ? m_totalUses
                        : static_cast<uint64_t>(std::ceil(m_ratio * static_cast<double>(dim) / 2.0)) + 1;
    const uint64_t usesPerClient = totalUses / clients;
    const double useSeconds = m_channel->ChannelUseSeconds();
    const double noiseW = m_channel->NoisePowerW();

    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    double codingS = 0.0; // quantization at the client and reconstruction at the server (one call)
    double decodeS = 0.0; // the server's weighted sum of the reconstructions
    AggregationResult result;
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim));
    Eigen::VectorXf decoded(static_cast<Eigen::Index>(dim));
    double receivedWeight = 0.0;
    double snrSum = 0.0;
    for (size_t k = 0; k < clients; ++k)
    {
        const ClientContribution& c = contributions[k];
        ClientLinkReport report;
        report.client = c.client;
        report.pathLossDb = PathLossDb(c.client);
        // The client's TDMA slot starts at k * usesPerClient: its fading block.
        const size_t blocks =
            m_coherenceUses == 0 ? 1 : static_cast<size_t>(totalUses / m_coherenceUses + 1);
        const auto fading = DrawFading(c.client, round, blocks);
        const size_t block = m_coherenceUses == 0 ? 0 : k * usesPerClient / m_coherenceUses;
        report.fadingAbs = std::abs(fading[block]);
        const double gain = std::norm(fading[block]) * std::pow(10.0, -report.pathLossDb / 10.0);

        const double power =
            usesPerClient == 0
                ? 0.0
                : std::min(MaxPowerW(), m_energyBudgetJ / (useSeconds * static_cast<double>(usesPerClient)));
        const double snr = noiseW > 0.0 ? power * gain / noiseW : INFINITY;
        const double capacityBits =
            std::isinf(snr) ? 1e300 : std::floor(static_cast<double>(usesPerClient) * std::log2(1.0 + snr));
        const QuantizerFit fit = FitQuantizer(dim, capacityBits);
        if (fit.coordinates > 0)
        {
            Rng rng(m_seed, "digital-quantizer", c.client, round);
            const auto codingStart = Clock::now();
            report.bits = QuantizeDequantize(c.update->data(), dim, fit, rng, decoded.data());
            const auto codingEnd = Clock::now();
            codingS += std::chrono::duration<double>(codingEnd - codingStart).count();
            report.txEnergyJ = power * useSeconds * static_cast<double>(usesPerClient);
            report.peakPowerW = power;
            report.powerW = power;
            sum += c.weight * decoded.cast<double>();
            decodeS += std::chrono::duration<double>(Clock::now() - codingEnd).count();
            receivedWeight += c.weight;
            result.bits += report.bits;
            result.activeClients += 1;
            snrSum += snr;
        }
        else
        {
            report.active = false; // cannot even send the scale: stays silent
        }
        result.energyJ += report.txEnergyJ;
        result.clients.push_back(report);
    }
    // Nobody got through: the global model stays where it is.
    result.estimate = (receivedWeight > 0.0 ? sum / receivedWeight : sum).cast<float>();
    result.channelUses = totalUses;
    result.airtime = ns3::Seconds(useSeconds * static_cast<double>(totalUses));
    result.meanRxSnrDb = result.activeClients > 0 ? 10.0 * std::log10(snrSum / result.activeClients)
                                                  : std::numeric_limits<double>::quiet_NaN();
    // Quantization and reconstruction are one pass here, counted as encoding;
    // link budgets and capacity are the channel's share.
    result.wallEncodeS = codingS;
    result.wallDecodeS = decodeS;
    result.wallChannelS =
        std::max(0.0, std::chrono::duration<double>(Clock::now() - start).count() - codingS - decodeS);
    return result;
}

} // namespace wfl
