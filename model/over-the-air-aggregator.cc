#include "over-the-air-aggregator.h"

#include "mse-optimal-rule.h"
#include "over-the-air-slot.h"
#include "random-linear-code.h"
#include "random.h"

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

bool
OverTheAirAggregator::BuildSymbols(const Slot& slot,
                                   size_t k,
                                   const ClientContribution& contribution,
                                   Scratch& scratch) const
{
    const SlotLayout& layout = slot.layout;
    scratch.u = static_cast<float>(slot.weights[k]) * (*contribution.update);
    // Blind: the broadcast c assumes ||u_k|| <= G, so larger updates are clipped
    // (an error the trace counts in clipped_clients).
    bool clipped = false;
    if (m_coordination == BLIND)
    {
        const double norm = scratch.u.cast<double>().norm();
        if (norm > m_normBound)
        {
            scratch.u *= static_cast<float>(m_normBound / norm);
            clipped = true;
        }
    }
    scratch.real.setZero(static_cast<Eigen::Index>(layout.dataUses * 2));
    if (slot.code)
    {
        slot.code->Encode(scratch.u.data(), scratch.real.data());
    }
    else
    {
        scratch.real.head(scratch.u.size()) = scratch.u;
    }
    // Block by block: data uses are contiguous inside a block, the pilot (if
    // any) is its last use (zero until AddPilots has chosen the amplitudes).
    scratch.symbols.resize(static_cast<Eigen::Index>(layout.totalUses));
    std::complex<double>* out = scratch.symbols.data();
    for (size_t b = 0; b < layout.blocks; ++b)
    {
        const size_t firstData = layout.FirstData(b);
        std::complex<double>* block = out + layout.BlockStart(b);
        for (size_t j = firstData; j < layout.DataEnd(b); ++j)
        {
            block[j - firstData] = {scratch.real(static_cast<Eigen::Index>(2 * j)),
                                    scratch.real(static_cast<Eigen::Index>(2 * j + 1))};
        }
        if (layout.pilotUses > 0)
        {
            out[layout.PilotPosition(b)] =
                slot.pilotAmplitude.empty() ? 0.0 : slot.weights[k] * slot.pilotAmplitude[b];
        }
    }
    return clipped;
}

void
OverTheAirAggregator::EncodeClients(Slot& slot,
                                    uint32_t round,
                                    const std::vector<ClientContribution>& contributions) const
{
    // Weights relative to the mean over the SCHEDULED clients: the server
    // knows those (registration), not who turns out to be idle.
    const std::vector<ScheduledClient>& scheduled = Scheduled();
    double meanWeight = 0.0;
    double minWeight = scheduled.front().weight;
    double maxWeight = minWeight;
    for (const ScheduledClient& s : scheduled)
    {
        meanWeight += s.weight / static_cast<double>(scheduled.size());
        minWeight = std::min(minWeight, s.weight);
        maxWeight = std::max(maxWeight, s.weight);
    }
    slot.equalWeights = maxWeight - minWeight <= 1e-12 * maxWeight;
    slot.minWeight = minWeight / meanWeight;
    const size_t clients = contributions.size();
    const SlotLayout& layout = slot.layout;
    for (const ClientContribution& c : contributions)
    {
        slot.weights.push_back(c.weight / meanWeight);
    }
    // Encoding is independent per client: on the workers, each writing its own slots.
    slot.updateNorm2.assign(clients, 0.0);
    slot.clipped.assign(clients, 0);
    slot.dataEnergy.assign(clients, std::vector<double>(layout.blocks));
    slot.dataPeak.assign(clients, std::vector<double>(layout.blocks));
    std::vector<Scratch> scratch(Workers());
    ForEachClient(clients, [&](size_t k, unsigned worker) {
        Scratch& mine = scratch[worker];
        slot.clipped[k] = BuildSymbols(slot, k, contributions[k], mine) ? 1 : 0;
        slot.updateNorm2[k] = mine.u.cast<double>().squaredNorm();
        // Pilot positions are still zero: these are the data symbols' statistics.
        for (size_t b = 0; b < layout.blocks; ++b)
        {
            const auto block =
                mine.symbols.segment(static_cast<Eigen::Index>(layout.BlockStart(b)),
                                     static_cast<Eigen::Index>(layout.BlockEnd(b) - layout.BlockStart(b)));
            slot.dataEnergy[k][b] = block.squaredNorm();
            slot.dataPeak[k][b] = std::sqrt(block.cwiseAbs2().maxCoeff()); // no hypot per symbol
        }
    });
    // The channel draws stay on this thread (ns-3 mobility and loss models).
    for (const ClientContribution& c : contributions)
    {
        slot.fading.push_back(DrawFading(c.client, round, layout.blocks));
        slot.pathLossDb.push_back(PathLossDb(c.client));
        const double amplitude = std::pow(10.0, -slot.pathLossDb.back() / 20.0);
        slot.gains.emplace_back();
        for (const auto& f : slot.fading.back())
        {
            slot.gains.back().push_back(amplitude * f);
        }
    }
}

