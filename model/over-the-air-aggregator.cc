#include "over-the-air-aggregator.h"

#include "mse-optimal-rule.h"

#include "random-linear-code.h"
#include "random.h"

#include "ns3/abort.h"
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

SlotLayout::SlotLayout(size_t data, size_t coherenceUses)
    : dataUses(data),
      blockUses(coherenceUses == 0 ? data + 1 : coherenceUses),
      blocks(coherenceUses == 0 ? 1 : (data + coherenceUses - 2) / (coherenceUses - 1)),
      totalUses(data + blocks)
{
    NS_ABORT_MSG_IF(coherenceUses == 1, "a coherence block needs at least 2 uses (data + pilot)");
    NS_ABORT_MSG_IF(data == 0, "empty slot");
}

size_t
SlotLayout::BlockEnd(size_t block) const
{
    return std::min((block + 1) * blockUses, totalUses);
}

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
                          ns3::MakeEnumChecker(ANALOG, "Analog", RLC, "Rlc"))
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

/// Everything one round's slot needs, built step by step by DoAggregate.
struct OverTheAirAggregator::Slot
{
    explicit Slot(size_t dataUses, size_t coherenceUses)
        : layout(dataUses, coherenceUses)
    {
    }

    std::unique_ptr<RandomLinearCode> code; ///< null for analog
    double noiseGainPerSymbol = 1.0;        ///< E||decoded noise||^2 per unit real-symbol noise
    SlotLayout layout;
    std::vector<double> weights;            ///< w_k over the mean weight
    std::vector<double> updateNorm2;        ///< ||u_k||^2
    // The symbols themselves are not kept: with thousands of clients they
    // would take clients x D x 8 bytes. Encoding runs twice instead (it is
    // deterministic): once for these block statistics, once to transmit.
    std::vector<std::vector<double>> dataEnergy; ///< sum |s_i|^2 over block b's data, per client
    std::vector<std::vector<double>> dataPeak;   ///< max |s_i| over block b's data, per client
    double transmitEncodeSeconds = 0.0;          ///< re-encoding time inside Transmit
    std::vector<std::vector<std::complex<double>>> fading; ///< f_kb
    std::vector<std::vector<std::complex<double>>> gains;  ///< h_kb, path loss included
    std::vector<double> pathLossDb;
    std::vector<double> pilotAmplitude;     ///< beta_b
    std::vector<PowerDecision> decisions;   ///< per block
    std::vector<std::vector<std::complex<double>>> precoders; ///< p_kb
};

std::unique_ptr<RandomLinearCode>
OverTheAirAggregator::MakeCode(size_t dim, uint32_t round, double& noiseGainPerSymbol) const
{
    noiseGainPerSymbol = 1.0;
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
    noiseGainPerSymbol = static_cast<double>(bucket) / static_cast<double>(rows);
    // Rebuilt from (seed, round) exactly as every client does.
    return std::make_unique<RandomLinearCode>(dim, bucket, rows, m_seed, round);
}

void
OverTheAirAggregator::BuildSymbols(const Slot& slot,
                                   size_t k,
                                   const ClientContribution& contribution,
                                   Scratch& scratch) const
{
    const SlotLayout& layout = slot.layout;
    scratch.u = static_cast<float>(slot.weights[k]) * (*contribution.update);
    scratch.real.setZero(static_cast<Eigen::Index>(layout.dataUses * 2));
    if (slot.code)
    {
        slot.code->Encode(scratch.u.data(), scratch.real.data());
    }
    else
    {
        scratch.real.head(scratch.u.size()) = scratch.u;
    }
    // Block by block: data uses are contiguous inside a block, the pilot is its last use
    // (zero until AddPilots has chosen the amplitudes).
    scratch.symbols.resize(static_cast<Eigen::Index>(layout.totalUses));
    std::complex<double>* out = scratch.symbols.data();
    for (size_t b = 0; b < layout.blocks; ++b)
    {
        const size_t firstData = b * (layout.blockUses - 1);
        const size_t lastData = std::min(layout.dataUses, firstData + layout.blockUses - 1);
        std::complex<double>* block = out + layout.BlockStart(b);
        for (size_t j = firstData; j < lastData; ++j)
        {
            block[j - firstData] = {scratch.real(static_cast<Eigen::Index>(2 * j)),
                                    scratch.real(static_cast<Eigen::Index>(2 * j + 1))};
        }
        out[layout.PilotPosition(b)] =
            slot.pilotAmplitude.empty() ? 0.0 : slot.weights[k] * slot.pilotAmplitude[b];
    }
}

