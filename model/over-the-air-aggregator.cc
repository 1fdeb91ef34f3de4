#include "over-the-air-aggregator.h"

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

AggregationResult
OverTheAirAggregator::DoAggregate(uint32_t round, const std::vector<ClientContribution>& contributions)
{
    EnsureParts();
    if (!m_allocator)
    {
        m_allocator = ns3::CreateObject<InversionPowerAllocator>();
    }
    const size_t clients = contributions.size();
    const size_t dim = static_cast<size_t>(contributions.front().update->size());

    // The round's code, rebuilt from (seed, round) exactly as every client does.
    std::unique_ptr<RandomLinearCode> code;
    size_t realSymbols = dim;
    double noiseGainPerSymbol = 1.0; // E||decoded noise||^2 per unit real-symbol noise
    if (m_coding == RLC)
    {
        // A model smaller than the bucket uses the smallest power of two that holds it.
        size_t bucket = 1;
        while (bucket < std::min<size_t>(m_bucket, dim))
        {
            bucket *= 2;
        }
        const size_t rows = std::max<size_t>(
            1, static_cast<size_t>(std::lround(m_ratio * static_cast<double>(bucket))));
        code = std::make_unique<RandomLinearCode>(dim, bucket, rows, m_seed, round);
        realSymbols = code->CodeLength();
        noiseGainPerSymbol = static_cast<double>(bucket) / static_cast<double>(rows);
    }
    const SlotLayout layout((realSymbols + 1) / 2, m_coherenceUses);
    const double useSeconds = m_channel->ChannelUseSeconds();
    const double noiseW = m_channel->NoisePowerW();

    double meanWeight = 0.0;
    for (const ClientContribution& c : contributions)
    {
        meanWeight += c.weight / static_cast<double>(clients);
    }

    using Clock = std::chrono::steady_clock;
    const auto encodeStart = Clock::now();
    // Each client's coded symbols (pilots included) and its channel.
    std::vector<Eigen::VectorXcd> symbols(clients);
    std::vector<std::vector<std::complex<double>>> gains(clients);
    std::vector<std::vector<std::complex<double>>> fading(clients);
    std::vector<double> weights(clients);
    std::vector<double> updateNorm2(clients);
    std::vector<double> pathLossDb(clients);
    Eigen::VectorXf u;
    Eigen::VectorXf real(static_cast<Eigen::Index>(layout.dataUses * 2));
    for (size_t k = 0; k < clients; ++k)
    {
        const ClientContribution& c = contributions[k];
        weights[k] = c.weight / meanWeight;
        u = static_cast<float>(weights[k]) * (*c.update);
        updateNorm2[k] = u.cast<double>().squaredNorm();
        real.setZero();
        if (code)
        {
            code->Encode(u.data(), real.data());
        }
        else
        {
            real.head(u.size()) = u;
        }
        Eigen::VectorXcd& s = symbols[k];
        s.setZero(static_cast<Eigen::Index>(layout.totalUses));
        for (size_t j = 0; j < layout.dataUses; ++j)
        {
            s(static_cast<Eigen::Index>(layout.DataPosition(j))) = {real(2 * j), real(2 * j + 1)};
        }
        fading[k] = DrawFading(c.client, round, layout.blocks);
        pathLossDb[k] = PathLossDb(c.client);
        const double amplitude = std::pow(10.0, -pathLossDb[k] / 20.0);
        for (const auto& f : fading[k])
        {
            gains[k].push_back(amplitude * f);
        }
    }

    // Pilots: client k sends w_k * beta_b, where beta_b^2 is PilotEnergyFraction
    // of the clients' mean data energy in block b (known to all from the same
    // feedback as c), so the pilot costs a small share of the energy budget yet
    // is received at about PilotEnergyFraction * L_b times the per-symbol SNR.
    std::vector<double> pilotAmplitude(layout.blocks, 1.0);
    for (size_t b = 0; b < layout.blocks; ++b)
    {
        const auto start = static_cast<Eigen::Index>(layout.BlockStart(b));
        const auto length = static_cast<Eigen::Index>(layout.BlockEnd(b) - layout.BlockStart(b));
        double meanEnergy = 0.0;
        for (size_t k = 0; k < clients; ++k)
        {
            meanEnergy += symbols[k].segment(start, length).squaredNorm() / static_cast<double>(clients);
        }
        if (meanEnergy > 0.0)
        {
            pilotAmplitude[b] = std::sqrt(m_pilotEnergyFraction * meanEnergy);
        }
        for (size_t k = 0; k < clients; ++k)
        {
            symbols[k](static_cast<Eigen::Index>(layout.PilotPosition(b))) = weights[k] * pilotAmplitude[b];
        }
    }
    const auto encodeEnd = Clock::now();
    // Per block: who transmits, and with which precoder.
    std::vector<std::vector<std::complex<double>>> precoders(
        clients, std::vector<std::complex<double>>(layout.blocks));
    std::vector<PowerDecision> decisions;
    for (size_t b = 0; b < layout.blocks; ++b)
    {
        const auto start = static_cast<Eigen::Index>(layout.BlockStart(b));
        const auto length = static_cast<Eigen::Index>(layout.BlockEnd(b) - layout.BlockStart(b));
        const double share = static_cast<double>(length) / static_cast<double>(layout.totalUses);
        const double dataShare = static_cast<double>(length - 1) / static_cast<double>(layout.dataUses);
        std::vector<PowerCandidate> candidates(clients);
        for (size_t k = 0; k < clients; ++k)
        {
            PowerCandidate& p = candidates[k];
            const auto block = symbols[k].segment(start, length);
            p.gainAbs = std::abs(gains[k][b]);
            p.fadingPower = std::norm(fading[k][b]);
            p.peakSymbolAbs = block.cwiseAbs().maxCoeff();
            p.symbolEnergy = block.squaredNorm();
            p.uses = static_cast<double>(length);
            p.peakLimit = m_powerLimit == PEAK;
            p.maxPowerW = MaxPowerW();
            p.energyBudgetJ = m_energyBudgetJ * share;
            p.weight = weights[k];
            p.updateNorm2 = updateNorm2[k] * dataShare;
        }
        AllocationContext context;
        context.useSeconds = useSeconds;
        context.noisePowerW = noiseW;
        context.noiseGain = noiseGainPerSymbol * 2.0 * static_cast<double>(length - 1);
        context.aggregateNorm2 = m_lastAggregateNorm2 * dataShare;
        PowerDecision decision = m_allocator->Allocate(candidates, context);
        for (size_t k = 0; k < clients; ++k)
        {
            if (decision.active[k])
            {
                precoders[k][b] = decision.inversion ? decision.scale / gains[k][b]
                                                     : std::complex<double>(decision.amplitude[k]);
            }
        }
        decisions.push_back(std::move(decision));
    }

    // The slot: everyone at once, then noise.
    AggregationResult result;
    m_channel->BeginSlot(layout.totalUses);
    Eigen::VectorXcd x;
    for (size_t k = 0; k < clients; ++k)
    {
        x = symbols[k];
        double maxBlockPower = 0.0;
        for (size_t b = 0; b < layout.blocks; ++b)
        {
            const auto start = static_cast<Eigen::Index>(layout.BlockStart(b));
            const auto length = static_cast<Eigen::Index>(layout.BlockEnd(b) - layout.BlockStart(b));
            x.segment(start, length) *= precoders[k][b];
            maxBlockPower = std::max(maxBlockPower,
                                     x.segment(start, length).squaredNorm() / static_cast<double>(length));
        }
        ClientLinkReport report;
        report.client = contributions[k].client;
        report.fadingAbs = std::abs(fading[k].front());
        report.pathLossDb = pathLossDb[k];
        report.txEnergyJ = useSeconds * x.squaredNorm();
        report.peakPowerW = x.cwiseAbs2().maxCoeff();
        report.powerW = maxBlockPower;
        report.active = report.peakPowerW > 0.0;
        result.energyJ += report.txEnergyJ;
        result.activeClients += report.active ? 1 : 0;
        result.clients.push_back(report);
        m_channel->Transmit(x, gains[k], m_coherenceUses == 0 ? 0 : layout.blockUses);
        symbols[k].resize(0); // release as we go
    }
    Rng noise(m_seed, "mac-noise", round);
    const Eigen::VectorXcd& y = m_channel->EndSlot(noise);
    const auto channelEnd = Clock::now();

    // Decode: per block, scale by c and the pilot's estimate of the active weight.
    bool equalWeights = true;
    for (double w : weights)
    {
        equalWeights = equalWeights && std::abs(w - 1.0) < 1e-12;
    }
    const double minWeight = *std::min_element(weights.begin(), weights.end());
    // The server decodes in double: one decode per round, and exact enough that a
    // noiseless analog slot reproduces the ideal average.
    Eigen::VectorXd received = Eigen::VectorXd::Zero(real.size());
    for (size_t b = 0; b < layout.blocks; ++b)
    {
        const PowerDecision& decision = decisions[b];
        const std::complex<double> pilot = y(static_cast<Eigen::Index>(layout.PilotPosition(b)));
        std::complex<double> divisor(0.0);
        if (decision.inversion && decision.scale > 0.0)
        {
            double activeWeight = pilot.real() / (decision.scale * pilotAmplitude[b]);
            // Equal weights: the pilot counts the active clients.
            activeWeight = equalWeights ? std::max(1.0, std::round(activeWeight))
                                        : std::max(minWeight, activeWeight);
            divisor = decision.scale * activeWeight;
        }
        else if (!decision.inversion)
        {
            divisor = pilot / pilotAmplitude[b]; // no CSI: scale by what the pilot saw
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
    if (code)
    {
        Eigen::VectorXd decoded(static_cast<Eigen::Index>(dim));
        code->Decode(received.data(), decoded.data());
        result.estimate = decoded.cast<float>();
    }
    else
    {
        result.estimate = received.head(static_cast<Eigen::Index>(dim)).cast<float>();
    }

    if (decisions.front().inversion)
    {
        result.receiveScale = decisions.front().scale;
    }
    result.wallEncodeS = std::chrono::duration<double>(encodeEnd - encodeStart).count();
    result.wallChannelS = std::chrono::duration<double>(channelEnd - encodeEnd).count();
    result.wallDecodeS = std::chrono::duration<double>(Clock::now() - channelEnd).count();
    result.channelUses = layout.totalUses;
    result.airtime = ns3::Seconds(useSeconds * static_cast<double>(layout.totalUses));
    result.meanRxSnrDb = noiseW > 0.0 ? 10.0 * std::log10(m_channel->LastSignalPowerW() / noiseW)
                                      : std::numeric_limits<double>::infinity();
    m_lastAggregateNorm2 = result.estimate.cast<double>().squaredNorm();
    return result;
}

} // namespace wfl