void
OverTheAirAggregator::AllocatePower(Slot& slot) const
{
    const SlotLayout& layout = slot.layout;
    const size_t clients = slot.weights.size();
    slot.precoders.assign(clients, std::vector<std::complex<double>>(layout.blocks));
    // For the mse-optimal rule (docs/power-allocation.md).
    const double projection =
        slot.code
            ? RlcProjectionFactor(slot.code->Dim(), slot.code->BucketLength(), slot.code->RowsPerBucket())
            : 0.0;
    // ||g_bar||^2 = (G / mean ||g_k||^2 of the previous round) * this round's mean ||g_k||^2:
    // the fraction of the updates' energy they share changes slowly, their size does not.
    double meanNorm2 = 0.0;
    for (size_t k = 0; k < clients; ++k)
    {
        meanNorm2 += slot.updateNorm2[k] / (slot.weights[k] * slot.weights[k]) / static_cast<double>(clients);
    }
    const double sharedFraction = m_lastAggregateNorm2 >= 0.0 && m_lastMeanNorm2 > 0.0
                                      ? std::clamp(m_lastAggregateNorm2 / m_lastMeanNorm2, 0.0, 1.0)
                                      : 0.0;
    for (size_t b = 0; b < layout.blocks; ++b)
    {
        const auto length = static_cast<Eigen::Index>(layout.BlockEnd(b) - layout.BlockStart(b));
        const double share = static_cast<double>(length) / static_cast<double>(layout.totalUses);
        const double dataLength = static_cast<double>(layout.DataUsesIn(b));
        const double dataShare = dataLength / static_cast<double>(layout.dataUses);
        std::vector<PowerCandidate> candidates(clients);
        for (size_t k = 0; k < clients; ++k)
        {
            PowerCandidate& p = candidates[k];
            const double pilot = slot.weights[k] * slot.pilotAmplitude[b];
            p.gainAbs = std::abs(slot.gains[k][b]);
            p.fadingPower = std::norm(slot.fading[k][b]);
            p.peakSymbolAbs = std::max(slot.dataPeak[k][b], std::abs(pilot));
            p.symbolEnergy = slot.dataEnergy[k][b] + pilot * pilot;
            p.uses = static_cast<double>(length);
            p.peakLimit = m_powerLimit == PEAK;
            p.maxPowerW = MaxPowerW();
            p.energyBudgetJ = slot.dataBudgetJ * share;
            p.weight = slot.weights[k];
            p.updateNorm2 = slot.updateNorm2[k] * dataShare;
        }
        AllocationContext context;
        context.useSeconds = m_channel->ChannelUseSeconds();
        context.noisePowerW = m_channel->NoisePowerW();
        // sigma^2 / 2 per decoded coordinate: noiseGainPerSymbol = D / (2 dataUses).
        context.noiseGain = slot.noiseGainPerSymbol * dataLength;
        context.projectionFactor = projection;
        context.aggregateNorm2 = sharedFraction * meanNorm2 * dataShare;
        PowerDecision decision = m_allocator->Allocate(candidates, context);
        for (size_t k = 0; k < clients; ++k)
        {
            if (decision.active[k])
            {
                slot.precoders[k][b] = decision.inversion ? decision.scale / slot.gains[k][b]
                                                          : std::complex<double>(decision.amplitude[k]);
            }
        }
        slot.decisions.push_back(std::move(decision));
    }
}

