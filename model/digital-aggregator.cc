#include "digital-aggregator.h"

#include "random.h"
#include "slot-budget.h"
#include "stochastic-quantizer.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <numeric>
#include <sstream>
#include <unordered_map>

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
                          "Complex channel uses of the whole TDMA slot; 0 = the uses of an rlc "
                          "slot at CodingRatio, BucketLength and CoherenceUses, pilots and "
                          "FeedbackUses included (default 0).",
                          ns3::UintegerValue(0),
                          ns3::MakeUintegerAccessor(&DigitalAggregator::m_totalUses),
                          ns3::MakeUintegerChecker<uint64_t>())
            .AddAttribute("CodingRatio",
                          "Spectrum share when TotalUses = 0, as an rlc coding ratio k/n (default 0.1).",
                          ns3::DoubleValue(0.1),
                          ns3::MakeDoubleAccessor(&DigitalAggregator::m_ratio),
                          ns3::MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("BucketLength",
                          "Bucket length n of the rlc slot it matches when TotalUses = 0 "
                          "(default 4096).",
                          ns3::UintegerValue(4096),
                          ns3::MakeUintegerAccessor(&DigitalAggregator::m_bucket),
                          ns3::MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("FeedbackUses",
                          "Report uses per scheduled client and coherence block of the rlc slot "
                          "it matches when TotalUses = 0 (power.coordination = feedback); digital "
                          "spends them on payload (default 0).",
                          ns3::UintegerValue(0),
                          ns3::MakeUintegerAccessor(&DigitalAggregator::m_feedbackUses),
                          ns3::MakeUintegerChecker<uint64_t>())
            .AddAttribute("MatchPilots",
                          "The rlc slot it matches when TotalUses = 0 ends each coherence block "
                          "with a pilot use (power.coordination = blind); digital spends them on "
                          "payload (default false).",
                          ns3::BooleanValue(false),
                          ns3::MakeBooleanAccessor(&DigitalAggregator::m_matchPilots),
                          ns3::MakeBooleanChecker())
            .AddAttribute("PeakToAverageDb",
                          "Peak over mean symbol power of the constellation, dB; under a peak "
                          "limit the mean power backs off by it (default 4.77, square QAM).",
                          ns3::DoubleValue(10.0 * std::log10(3.0)),
                          ns3::MakeDoubleAccessor(&DigitalAggregator::m_paprDb),
                          ns3::MakeDoubleChecker<double>(0.0, 30.0));
    return tid;
}

uint64_t
DigitalAggregator::SlotUses(size_t dim, size_t scheduledClients) const
{
    if (m_totalUses > 0)
    {
        return m_totalUses;
    }
    SlotOverhead overhead;
    overhead.coherenceUses = m_coherenceUses;
    overhead.pilot = m_matchPilots;
    overhead.usesPerReport = m_feedbackUses;
    overhead.scheduledClients = scheduledClients;
    return RlcSlotBudget(dim, m_ratio, m_bucket, overhead).Total();
}

std::vector<DigitalAggregator::TdmaSlot>
DigitalAggregator::Schedule(uint64_t slotUses, size_t scheduled, uint64_t seed, uint32_t round)
{
    std::vector<TdmaSlot> slots(scheduled);
    if (scheduled == 0)
    {
        return slots;
    }
    if (slotUses >= scheduled)
    {
        const uint64_t each = slotUses / scheduled;
        const uint64_t extra = slotUses % scheduled;
        uint64_t start = 0;
        for (size_t i = 0; i < scheduled; ++i)
        {
            slots[i].start = start;
            slots[i].uses = each + (i < extra ? 1 : 0);
            start += slots[i].uses;
        }
        return slots;
    }
    // A uniformly random S-subset (partial Fisher-Yates), in schedule order.
    std::vector<size_t> order(scheduled);
    std::iota(order.begin(), order.end(), size_t{0});
    Rng rng(seed, "digital-schedule", round);
    for (size_t i = 0; i < slotUses; ++i)
    {
        std::swap(order[i], order[i + rng.UniformInt(scheduled - i)]);
    }
    order.resize(slotUses);
    std::sort(order.begin(), order.end());
    for (size_t i = 0; i < order.size(); ++i)
    {
        slots[order[i]] = {i, 1};
    }
    return slots;
}

void
DigitalAggregator::WarnUnscheduled(uint64_t slotUses, size_t scheduled)
{
    if (m_warnedUnscheduled || slotUses >= scheduled)
    {
        return;
    }
    m_warnedUnscheduled = true;
    std::ostringstream line;
    if (m_totalUses > 0)
    {
        line << "TotalUses = " << m_totalUses;
    }
    else
    {
        line << "coding.ratio = " << m_ratio;
    }
    line << " gives " << slotUses << " channel uses for " << scheduled << " scheduled clients: "
         << scheduled - slotUses << " of them get no use each round (a random " << slotUses
         << " get one each); raise coding.ratio or schedule fewer clients";
    std::cerr << "wfl: digital: " << line.str() << "\n";
}

namespace
{

/// One scheduled client's transmission over its TDMA slot.
struct DigitalLink
{
    double powerW = 0.0;       ///< constant mean power P_k
    double capacityBits = 0.0; ///< floor(sum_b S_kb log2(1 + snr_b)), 1e300 without noise
    double meanSnr = 0.0;      ///< use-weighted mean received SNR
    double firstFadingAbs = 0.0;
};

} // namespace

AggregationResult
DigitalAggregator::DoAggregate(uint32_t round, const std::vector<ClientContribution>& contributions)
{
    EnsureParts();
    const size_t dim = static_cast<size_t>(contributions.front().update->size());
    const uint64_t totalUses = SlotUses(dim, Scheduled().size());
    const std::vector<ScheduledClient>& scheduled = Scheduled();
    const std::vector<TdmaSlot> slots = Schedule(totalUses, scheduled.size(), m_seed, round);
    WarnUnscheduled(totalUses, scheduled.size());
    std::unordered_map<uint32_t, size_t> position;
    for (size_t i = 0; i < scheduled.size(); ++i)
    {
        position[scheduled[i].client] = i;
    }
    const double useSeconds = m_channel->ChannelUseSeconds();
    const double noiseW = m_channel->NoisePowerW();
    const double papr = std::pow(10.0, m_paprDb / 10.0);
    const double powerLimitW = m_powerLimit == PEAK ? MaxPowerW() / papr : MaxPowerW();
    // Fading blocks of L uses tile the slot from its first use (one block when L = 0).
    const uint64_t blockUses = m_coherenceUses == 0 ? totalUses : m_coherenceUses;
    const size_t blocks = static_cast<size_t>((totalUses + blockUses - 1) / blockUses);

    // Mean power, capacity and mean SNR of client `client` over `slot`.
    auto link = [&](uint32_t client, const TdmaSlot& slot, double lossDb) {
        DigitalLink out;
        const auto fading = DrawFading(client, round, blocks);
        out.firstFadingAbs = std::abs(fading[slot.start / blockUses]);
        out.powerW = std::min(powerLimitW, m_energyBudgetJ / (useSeconds * static_cast<double>(slot.uses)));
        const double loss = std::pow(10.0, -lossDb / 10.0);
        double bits = 0.0;
        for (uint64_t u = slot.start; u < slot.start + slot.uses;)
        {
            const size_t b = static_cast<size_t>(u / blockUses);
            const uint64_t end = std::min<uint64_t>(slot.start + slot.uses, (b + 1) * blockUses);
            const double snr = noiseW > 0.0 ? out.powerW * std::norm(fading[b]) * loss / noiseW : INFINITY;
            bits += static_cast<double>(end - u) * std::log2(1.0 + snr);
            out.meanSnr += static_cast<double>(end - u) * snr / static_cast<double>(slot.uses);
            u = end;
        }
        out.capacityBits = std::isinf(bits) ? 1e300 : std::floor(bits);
        return out;
    };

    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    double codingS = 0.0; // quantization at the client and reconstruction at the server (one call)
    double decodeS = 0.0; // the server's weighted sum of the reconstructions
    AggregationResult result;
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim));
    Eigen::VectorXf decoded(static_cast<Eigen::Index>(dim));
    double receivedWeight = 0.0;
    double snrSum = 0.0;
    for (const ClientContribution& c : contributions)
    {
        ClientLinkReport report;
        report.client = c.client;
        report.pathLossDb = PathLossDb(c.client);
        report.active = false;
        const auto found = position.find(c.client);
        NS_ABORT_MSG_IF(found == position.end(), "digital: a contribution from an unscheduled client");
        const TdmaSlot slot = slots[found->second];
        if (slot.uses > 0)
        {
            const DigitalLink l = link(c.client, slot, report.pathLossDb);
            report.fadingAbs = l.firstFadingAbs;
            const QuantizerFit fit = FitQuantizer(dim, l.capacityBits - kRateHeaderBits);
            if (fit.coordinates > 0)
            {
                Rng rng(m_seed, "digital-quantizer", c.client, round);
                const auto codingStart = Clock::now();
                report.bits = kRateHeaderBits + QuantizeDequantize(c.update->data(), dim, fit, rng, decoded.data());
                const auto codingEnd = Clock::now();
                codingS += std::chrono::duration<double>(codingEnd - codingStart).count();
                report.active = true;
                report.txEnergyJ = l.powerW * useSeconds * static_cast<double>(slot.uses);
                report.powerW = l.powerW;
                report.peakPowerW = papr * l.powerW;
                sum += c.weight * decoded.cast<double>();
                decodeS += std::chrono::duration<double>(Clock::now() - codingEnd).count();
                receivedWeight += c.weight;
                result.bits += report.bits;
                result.activeClients += 1;
                snrSum += l.meanSnr;
            }
            // else: cannot even send the header and the scale: stays silent.
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
