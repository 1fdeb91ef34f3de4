/*
 * OverTheAirAggregator, the per-block power decision in feedback mode (and
 * under `full`) and the server's bookkeeping for the next round's
 * mse-optimal rule (docs/power-allocation.md): its estimate of ||g_bar||^2,
 * from the received data symbols, and the mean ||u_k / w_k||^2.
 */
#include "mse-optimal-rule.h"
#include "over-the-air-aggregator.h"
#include "over-the-air-slot.h"

#include <algorithm>
#include <cmath>

namespace wfl
{

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

void
OverTheAirAggregator::UpdateNormEstimates(const Slot& slot, const Eigen::VectorXcd& y, double noiseW)
{
    // The server's estimate of ||g_bar||^2 for the next round's mse-optimal rule, from
    // the received data symbols, never from the decoded estimate: ||g_hat||^2 also holds
    // rlc's projection error, about (n/k - 1) ||g||^2 (docs/power-allocation.md).
    const size_t clients = slot.weights.size(); // one per contribution (EncodeClients)
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
}

} // namespace wfl
