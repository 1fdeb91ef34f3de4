/*
 * OverTheAirAggregator: its attributes and the flow of one round
 * (DoAggregate). The steps live beside it: what the clients send in
 * over-the-air-transmit.cc, the power decision and the norm bookkeeping for
 * the mse-optimal rule in over-the-air-power.cc, and the server's side of
 * the information structure (feedback, pilots, blind c, decoding) in
 * over-the-air-coordination.cc.
 */
#include "over-the-air-aggregator.h"

#include "over-the-air-slot.h"
#include "random-linear-code.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/pointer.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

namespace wfl
{

NS_OBJECT_ENSURE_REGISTERED(OverTheAirAggregator);

ns3::TypeId
OverTheAirAggregator::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("wfl::OverTheAirAggregator")
            .SetParent<WirelessAggregator>()
            .SetGroupName("Wfl")
            .AddConstructor<OverTheAirAggregator>()
            .AddAttribute("Coding",
                          "Analog (uncoded) or random linear coding (default Rlc).",
                          ns3::EnumValue(RLC),
                          ns3::MakeEnumAccessor(&OverTheAirAggregator::m_coding),
                          ns3::MakeEnumChecker(ANALOG, "analog", RLC, "rlc"))
            .AddAttribute("CodingRatio",
                          "Rlc: rows kept per bucket over bucket length, k/n (default 0.1).",
                          ns3::DoubleValue(0.1),
                          ns3::MakeDoubleAccessor(&OverTheAirAggregator::m_ratio),
                          ns3::MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("BucketLength",
                          "Rlc: bucket length n, a power of two (default 4096).",
                          ns3::UintegerValue(4096),
                          ns3::MakeUintegerAccessor(&OverTheAirAggregator::m_bucket),
                          ns3::MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("PilotEnergyFraction",
                          "Energy of a block's pilot use relative to the clients' mean data "
                          "energy in the block (default 0.05).",
                          ns3::DoubleValue(0.05),
                          ns3::MakeDoubleAccessor(&OverTheAirAggregator::m_pilotEnergyFraction),
                          ns3::MakeDoubleChecker<double>(1e-9, 1e3))
            .AddAttribute("Coordination",
                          "What the server learns before the slot: Feedback (per-client reports "
                          "in a charged TDMA mini-slot; W known) or Blind (no reports; c from "
                          "NormBound, W from the pilot) (default Feedback).",
                          ns3::EnumValue(FEEDBACK),
                          ns3::MakeEnumAccessor(&OverTheAirAggregator::m_coordination),
                          ns3::MakeEnumChecker(FEEDBACK, "feedback", BLIND, "blind"))
            .AddAttribute("FeedbackUses",
                          "Feedback: complex channel uses of one client's report per coherence "
                          "block (default 16: two float32, c_k and the block's ||u_k||^2 share, "
                          "at 4 bit per use; 0 = free feedback, an idealisation).",
                          ns3::UintegerValue(16),
                          ns3::MakeUintegerAccessor(&OverTheAirAggregator::m_feedbackUses),
                          ns3::MakeUintegerChecker<uint32_t>())
            .AddAttribute("NormBound",
                          "Blind: clients clip ||w_k g_k|| to this bound G, from which the "
                          "server sets c (must be > 0 in blind mode; default 0).",
                          ns3::DoubleValue(0.0),
                          ns3::MakeDoubleAccessor(&OverTheAirAggregator::m_normBound),
                          ns3::MakeDoubleChecker<double>(0.0))
            .AddAttribute("BlindGainThreshold",
                          "Blind: fading power |f|^2 the broadcast c is designed for, with the "
                          "weakest scheduled path loss (default 0.1).",
                          ns3::DoubleValue(0.1),
                          ns3::MakeDoubleAccessor(&OverTheAirAggregator::m_blindGainThreshold),
                          ns3::MakeDoubleChecker<double>(0.0))
            .AddAttribute("PilotBiasCorrection",
                          "Blind, unequal weights: divide by W_hat / (1 - s^2 / W_hat^2) instead "
                          "of W_hat, removing the second-order bias of 1 / W_hat (default true).",
                          ns3::BooleanValue(true),
                          ns3::MakeBooleanAccessor(&OverTheAirAggregator::m_pilotBiasCorrection),
                          ns3::MakeBooleanChecker())
            .AddAttribute("SlotStateLimitBytes",
                          "Refuse a round whose per-client, per-block state would exceed this "
                          "(see SlotStateBytes; default 8 GiB).",
                          ns3::UintegerValue(8ull << 30),
                          ns3::MakeUintegerAccessor(&OverTheAirAggregator::m_slotStateLimitBytes),
                          ns3::MakeUintegerChecker<uint64_t>())
            .AddAttribute("PowerAllocator",
                          "Power allocation policy (default wfl::InversionPowerAllocator).",
                          ns3::PointerValue(),
                          ns3::MakePointerAccessor(&OverTheAirAggregator::m_allocator),
                          ns3::MakePointerChecker<PowerAllocator>());
    return tid;
}

void
OverTheAirAggregator::DoDispose()
{
    m_allocator = nullptr;
    WirelessAggregator::DoDispose();
}

size_t
OverTheAirAggregator::SlotStateBytes(size_t clients, size_t blocks, bool fullPolicy)
{
    // Per block: the PowerDecision with its bit vector of active clients
    // (and the amplitudes under `full`); per client: the vectors' headers.
    const size_t perBlock = clients * kStateBytesPerClientBlock + sizeof(PowerDecision) +
                            8 * ((clients + 63) / 64) + (fullPolicy ? 8 * clients : 0);
    return blocks * perBlock + clients * 8 * sizeof(std::vector<double>);
}

std::unique_ptr<RandomLinearCode>
OverTheAirAggregator::MakeCode(size_t dim, uint32_t round) const
{
    if (m_coding != RLC)
    {
        return nullptr;
    }
    // A model smaller than the bucket uses the smallest power of two that holds it.
    size_t bucket = 1;
    while (bucket < std::min<size_t>(m_bucket, dim))
    {
        bucket *= 2;
    }
    const size_t rows =
        std::max<size_t>(1, static_cast<size_t>(std::lround(m_ratio * static_cast<double>(bucket))));
    // Rebuilt from (seed, round) exactly as every client does.
    return std::make_unique<RandomLinearCode>(dim, bucket, rows, m_seed, round);
}

AggregationResult
OverTheAirAggregator::DoAggregate(uint32_t round, const std::vector<ClientContribution>& contributions)
{
    EnsureParts();
    if (!m_allocator)
    {
        m_allocator = ns3::CreateObject<InversionPowerAllocator>();
    }
    NS_ABORT_MSG_IF(m_coordination == BLIND && !(m_normBound > 0.0),
                    "blind coordination needs NormBound > 0");
    NS_ABORT_MSG_IF(m_coordination == BLIND && ns3::DynamicCast<MseOptimalPowerAllocator>(m_allocator),
                    "mse-optimal needs per-client reports (Coordination = Feedback)");
    const size_t dim = static_cast<size_t>(contributions.front().update->size());
    using Clock = std::chrono::steady_clock;
    const auto encodeStart = Clock::now();
    std::unique_ptr<RandomLinearCode> code = MakeCode(dim, round);
    const size_t realSymbols = code ? code->CodeLength() : dim;
    Slot slot((realSymbols + 1) / 2, m_coherenceUses, NeedsPilot());
    slot.code = std::move(code);
    // The decoder keeps D real coordinates, each with the per-real-symbol noise
    // variance (rlc: T^T spreads k symbols' noise over n_r coordinates at 1/k each).
    slot.noiseGainPerSymbol = static_cast<double>(dim) / (2.0 * static_cast<double>(slot.layout.dataUses));
    CheckSlotState(slot, contributions.size());
    ChargeFeedback(slot);
    EncodeClients(slot, round, contributions);
    AddPilots(slot);
    const auto encodeEnd = Clock::now();

    AggregationResult result;
    if (m_coordination == BLIND && !ns3::DynamicCast<FullPowerAllocator>(m_allocator))
    {
        AllocateBlind(slot);
    }
    else
    {
        AllocatePower(slot);
    }
    const Eigen::VectorXcd& y = Transmit(slot, round, contributions, result);
    const auto channelEnd = Clock::now();
    result.estimate = Decode(slot, y, dim, result);

    if (slot.decisions.front().inversion)
    {
        result.receiveScale = slot.decisions.front().scale;
    }
    const double useSeconds = m_channel->ChannelUseSeconds();
    const double noiseW = m_channel->NoisePowerW();
    // Transmit re-encodes: that time is counted as encoding, not channel.
    const double reencodeS = slot.transmitEncodeSeconds;
    result.wallEncodeS = std::chrono::duration<double>(encodeEnd - encodeStart).count() + reencodeS;
    result.wallChannelS = std::chrono::duration<double>(channelEnd - encodeEnd).count() - reencodeS;
    result.wallDecodeS = std::chrono::duration<double>(Clock::now() - channelEnd).count();
    result.channelUses = slot.uses.Total();
    result.dataUses = slot.uses.dataUses;
    result.pilotUses = slot.uses.pilotUses;
    result.feedbackUses = slot.uses.feedbackUses;
    result.airtime = ns3::Seconds(useSeconds * static_cast<double>(slot.uses.Total()));
    result.noisePowerW = noiseW;
    result.meanRxSnrDb = noiseW > 0.0 ? 10.0 * std::log10(m_channel->LastSignalPowerW() / noiseW)
                                      : std::numeric_limits<double>::infinity();
    for (char clipped : slot.clipped)
    {
        result.clippedClients += clipped ? 1 : 0;
    }
    UpdateNormEstimates(slot, y, noiseW);
    return result;
}

} // namespace wfl