const Eigen::VectorXcd&
OverTheAirAggregator::Transmit(Slot& slot,
                               uint32_t round,
                               const std::vector<ClientContribution>& contributions,
                               AggregationResult& result)
{
    const SlotLayout& layout = slot.layout;
    const double useSeconds = m_channel->ChannelUseSeconds();
    const size_t clients = contributions.size();
    m_channel->BeginSlot(layout.totalUses);
    // A few clients at a time: they re-encode and precode on the workers, then
    // join the channel sum one by one in client order, so y does not depend on
    // the number of workers.
    const size_t group = std::min<size_t>(clients, 2 * Workers());
    std::vector<Scratch> scratch(group);
    std::vector<ClientLinkReport> reports(group);
    for (size_t first = 0; first < clients; first += group)
    {
        const size_t count = std::min(group, clients - first);
        const auto encodeStart = std::chrono::steady_clock::now();
        ForEachClient(count, [&](size_t i, unsigned) {
            const size_t k = first + i;
            BuildSymbols(slot, k, contributions[k], scratch[i]);
            Eigen::VectorXcd& x = scratch[i].symbols;
            double maxBlockPower = 0.0;
            for (size_t b = 0; b < layout.blocks; ++b)
            {
                const auto start = static_cast<Eigen::Index>(layout.BlockStart(b));
                const auto length = static_cast<Eigen::Index>(layout.BlockEnd(b) - layout.BlockStart(b));
                x.segment(start, length) *= slot.precoders[k][b];
                maxBlockPower = std::max(maxBlockPower, x.segment(start, length).squaredNorm() /
                                                            static_cast<double>(length));
            }
            ClientLinkReport& report = reports[i];
            report = ClientLinkReport();
            report.client = contributions[k].client;
            report.fadingAbs = std::abs(slot.fading[k].front());
            report.pathLossDb = slot.pathLossDb[k];
            // Its report (feedback mode) went out at P_max: it counts in its
            // energy and its peak symbol power, not in the data blocks' mean power.
            const double dataPeakW = x.cwiseAbs2().maxCoeff();
            report.txEnergyJ = useSeconds * x.squaredNorm() + slot.feedbackEnergyJ;
            report.peakPowerW = std::max(dataPeakW, slot.feedbackEnergyJ > 0.0 ? MaxPowerW() : 0.0);
            report.powerW = maxBlockPower;
            report.active = dataPeakW > 0.0;
        });
        slot.transmitEncodeSeconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - encodeStart).count();
        for (size_t i = 0; i < count; ++i)
        {
            const size_t k = first + i;
            result.energyJ += reports[i].txEnergyJ;
            result.activeClients += reports[i].active ? 1 : 0;
            result.clients.push_back(reports[i]);
            m_channel->Transmit(scratch[i].symbols, slot.gains[k],
                                m_coherenceUses == 0 ? 0 : layout.blockUses);
        }
    }
    Rng noise(m_seed, "mac-noise", round);
    return m_channel->EndSlot(noise);
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
    // The server's estimate of ||g_bar||^2 for the next round's mse-optimal rule, from
    // the received data symbols, never from the decoded estimate: ||g_hat||^2 also holds
    // rlc's projection error, about (n/k - 1) ||g||^2 (docs/power-allocation.md).
    const size_t clients = contributions.size();
    m_lastMeanNorm2 = 0.0;
    for (size_t k = 0; k < clients; ++k)
    {
        const double w = slot.weights[k];
        m_lastMeanNorm2 += slot.updateNorm2[k] / (w * w) / static_cast<double>(clients);
    }
    std::vector<ReceivedBlock> received(slot.layout.blocks);
    for (size_t b = 0; b < slot.layout.blocks; ++b)
    {
        const PowerDecision& decision = slot.decisions[b];
        const size_t first = slot.layout.BlockStart(b);
        const size_t uses = slot.layout.DataUsesIn(b); // data first, then the pilot if any
        ReceivedBlock& block = received[b];
        block.receivedEnergy =
            y.segment(static_cast<Eigen::Index>(first), static_cast<Eigen::Index>(uses)).squaredNorm();
        block.dataUses = static_cast<double>(uses);
        block.share = block.dataUses / static_cast<double>(slot.layout.dataUses);
        block.scale = decision.inversion ? decision.scale : 0.0;
        for (size_t k = 0; k < clients; ++k)
        {
            if (decision.active[k])
            {
                block.activeWeight += slot.weights[k];
                block.activeSquaredWeight += slot.weights[k] * slot.weights[k];
                block.activeUpdateNorm2 += slot.updateNorm2[k];
            }
        }
    }
    m_lastAggregateNorm2 = EstimateCommonNorm2(received, noiseW);
    return result;
}

} // namespace wfl
