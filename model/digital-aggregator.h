/*
 * Digital baseline: orthogonal access (TDMA) over the same spectrum.
 *
 * Spectrum. The round's slot has S complex channel uses: TotalUses if set,
 * else exactly the uses of an rlc slot at the same (D, CodingRatio,
 * BucketLength, CoherenceUses) with the same overhead: FeedbackUses report
 * uses per scheduled client and block (power.coordination = feedback) or
 * one pilot per block (MatchPilots, blind) (RlcSlotBudget in slot-budget.h),
 * so every scheme compared at one ratio
 * gets the same spectrum. Digital spends all S uses on payload: it sends no
 * pilot of its own (rate adaptation assumes each client knows its channel
 * from the server's downlink pilot, as over TDD reciprocity; the downlink is
 * ideal and not charged) and runs no feedback exchange.
 *
 * Schedule. Before anyone transmits, the server divides the S uses among the
 * M clients it scheduled (Aggregator::Scheduled(), in that order):
 *   S >= M: floor(S/M) uses each, one more for the first S mod M;
 *   S <  M: a uniformly random subset of S of them (stream
 *           ("digital-schedule", round), shared with the clients through the
 *           seed) gets one use each; the rest are unscheduled (active = 0,
 *           bits = 0) and the run says so once on stderr.
 * Slots follow one another in schedule order. The slot of a scheduled client
 * that turns out idle (or late) is wasted: the server cannot know in advance.
 *
 * Signalling and power. A client sends a square QAM constellation whose peak
 * symbol power is PeakToAverageDb above its mean (3(sqrt(Q)-1)/(sqrt(Q)+1) < 3,
 * i.e. 4.77 dB, for Q-QAM: the default), at a constant mean power
 *   P_k = min(P_lim, E / (Ts S_k)),  P_lim = P_max (average) or P_max / PAPR (peak),
 * so its mean power over every coherence block it sends in is P_k <= P_max
 * under `average`, and every symbol is <= P_max under `peak`. Its rate is
 * taken as the Shannon capacity at its mean SNR, block by block over the
 * fading blocks its slot spans (it knows each block's gain):
 *   B_k = floor(sum_b S_kb log2(1 + P_k |h_kb|^2 / sigma^2)) bits
 * (an upper bound: the 1.53 dB shaping gap of QAM is not charged). 16 of
 * these bits are a rate header that tells the server B_k (the quantizer fit
 * follows from it); the rest carry the update, quantized to fit (unbiased
 * QSGD with sparsification, see stochastic-quantizer.h). A client that
 * cannot fit the header, the 32-bit scale and one coordinate is dropped for
 * the round. The server averages the decoded updates it received, weighted by
 * sample counts.
 */
#ifndef WFL_DIGITAL_AGGREGATOR_H
#define WFL_DIGITAL_AGGREGATOR_H

#include "wireless-aggregator.h"

#include <vector>

namespace wfl
{

class DigitalAggregator : public WirelessAggregator
{
  public:
    /// Bits of every payload that carry its rate (the server's only side information).
    static constexpr double kRateHeaderBits = 16.0;

    /// One scheduled client's share of the slot (uses = 0: unscheduled).
    struct TdmaSlot
    {
        uint64_t start = 0;
        uint64_t uses = 0;
    };

    static ns3::TypeId GetTypeId();

    /// Uses S of the round's slot for a model of `dim` coordinates with
    /// `scheduledClients` scheduled (the rlc slot's reports scale with them).
    uint64_t SlotUses(size_t dim, size_t scheduledClients) const;

    /// The server's division of `slotUses` among `scheduled` clients (see the class comment).
    static std::vector<TdmaSlot> Schedule(uint64_t slotUses, size_t scheduled, uint64_t seed, uint32_t round);

  private:
    AggregationResult DoAggregate(uint32_t round,
                                  const std::vector<ClientContribution>& contributions) override;
    /// Say once per run that some scheduled clients got no use.
    void WarnUnscheduled(uint64_t slotUses, size_t scheduled);

    uint64_t m_totalUses = 0;
    double m_ratio = 0.1;
    uint32_t m_bucket = 4096;
    uint64_t m_feedbackUses = 0;
    bool m_matchPilots = false;
    double m_paprDb = 4.771212547196624; // 10 log10(3)
    bool m_warnedUnscheduled = false;
};

} // namespace wfl

#endif
