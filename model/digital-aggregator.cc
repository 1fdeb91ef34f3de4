#include "digital-aggregator.h"

#include "qsgd-compressor.h"
#include "random.h"
#include "slot-budget.h"
#include "stochastic-quantizer.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
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

DigitalAggregator::DigitalAggregator()
    : m_compressor(std::make_shared<QsgdCompressor>(QsgdCompressor::Params{}))
{
}

DigitalAggregator::~DigitalAggregator() = default;

void
DigitalAggregator::SetCompressor(std::shared_ptr<const Compressor> compressor)
{
    NS_ABORT_MSG_IF(!compressor, "digital: null compressor");
    m_compressor = std::move(compressor);
    m_states.clear();
}

void
DigitalAggregator::SetLayout(const ParameterLayout& layout)
{
    m_layout = layout;
}

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
                          ns3::MakeDoubleChecker<double>(0.0, 30.0))
            .AddAttribute("Link",
                          "The digital link: TDMA over the fading channel with Shannon budgets, or "
                          "an error-free bit pipe of PipeBits per client (no channel uses).",
                          ns3::EnumValue(TDMA),
                          ns3::MakeEnumAccessor(&DigitalAggregator::m_link),
                          ns3::MakeEnumChecker(TDMA, "tdma", PIPE, "pipe"))
            .AddAttribute("PipeBits",
                          "Bits each client may send per round over the pipe; 0 = unlimited "
                          "(default 0).",
                          ns3::DoubleValue(0.0),
                          ns3::MakeDoubleAccessor(&DigitalAggregator::m_pipeBits),
                          ns3::MakeDoubleChecker<double>(0.0));
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

std::vector<DigitalAggregator::LinkGrant>
DigitalAggregator::PipeGrants(const std::vector<ClientContribution>& contributions) const
{
    LinkGrant grant;
    grant.scheduled = true;
    grant.budgetBits = m_pipeBits > 0.0 ? m_pipeBits : std::numeric_limits<double>::infinity();
    return std::vector<LinkGrant>(contributions.size(), grant);
}

std::vector<DigitalAggregator::LinkGrant>
DigitalAggregator::TdmaGrants(uint32_t round,
                              size_t dim,
                              const std::vector<ClientContribution>& contributions,
                              AggregationResult& result)
{
    EnsureParts();
    const std::vector<ScheduledClient>& scheduled = Scheduled();
    const uint64_t totalUses = SlotUses(dim, scheduled.size());
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

    std::vector<LinkGrant> grants;
    for (const ClientContribution& c : contributions)
    {
        LinkGrant g;
        g.pathLossDb = PathLossDb(c.client);
        const auto found = position.find(c.client);
        NS_ABORT_MSG_IF(found == position.end(), "digital: a contribution from an unscheduled client");
        const TdmaSlot slot = slots[found->second];
        if (slot.uses > 0)
        {
            // Mean power, capacity and mean SNR over the client's slot.
            const auto fading = DrawFading(c.client, round, blocks);
            g.scheduled = true;
            g.fadingAbs = std::abs(fading[slot.start / blockUses]);
            g.powerW = std::min(powerLimitW, m_energyBudgetJ / (useSeconds * static_cast<double>(slot.uses)));
            g.energyJ = g.powerW * useSeconds * static_cast<double>(slot.uses);
            const double loss = std::pow(10.0, -g.pathLossDb / 10.0);
            double bits = 0.0;
            for (uint64_t u = slot.start; u < slot.start + slot.uses;)
            {
                const size_t b = static_cast<size_t>(u / blockUses);
                const uint64_t end = std::min<uint64_t>(slot.start + slot.uses, (b + 1) * blockUses);
                const double snr = noiseW > 0.0 ? g.powerW * std::norm(fading[b]) * loss / noiseW : INFINITY;
                bits += static_cast<double>(end - u) * std::log2(1.0 + snr);
                g.meanSnr += static_cast<double>(end - u) * snr / static_cast<double>(slot.uses);
                u = end;
            }
            const double capacityBits = std::isinf(bits) ? 1e300 : std::floor(bits);
            g.headerBits = kRateHeaderBits;
            g.budgetBits = capacityBits - kRateHeaderBits;
        }
        grants.push_back(g);
    }
    result.channelUses = totalUses;
    result.airtime = ns3::Seconds(useSeconds * static_cast<double>(totalUses));
    return grants;
}

ClientState*
DigitalAggregator::StateOf(uint32_t client, size_t dim)
{
    auto it = m_states.find(client);
    if (it == m_states.end())
    {
        it = m_states.emplace(client, m_compressor->NewClientState(dim)).first;
    }
    return it->second.get();
}

