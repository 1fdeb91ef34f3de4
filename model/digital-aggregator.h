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
 * these bits are a rate header that tells the server B_k (the compressor's
 * fit follows from it); the rest, B_k - 16, is the bit budget the client's
 * compressor must fit (compressor.h; QSGD by default, see
 * qsgd-compressor.h). A client whose compressor cannot fit that budget
 * (fits = false) stays silent for the round and spends no energy.
 *
 * Link = PIPE replaces all of the above by an error-free bit pipe for
 * compressor-only studies: every client that contributes gets PipeBits bits
 * (0 = unlimited), no rate header (the server knows the configured budget),
 * no channel uses, no airtime and no energy; channel and fading are unused.
 *
 * Compression. Each client encodes its update with its own ClientState
 * (kept here, keyed by client index, across rounds; a client that does not
 * contribute in a round keeps its state untouched) and the round's messages
 * are decoded by the compressor's RoundDecoder in ascending client order,
 * each weighted by its sample count. The state lives here rather than in
 * FederatedClient because the uplink is still one synchronous call in which
 * the aggregator runs every client's encoder (design.md 8.3); only that
 * client's Encode ever reads it, so it is the client's memory in all but
 * storage. Encode runs concurrently for different clients on the workers
 * (SetWorkers): a compressor's Encode must not write shared state. The report's bits are the header plus
 * the message's raw bits, bitsEntropy the header plus its entropy bits.
 */
#ifndef WFL_DIGITAL_AGGREGATOR_H
#define WFL_DIGITAL_AGGREGATOR_H

#include "compressor.h"
#include "wireless-aggregator.h"

#include <map>
#include <memory>
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

    /// The digital link the messages travel over.
    enum Link
    {
        TDMA, ///< Shannon budgets over the fading channel (the class comment)
        PIPE, ///< error-free bit pipe with PipeBits per client, no channel uses
    };

    /// One client's grant from the link in a round.
    struct LinkGrant
    {
        bool scheduled = false;    ///< got channel uses (TDMA) or the pipe
        double budgetBits = 0.0;   ///< bits its message may take (header excluded)
        double headerBits = 0.0;   ///< rate header it sends besides
        double powerW = 0.0;       ///< constant mean power P_k (TDMA)
        double energyJ = 0.0;      ///< energy if it transmits
        double meanSnr = 0.0;      ///< use-weighted mean received SNR (TDMA)
        double fadingAbs = std::numeric_limits<double>::quiet_NaN();
        double pathLossDb = std::numeric_limits<double>::quiet_NaN();
    };

    static ns3::TypeId GetTypeId();
    DigitalAggregator();
    ~DigitalAggregator() override;

    /// The compressor every client uses (default: QSGD with default Params,
    /// the digital baseline's behaviour before the compressor seam).
    void SetCompressor(std::shared_ptr<const Compressor> compressor);
    /// The learner's parameter layout, passed to the compressor (null context layout when unset).
    void SetLayout(const ParameterLayout& layout);

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
    /// The TDMA link's grant to each contribution (fills the round's uses and airtime).
    std::vector<LinkGrant> TdmaGrants(uint32_t round,
                                      size_t dim,
                                      const std::vector<ClientContribution>& contributions,
                                      AggregationResult& result);
    /// The bit pipe's grant to each contribution.
    std::vector<LinkGrant> PipeGrants(const std::vector<ClientContribution>& contributions) const;
    /// Encode every contribution (in parallel on the workers), then decode in client order.
    void Compress(uint32_t round,
                  const std::vector<ClientContribution>& contributions,
                  const std::vector<LinkGrant>& grants,
                  AggregationResult& result);
    /// The state of `client`, created on first use.
    ClientState* StateOf(uint32_t client, size_t dim);

    uint64_t m_totalUses = 0;
    double m_ratio = 0.1;
    uint32_t m_bucket = 4096;
    uint64_t m_feedbackUses = 0;
    bool m_matchPilots = false;
    double m_paprDb = 4.771212547196624; // 10 log10(3)
    bool m_warnedUnscheduled = false;
    Link m_link = TDMA;
    double m_pipeBits = 0.0;
    std::shared_ptr<const Compressor> m_compressor;
    ParameterLayout m_layout;
    std::map<uint32_t, std::unique_ptr<ClientState>> m_states;
};

} // namespace wfl

#endif
