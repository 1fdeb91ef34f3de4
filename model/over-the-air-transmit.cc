/*
 * OverTheAirAggregator, what the clients send (docs/over-the-air.md): each
 * client's symbols s_k (its weighted update, clipped to G in blind mode,
 * rlc-coded or analog, two real symbols per complex use, block by block
 * with the pilot last), their per-block statistics for the power decision,
 * the channel draws, and the slot itself: precoded symbols summed by the
 * multiple-access channel in client order.
 */
#include "over-the-air-aggregator.h"
#include "over-the-air-slot.h"
#include "random-linear-code.h"
#include "random.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace wfl
{

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

} // namespace wfl