void
OverTheAirAggregator::EncodeClients(Slot& slot,
                                    uint32_t round,
                                    const std::vector<ClientContribution>& contributions) const
{
    const size_t clients = contributions.size();
    double meanWeight = 0.0;
    for (const ClientContribution& c : contributions)
    {
        meanWeight += c.weight / static_cast<double>(clients);
    }
    const SlotLayout& layout = slot.layout;
    for (const ClientContribution& c : contributions)
    {
        slot.weights.push_back(c.weight / meanWeight);
    }
    // Encoding is independent per client: on the workers, each writing its own slots.
    slot.updateNorm2.assign(clients, 0.0);
    slot.dataEnergy.assign(clients, std::vector<double>(layout.blocks));
    slot.dataPeak.assign(clients, std::vector<double>(layout.blocks));
    std::vector<Scratch> scratch(Workers());
    ForEachClient(clients, [&](size_t k, unsigned worker) {
        Scratch& mine = scratch[worker];
        BuildSymbols(slot, k, contributions[k], mine);
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
OverTheAirAggregator::AddPilots(Slot& slot) const
{
    // Client k sends w_k * beta_b, where beta_b^2 is PilotEnergyFraction of the
    // clients' mean data energy in block b (known to all from the same feedback
    // as c): the pilot costs a small share of the energy budget, yet is received
    // at about PilotEnergyFraction * L_b times the per-symbol SNR.
    const SlotLayout& layout = slot.layout;
    const size_t clients = slot.weights.size();
    slot.pilotAmplitude.assign(layout.blocks, 1.0);
    for (size_t b = 0; b < layout.blocks; ++b)
    {
        double meanEnergy = 0.0;
        for (size_t k = 0; k < clients; ++k)
        {
            meanEnergy += slot.dataEnergy[k][b] / static_cast<double>(clients);
        }
        if (meanEnergy > 0.0)
        {
            slot.pilotAmplitude[b] = std::sqrt(m_pilotEnergyFraction * meanEnergy);
        }
    }
}

void
OverTheAirAggregator::AllocatePower(Slot& slot) const
{
    const SlotLayout& layout = slot.layout;
    const size_t clients = slot.weights.size();
    slot.precoders.assign(clients, std::vector<std::complex<double>>(layout.blocks));
    // For the mse-optimal rule (docs/power-allocation.md). Coordinates decoded: D for
    // rlc, and for analog its real symbols (D rounded up to even, one over at most).
    const double dim = static_cast<double>(slot.code ? slot.code->Dim() : 2 * layout.dataUses);
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
        const double dataShare = static_cast<double>(length - 1) / static_cast<double>(layout.dataUses);
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
            p.energyBudgetJ = m_energyBudgetJ * share;
            p.weight = slot.weights[k];
            p.updateNorm2 = slot.updateNorm2[k] * dataShare;
        }
        AllocationContext context;
        context.useSeconds = m_channel->ChannelUseSeconds();
        context.noisePowerW = m_channel->NoisePowerW();
        context.noiseGain = 0.5 * dim * dataShare; // sigma^2 / 2 per decoded coordinate
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
            report.txEnergyJ = useSeconds * x.squaredNorm();
            report.peakPowerW = x.cwiseAbs2().maxCoeff();
            report.powerW = maxBlockPower;
            report.active = report.peakPowerW > 0.0;
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

Eigen::VectorXf
OverTheAirAggregator::Decode(const Slot& slot, const Eigen::VectorXcd& y, size_t dim) const
{
    const SlotLayout& layout = slot.layout;
    bool equalWeights = true;
    for (double w : slot.weights)
    {
        equalWeights = equalWeights && std::abs(w - 1.0) < 1e-12;
    }
    const double minWeight = *std::min_element(slot.weights.begin(), slot.weights.end());
    // The server decodes in double: one decode per round, and exact enough that a
    // noiseless analog slot reproduces the ideal average.
    Eigen::VectorXd received = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(2 * layout.dataUses));
    for (size_t b = 0; b < layout.blocks; ++b)
    {
        // Scale by c and the pilot's estimate of the active weight.
        const PowerDecision& decision = slot.decisions[b];
        const std::complex<double> pilot = y(static_cast<Eigen::Index>(layout.PilotPosition(b)));
        std::complex<double> divisor(0.0);
        if (decision.inversion && decision.scale > 0.0)
        {
            double activeWeight = pilot.real() / (decision.scale * slot.pilotAmplitude[b]);
            // Equal weights: the pilot counts the active clients.
            activeWeight = equalWeights ? std::max(1.0, std::round(activeWeight))
                                        : std::max(minWeight, activeWeight);
            divisor = decision.scale * activeWeight;
        }
        else if (!decision.inversion)
        {
            divisor = pilot / slot.pilotAmplitude[b]; // no CSI: scale by what the pilot saw
        }
        if (std::abs(divisor) == 0.0)
        {
            continue; // nobody sent in this block: its coordinates stay zero
        }
        const size_t firstData = b * (layout.blockUses - 1);
        const size_t lastData = std::min(layout.dataUses, firstData + layout.blockUses - 1);
        for (size_t j = firstData; j < lastData; ++j)
        {
            const std::complex<double> value =
                y(static_cast<Eigen::Index>(layout.DataPosition(j))) / divisor;
            received(2 * j) = value.real();
            received(2 * j + 1) = value.imag();
        }
    }
    if (!slot.code)
    {
        return received.head(static_cast<Eigen::Index>(dim)).cast<float>();
    }
    Eigen::VectorXd decoded(static_cast<Eigen::Index>(dim));
    slot.code->Decode(received.data(), decoded.data());
    return decoded.cast<float>();
}

AggregationResult
OverTheAirAggregator::DoAggregate(uint32_t round, const std::vector<ClientContribution>& contributions)
{
    EnsureParts();
    if (!m_allocator)
    {
        m_allocator = ns3::CreateObject<InversionPowerAllocator>();
    }
    const size_t dim = static_cast<size_t>(contributions.front().update->size());
    using Clock = std::chrono::steady_clock;
    const auto encodeStart = Clock::now();
    double noiseGainPerSymbol = 1.0;
    std::unique_ptr<RandomLinearCode> code = MakeCode(dim, round, noiseGainPerSymbol);
    const size_t realSymbols = code ? code->CodeLength() : dim;
    Slot slot((realSymbols + 1) / 2, m_coherenceUses);
    slot.code = std::move(code);
    slot.noiseGainPerSymbol = noiseGainPerSymbol;
    EncodeClients(slot, round, contributions);
    AddPilots(slot);
    const auto encodeEnd = Clock::now();

    AggregationResult result;
    AllocatePower(slot);
    const Eigen::VectorXcd& y = Transmit(slot, round, contributions, result);
    const auto channelEnd = Clock::now();
    result.estimate = Decode(slot, y, dim);

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
    result.channelUses = slot.layout.totalUses;
    result.airtime = ns3::Seconds(useSeconds * static_cast<double>(slot.layout.totalUses));
    result.meanRxSnrDb = noiseW > 0.0 ? 10.0 * std::log10(m_channel->LastSignalPowerW() / noiseW)
                                      : std::numeric_limits<double>::infinity();
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
        const size_t uses = slot.layout.BlockEnd(b) - first - 1; // the pilot is the last use
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