void
DigitalAggregator::Compress(uint32_t round,
                            const std::vector<ClientContribution>& contributions,
                            const std::vector<LinkGrant>& grants,
                            AggregationResult& result)
{
    using Clock = std::chrono::steady_clock;
    const size_t dim = static_cast<size_t>(contributions.front().update->size());
    const size_t count = contributions.size();
    std::vector<CompressionContext> contexts(count);
    std::vector<ClientState*> states(count, nullptr);
    for (size_t i = 0; i < count; ++i)
    {
        contexts[i].seed = m_seed;
        contexts[i].round = round;
        contexts[i].client = contributions[i].client;
        contexts[i].bitBudget = grants[i].budgetBits;
        contexts[i].layout = m_layout.empty() ? nullptr : &m_layout;
        contexts[i].factors = contributions[i].factors;
        if (grants[i].scheduled)
        {
            states[i] = StateOf(contributions[i].client, dim); // created here: the map is not thread-safe
        }
    }
    // Each client encodes alone (its own state and stream): any thread order gives the same messages.
    std::vector<CompressedMessage> messages(count);
    std::vector<double> encodeS(count, 0.0);
    ForEachClient(count, [&](size_t i, unsigned) {
        if (!grants[i].scheduled)
        {
            return;
        }
        const auto start = Clock::now();
        messages[i] = m_compressor->Encode(contributions[i].update->data(), dim, contexts[i], states[i]);
        encodeS[i] = std::chrono::duration<double>(Clock::now() - start).count();
    });
    const auto decodeStart = Clock::now();
    std::unique_ptr<RoundDecoder> decoder = m_compressor->NewRoundDecoder(dim);
    double snrSum = 0.0;
    for (size_t i = 0; i < count; ++i)
    {
        const LinkGrant& g = grants[i];
        ClientLinkReport report;
        report.client = contributions[i].client;
        report.pathLossDb = g.pathLossDb;
        report.fadingAbs = g.fadingAbs;
        report.active = false;
        if (g.scheduled && messages[i].fits)
        {
            // A message above its budget is a compressor bug, not a channel event.
            NS_ABORT_MSG_IF(messages[i].bitsRaw > g.budgetBits, "digital: a message of " << messages[i].bitsRaw
                                                                << " bits over a budget of " << g.budgetBits);
            decoder->Add(messages[i], contributions[i].weight, contexts[i]);
            report.active = true;
            report.bits = g.headerBits + messages[i].bitsRaw;
            report.bitsEntropy = g.headerBits + messages[i].bitsEntropy;
            report.txEnergyJ = g.energyJ;
            report.powerW = g.powerW;
            report.peakPowerW = std::pow(10.0, m_paprDb / 10.0) * g.powerW;
            result.bits += report.bits;
            result.bitsEntropy += report.bitsEntropy;
            result.activeClients += 1;
            snrSum += g.meanSnr;
        }
        // else: unscheduled, or the budget cannot hold a message: silent.
        result.energyJ += report.txEnergyJ;
        result.clients.push_back(report);
    }
    // Nobody got through: the decoder returns zero and the global model stays where it is.
    result.estimate = decoder->Finish();
    const DecodeFailures failures = decoder->Failures();
    result.failedMessages = failures.messages;
    result.wrongEntries = failures.entries;
    result.wallDecodeS = std::chrono::duration<double>(Clock::now() - decodeStart).count();
    result.wallEncodeS = std::accumulate(encodeS.begin(), encodeS.end(), 0.0);
    result.meanRxSnrDb = m_link == TDMA && result.activeClients > 0
                             ? 10.0 * std::log10(snrSum / result.activeClients)
                             : std::numeric_limits<double>::quiet_NaN();
}

AggregationResult
DigitalAggregator::DoAggregate(uint32_t round, const std::vector<ClientContribution>& contributions)
{
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const size_t dim = static_cast<size_t>(contributions.front().update->size());
    AggregationResult result;
    const std::vector<LinkGrant> grants =
        m_link == PIPE ? PipeGrants(contributions) : TdmaGrants(round, dim, contributions, result);
    // Link budgets and capacity are the channel's share of the wall clock,
    // timed alone: the encoding time is summed over clients encoding in
    // parallel, so "elapsed minus encoding minus decoding" could go negative
    // (it was clamped to 0 and then failed the timing test under load).
    result.wallChannelS = std::chrono::duration<double>(Clock::now() - start).count();
    Compress(round, contributions, grants, result);
    return result;
}

} // namespace wfl
