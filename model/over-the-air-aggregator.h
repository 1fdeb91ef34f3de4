/*
 * Over-the-air aggregation (methods.md 1.3 and 6.3): all clients transmit at
 * once and the multiple-access channel adds their signals.
 *
 * Client k codes u_k = w_k g_k (w_k its FedAvg weight over the mean weight)
 * into real symbols v_k = T u_k (rlc: the round's shared random linear code)
 * or v_k = u_k (analog), two real symbols per complex channel use, and
 * appends one pilot use carrying w_k beta_b per coherence block (beta_b^2 a
 * fixed fraction of the mean data energy of the block). The power allocator
 * picks per block the active clients and the precoders; with inversion the
 * server receives c sum_k s_k + z, estimates the active weight W from the
 * pilot (no genie), and decodes g_hat = T^T Re/Im(y) / (c W).
 */
#ifndef WFL_OVER_THE_AIR_AGGREGATOR_H
#define WFL_OVER_THE_AIR_AGGREGATOR_H

#include "power-allocator.h"
#include "wireless-aggregator.h"

#include <memory>

namespace wfl
{

class RandomLinearCode;

/// Where data and pilot symbols sit in a slot of coherence blocks.
struct SlotLayout
{
    /// @param coherenceUses uses per fading block (>= 2), or 0 for one block.
    SlotLayout(size_t dataUses, size_t coherenceUses);

    size_t dataUses;
    size_t blockUses;   ///< uses per block including its pilot
    size_t blocks;
    size_t totalUses;

    size_t BlockStart(size_t block) const
    {
        return block * blockUses;
    }

    size_t BlockEnd(size_t block) const;

    size_t PilotPosition(size_t block) const
    {
        return BlockEnd(block) - 1;
    }

    /// Use index of data symbol j.
    size_t DataPosition(size_t j) const
    {
        return j + j / (blockUses - 1);
    }
};

class OverTheAirAggregator : public WirelessAggregator
{
  public:
    enum Coding
    {
        ANALOG, ///< one real value per real symbol, s = D / 2 uses
        RLC,    ///< random linear code, s = ratio * D / 2 uses
    };

    static ns3::TypeId GetTypeId();

  private:
    struct Slot;

    /// Per-client encoding buffers, reused from client to client.
    struct Scratch
    {
        Eigen::VectorXf u;        ///< w_k g_k
        Eigen::VectorXf real;     ///< real symbols, 2 per data use
        Eigen::VectorXcd symbols; ///< s_k over the slot, pilots included once known
    };

    AggregationResult DoAggregate(uint32_t round,
                                  const std::vector<ClientContribution>& contributions) override;
    void DoDispose() override;

    /// The round's random linear code (null for analog) and its noise gain.
    std::unique_ptr<RandomLinearCode> MakeCode(size_t dim, uint32_t round, double& noiseGainPerSymbol) const;
    /// Client k's slot symbols s_k into scratch.symbols (deterministic, so the
    /// statistics pass and the transmit pass see the same symbols).
    void BuildSymbols(const Slot& slot,
                      size_t k,
                      const ClientContribution& contribution,
                      Scratch& scratch) const;
    /// Each client's weight, data-symbol statistics per block and channel (fading, path loss).
    void EncodeClients(Slot& slot, uint32_t round, const std::vector<ClientContribution>& contributions) const;
    /// The pilot amplitude of each coherence block: PilotEnergyFraction of the mean data energy.
    void AddPilots(Slot& slot) const;
    /// Per block: the active clients and their precoders.
    void AllocatePower(Slot& slot) const;
    /// Everyone at once over the channel; fills the client reports; returns y.
    const Eigen::VectorXcd& Transmit(Slot& slot,
                                     uint32_t round,
                                     const std::vector<ClientContribution>& contributions,
                                     AggregationResult& result);
    /// The estimate of the weighted average from y.
    Eigen::VectorXf Decode(const Slot& slot, const Eigen::VectorXcd& y, size_t dim) const;

    Coding m_coding = RLC;
    double m_ratio = 0.1;
    uint32_t m_bucket = 4096;
    double m_pilotEnergyFraction = 0.05;
    ns3::Ptr<PowerAllocator> m_allocator;
    double m_lastAggregateNorm2 = -1.0; ///< server's estimate of ||g_bar||^2, previous round (< 0: none)
    double m_lastMeanNorm2 = 0.0;       ///< mean ||u_k / w_k||^2 of the previous round
};

} // namespace wfl

#endif
