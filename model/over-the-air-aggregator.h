/*
 * Over-the-air aggregation (methods.md 1.3 and 6.3): all clients transmit at
 * once and the multiple-access channel adds their signals.
 *
 * Client k codes u_k = w_k g_k (w_k its FedAvg weight over the mean weight of
 * the scheduled clients) into real symbols v_k = T u_k (rlc: the round's
 * shared random linear code) or v_k = u_k (analog), two real symbols per
 * complex channel use. What the server knows is set by Coordination
 * (docs/over-the-air.md, "Information structure"):
 *
 * - Feedback: before the data slot every scheduled client has a TDMA report
 *   mini-slot per coherence block (FeedbackUses uses each; idle clients leave
 *   theirs empty); the reports (c_k, the block's ||u_k||^2 share) are
 *   error-free, and so is the free downlink broadcast of c and of the active
 *   set. The server then knows the active set and W exactly. Inverting
 *   policies send no pilot; `full` (no CSI) keeps one pilot use per block.
 * - Blind: no reports. Clients clip ||u_k|| to NormBound G; the server
 *   broadcasts a common c per block from G, the scheduled clients' path
 *   losses and BlindGainThreshold; each client checks its own budget with its
 *   own CSI and stays silent if it cannot meet c. Every block ends with a
 *   pilot use carrying w_k beta_b, from which the server estimates W.
 *
 * With inversion the server receives c sum_k s_k + z and decodes
 * g_hat = T^T Re/Im(y) / (c W) (W, or its pilot estimate).
 */
#ifndef WFL_OVER_THE_AIR_AGGREGATOR_H
#define WFL_OVER_THE_AIR_AGGREGATOR_H

#include "power-allocator.h"
#include "slot-layout.h"
#include "wireless-aggregator.h"

#include <memory>

namespace wfl
{

class RandomLinearCode;

class OverTheAirAggregator : public WirelessAggregator
{
  public:
    enum Coding
    {
        ANALOG, ///< one real value per real symbol, s = D / 2 uses
        RLC,    ///< random linear code, s = ratio * D / 2 uses
    };

    enum Coordination
    {
        FEEDBACK, ///< per-client reports before the slot (charged); W known exactly
        BLIND,    ///< no reports: broadcast c from a norm bound, W from the pilot
    };

    static ns3::TypeId GetTypeId();

    /**
     * Bytes of per-round slot state per client and coherence block (fading,
     * gains, precoders, block energy and peak: 64) and per block (the
     * decision: its header plus one bit per client, and 8 bytes per client
     * under `full`). The state is clients x blocks, not O(D): see
     * docs/over-the-air.md, "Cost in memory and time".
     */
    static constexpr size_t kStateBytesPerClientBlock = 64;
    static size_t SlotStateBytes(size_t clients, size_t blocks, bool fullPolicy);

  private:
    struct Slot;

    /// Per-client encoding buffers, reused from client to client.
    struct Scratch
    {
        Eigen::VectorXf u;        ///< w_k g_k (clipped to G in blind mode)
        Eigen::VectorXf real;     ///< real symbols, 2 per data use
        Eigen::VectorXcd symbols; ///< s_k over the slot, pilots included once known
    };

    AggregationResult DoAggregate(uint32_t round,
                                  const std::vector<ClientContribution>& contributions) override;
    void DoDispose() override;

    /// The round's random linear code (null for analog).
    std::unique_ptr<RandomLinearCode> MakeCode(size_t dim, uint32_t round) const;
    /// Whether the decoder needs a pilot use per block (blind, or a policy without CSI).
    bool NeedsPilot() const;
    /// Client k's slot symbols s_k into scratch.symbols (deterministic, so the
    /// statistics pass and the transmit pass see the same symbols); true if clipped.
    bool BuildSymbols(const Slot& slot,
                      size_t k,
                      const ClientContribution& contribution,
                      Scratch& scratch) const;
    /// Each client's weight, data-symbol statistics per block and channel (fading, path loss).
    void EncodeClients(Slot& slot, uint32_t round, const std::vector<ClientContribution>& contributions) const;
    /// Feedback mode: the report uses and each reporting client's report energy.
    void ChargeFeedback(Slot& slot) const;
    /// Refuse a slot whose per-client state would exceed SlotStateLimitBytes.
    void CheckSlotState(const Slot& slot, size_t clients) const;
    /// The pilot amplitude of each coherence block (0 without a pilot).
    void AddPilots(Slot& slot) const;
    /// Per block: the active clients and their precoders (feedback mode, and `full`).
    void AllocatePower(Slot& slot) const;
    /// Blind mode, inverting policies: broadcast c per block; clients decide.
    void AllocateBlind(Slot& slot) const;
    /// Everyone at once over the channel; fills the client reports; returns y.
    const Eigen::VectorXcd& Transmit(Slot& slot,
                                     uint32_t round,
                                     const std::vector<ClientContribution>& contributions,
                                     AggregationResult& result);
    /// The estimate of the weighted average from y; records W and W_hat of block 0.
    Eigen::VectorXf Decode(const Slot& slot, const Eigen::VectorXcd& y, size_t dim, AggregationResult& result) const;
    /// After decoding: the server's ||g_bar||^2 estimate from the received data
    /// symbols and the mean ||u_k / w_k||^2, for the next round's mse-optimal rule.
    void UpdateNormEstimates(const Slot& slot, const Eigen::VectorXcd& y, double noiseW);

    Coding m_coding = RLC;
    double m_ratio = 0.1;
    uint32_t m_bucket = 4096;
    double m_pilotEnergyFraction = 0.05;
    Coordination m_coordination = FEEDBACK;
    uint32_t m_feedbackUses = 16;
    double m_normBound = 0.0;
    double m_blindGainThreshold = 0.1;
    bool m_pilotBiasCorrection = true;
    uint64_t m_slotStateLimitBytes = 8ull << 30;
    ns3::Ptr<PowerAllocator> m_allocator;
    double m_lastAggregateNorm2 = -1.0; ///< server's estimate of ||g_bar||^2, previous round (< 0: none)
    double m_lastMeanNorm2 = 0.0;       ///< mean ||u_k / w_k||^2 of the previous round
};

} // namespace wfl

#endif
