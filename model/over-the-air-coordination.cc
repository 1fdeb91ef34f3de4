/*
 * OverTheAirAggregator, the server's side of the information structure
 * (docs/over-the-air.md, "Information structure"): the feedback mini-slot
 * and its cost, the pilots, the blind broadcast of c, and decoding with the
 * exact W (feedback) or the pilot's estimate (blind).
 */
#include "input-error.h"
#include "over-the-air-aggregator.h"
#include "over-the-air-slot.h"
#include "pilot-estimate.h"
#include "shortest-double.h"

#include "ns3/abort.h"

#include <algorithm>
#include <cmath>
#include <iostream>

namespace wfl
{

bool
OverTheAirAggregator::NeedsPilot() const
{
    // Feedback + inversion: the server knows W exactly and needs no pilot.
    // `full` has no CSI and scales by what the pilot saw; blind estimates W.
    return m_coordination == BLIND || ns3::DynamicCast<FullPowerAllocator>(m_allocator);
}

void
OverTheAirAggregator::CheckSlotState(const Slot& slot, size_t clients) const
{
    const bool full = ns3::DynamicCast<FullPowerAllocator>(m_allocator) != nullptr;
    const size_t bytes = SlotStateBytes(clients, slot.layout.blocks, full);
    if (bytes > m_slotStateLimitBytes)
    {
        throw InputError("channel.coherence-uses = " + std::to_string(m_coherenceUses) + ": " +
                         std::to_string(clients) + " clients x " + std::to_string(slot.layout.blocks) +
                         " coherence blocks need " + ShortestDouble(static_cast<double>(bytes) / 1e9) +
                         " GB of over-the-air slot state (" +
                         std::to_string(kStateBytesPerClientBlock) +
                         " B per client and block), above the limit of " +
                         ShortestDouble(static_cast<double>(m_slotStateLimitBytes) / 1e9) +
                         " GB; use longer coherence blocks or fewer clients per round");
    }
}

void
OverTheAirAggregator::ChargeFeedback(Slot& slot) const
{
    const SlotLayout& layout = slot.layout;
    // One report per SCHEDULED client and block: the server cannot know in
    // advance who is idle, so an idle client's mini-slot is simply empty.
    SlotOverhead overhead;
    overhead.coherenceUses = m_coherenceUses;
    overhead.pilot = layout.pilotUses > 0;
    overhead.usesPerReport = m_coordination == FEEDBACK ? m_feedbackUses : 0;
    overhead.scheduledClients = Scheduled().size();
    slot.uses = OverTheAirSlotBudget(layout.dataUses, overhead);
    NS_ABORT_MSG_IF(slot.uses.pilotUses != layout.blocks * layout.pilotUses, "slot layout and budget disagree");
    slot.dataBudgetJ = m_energyBudgetJ;
    if (m_coordination != FEEDBACK)
    {
        return;
    }
    const uint64_t reportUses = static_cast<uint64_t>(m_feedbackUses) * layout.blocks;
    // Each reporting client sends at its power limit over its report uses.
    slot.feedbackEnergyJ = MaxPowerW() * m_channel->ChannelUseSeconds() * static_cast<double>(reportUses);
    if (slot.feedbackEnergyJ > m_energyBudgetJ)
    {
        throw InputError("power.energy-j = " + ShortestDouble(m_energyBudgetJ) +
                         " J cannot pay the reports of power.coordination = feedback (" +
                         std::to_string(m_feedbackUses) + " uses (power.feedback-uses) x " +
                         std::to_string(layout.blocks) + " coherence blocks at power.max-dbm = " +
                         ShortestDouble(m_maxPowerDbm) + " dBm: " + ShortestDouble(slot.feedbackEnergyJ) +
                         " J); raise power.energy-j or channel.coherence-uses, lower "
                         "power.feedback-uses, or use power.coordination = blind");
    }
    slot.dataBudgetJ = m_energyBudgetJ - slot.feedbackEnergyJ;
}

void
OverTheAirAggregator::AddPilots(Slot& slot) const
{
    // Client k sends w_k * beta_b, where beta_b^2 is PilotEnergyFraction of a
    // block's data energy: the pilot costs a small share of the energy budget,
    // yet is received at about PilotEnergyFraction * L_b times the per-symbol
    // SNR. Feedback (`full`): the reporting clients' mean data energy in the
    // block, from their reports. Blind: the nominal client's, G^2 rho_b.
    const SlotLayout& layout = slot.layout;
    slot.pilotAmplitude.assign(layout.blocks, 0.0);
    if (layout.pilotUses == 0)
    {
        return;
    }
    const size_t clients = slot.weights.size();
    for (size_t b = 0; b < layout.blocks; ++b)
    {
        double energy = 0.0;
        if (m_coordination == BLIND)
        {
            // A full block's share even for a short last block, whose pilot
            // would otherwise be too weak to estimate W.
            energy = m_normBound * m_normBound * static_cast<double>(layout.dataPerBlock) /
                     static_cast<double>(layout.dataUses);
        }
        else
        {
            for (size_t k = 0; k < clients; ++k)
            {
                energy += slot.dataEnergy[k][b] / static_cast<double>(clients);
            }
        }
        slot.pilotAmplitude[b] = energy > 0.0 ? std::sqrt(m_pilotEnergyFraction * energy) : 1.0;
    }
}

void
OverTheAirAggregator::AllocateBlind(Slot& slot) const
{
    const SlotLayout& layout = slot.layout;
    const size_t clients = slot.weights.size();
    const double useSeconds = m_channel->ChannelUseSeconds();
    // Large-scale path loss of every scheduled client is known from registration.
    double weakest = std::numeric_limits<double>::infinity();
    for (const ScheduledClient& s : Scheduled())
    {
        weakest = std::min(weakest, std::pow(10.0, -PathLossDb(s.client) / 20.0));
    }
    slot.precoders.assign(clients, std::vector<std::complex<double>>(layout.blocks));
    for (size_t b = 0; b < layout.blocks; ++b)
    {
        const double length = static_cast<double>(layout.BlockEnd(b) - layout.BlockStart(b));
        const double share = length / static_cast<double>(layout.totalUses);
        NominalClient nominal;
        nominal.normBound = m_normBound;
        nominal.dataShare = static_cast<double>(layout.DataUsesIn(b)) / static_cast<double>(layout.dataUses);
        // The pilot carries f G^2 (full block share), relative to this block's data.
        nominal.pilotFraction = m_pilotEnergyFraction * static_cast<double>(layout.dataPerBlock) /
                                static_cast<double>(layout.DataUsesIn(b));
        nominal.blockUses = length;
        nominal.energyBudgetJ = slot.dataBudgetJ * share;
        nominal.maxPowerW = MaxPowerW();
        nominal.peakLimit = m_powerLimit == PEAK;
        nominal.useSeconds = useSeconds;
        nominal.gainAbs = std::sqrt(m_blindGainThreshold) * weakest;
        PowerDecision decision;
        decision.inversion = true;
        decision.scale = BlindScale(nominal);
        decision.active.assign(clients, false);
        // Each client checks c against its own budget with its own CSI.
        for (size_t k = 0; k < clients; ++k)
        {
            const double pilot = slot.weights[k] * slot.pilotAmplitude[b];
            PowerCandidate p;
            p.gainAbs = std::abs(slot.gains[k][b]);
            p.peakSymbolAbs = std::max(slot.dataPeak[k][b], std::abs(pilot));
            p.symbolEnergy = slot.dataEnergy[k][b] + pilot * pilot;
            p.uses = length;
            p.peakLimit = nominal.peakLimit;
            p.maxPowerW = nominal.maxPowerW;
            p.energyBudgetJ = nominal.energyBudgetJ;
            if (decision.scale > 0.0 && p.MaxScale(useSeconds) >= decision.scale)
            {
                decision.active[k] = true;
                slot.precoders[k][b] = decision.scale / slot.gains[k][b];
            }
        }
        slot.decisions.push_back(std::move(decision));
    }
}

Eigen::VectorXf
OverTheAirAggregator::Decode(const Slot& slot,
                             const Eigen::VectorXcd& y,
                             size_t dim,
                             AggregationResult& result) const
{
    const SlotLayout& layout = slot.layout;
    PilotEstimateOptions options;
    options.equalWeights = slot.equalWeights;
    options.minWeight = slot.minWeight;
    options.correctBias = m_pilotBiasCorrection;
    // The server decodes in double: one decode per round, and exact enough that a
    // noiseless analog slot reproduces the ideal average.
    Eigen::VectorXd received = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(2 * layout.dataUses));
    for (size_t b = 0; b < layout.blocks; ++b)
    {
        const PowerDecision& decision = slot.decisions[b];
        // W: the active weight (the simulation knows it; the server only in feedback mode).
        double activeWeight = 0.0;
        for (size_t k = 0; k < slot.weights.size(); ++k)
        {
            activeWeight += decision.active[k] ? slot.weights[k] : 0.0;
        }
        std::complex<double> divisor(0.0);
        double serverWeight = std::numeric_limits<double>::quiet_NaN();
        if (!decision.inversion)
        {
            // No CSI (`full`): scale by what the pilot saw.
            divisor = y(static_cast<Eigen::Index>(layout.PilotPosition(b))) / slot.pilotAmplitude[b];
        }
        else if (decision.scale > 0.0 && m_coordination == FEEDBACK)
        {
            serverWeight = activeWeight; // from the reports and the broadcast active set
            divisor = decision.scale * activeWeight;
        }
        else if (decision.scale > 0.0)
        {
            PilotObservation pilot;
            pilot.received = y(static_cast<Eigen::Index>(layout.PilotPosition(b))).real();
            pilot.scale = decision.scale;
            pilot.amplitude = slot.pilotAmplitude[b];
            pilot.noisePowerW = m_channel->NoisePowerW();
            serverWeight = EffectiveActiveWeight(pilot, options);
            divisor = decision.scale * serverWeight;
        }
        if (b == 0)
        {
            result.activeWeight = activeWeight;
            result.activeWeightEstimate = serverWeight;
        }
        if (std::abs(divisor) == 0.0)
        {
            continue; // nobody sent in this block (known to the server): its coordinates stay zero
        }
        for (size_t j = layout.FirstData(b); j < layout.DataEnd(b); ++j)
        {
            const std::complex<double> value =
                y(static_cast<Eigen::Index>(layout.DataPosition(j))) / divisor;
            received(static_cast<Eigen::Index>(2 * j)) = value.real();
            received(static_cast<Eigen::Index>(2 * j + 1)) = value.imag();
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

} // namespace wfl
