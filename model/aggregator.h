/*
 * The aggregation stage of a federated round: from the clients' update
 * vectors to the server's estimate of their weighted average.
 *
 * This is the seam where the uplink lives. IdealAggregator computes the exact
 * weighted average (no channel); over-the-air and digital schemes implement
 * DoAggregate with a channel between the clients and the estimate.
 */
#ifndef WFL_AGGREGATOR_H
#define WFL_AGGREGATOR_H

#include "compressor.h"

#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/traced-callback.h"

#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

namespace wfl
{

class ThreadPool;

/// One client's input to the aggregation stage.
struct ClientContribution
{
    uint32_t client = 0;                    ///< client index
    const Eigen::VectorXf* update = nullptr; ///< model delta [numParams]
    double weight = 0.0;                    ///< FedAvg weight (its sample count)
    /// Factors of the update's dense-layer gradients (FedSGD only; null otherwise).
    const std::vector<LayerFactors>* factors = nullptr;
};

/**
 * A client the server scheduled for a round's uplink: what the server knows
 * before anyone transmits (its index and FedAvg weight, i.e. its sample count,
 * registered when it joined). Whether it is idle or late is decided at the
 * client and is not part of this.
 */
struct ScheduledClient
{
    uint32_t client = 0;
    double weight = 0.0;
};

/// One client's side of the uplink in a round (NaN where a scheme has no such notion).
struct ClientLinkReport
{
    uint32_t client = 0;
    double fadingAbs = std::numeric_limits<double>::quiet_NaN();  ///< |f|, first coherence block
    double pathLossDb = std::numeric_limits<double>::quiet_NaN(); ///< large-scale loss, dB
    double txEnergyJ = 0.0;  ///< energy it spent transmitting
    double peakPowerW = 0.0; ///< largest symbol power it sent
    double powerW = 0.0;     ///< largest mean power over a coherence block it sent in
    bool active = true;      ///< it transmitted (not truncated, not dropped)
    double bits = 0.0;       ///< payload bits (digital schemes): raw, rate header included
    double bitsEntropy = 0.0; ///< the same message at its empirical entropy, header included
};

struct AggregationResult
{
    Eigen::VectorXf estimate;            ///< estimate of sum_k w_k u_k / sum_k w_k
    ns3::Time airtime = ns3::Seconds(0); ///< uplink time the stage took
    uint64_t channelUses = 0;            ///< complex channel uses of the uplink
    double meanRxSnrDb = std::numeric_limits<double>::quiet_NaN(); ///< received signal / noise
    double energyJ = 0.0;                ///< all clients' transmit energy
    uint32_t activeClients = 0;          ///< clients that transmitted
    double bits = 0.0;                   ///< payload bits (digital schemes)
    double bitsEntropy = 0.0;            ///< the same at the messages' empirical entropy
    /// Uplink channel uses by purpose (over the air; they sum to channelUses).
    uint64_t dataUses = 0;
    uint64_t pilotUses = 0;
    uint64_t feedbackUses = 0;
    /// Common receive scale c of the first coherence block (inverting policies), sqrt(W)
    /// per unit of update.
    double receiveScale = std::numeric_limits<double>::quiet_NaN();
    /// Noise power per complex channel use, W (NaN where not filled).
    double noisePowerW = std::numeric_limits<double>::quiet_NaN();
    /// Active weight W = sum of w_k over the clients that sent in the first block
    /// (w_k relative to the mean scheduled weight), and the weight the server
    /// divided by: W itself with feedback, the pilot's estimate when blind.
    double activeWeight = std::numeric_limits<double>::quiet_NaN();
    double activeWeightEstimate = std::numeric_limits<double>::quiet_NaN();
    /// Clients whose update was clipped to the norm bound (blind coordination).
    uint32_t clippedClients = 0;
    /// Digital: messages decoded with a wrong entry and the wrong entries
    /// (RoundDecoder::Failures, beside the channel); NaN where the scheme
    /// cannot fail (every one but NDQSG) or is not digital.
    double failedMessages = std::numeric_limits<double>::quiet_NaN();
    double wrongEntries = std::numeric_limits<double>::quiet_NaN();
    /// ||estimate - exact average||^2 / ||exact average||^2, filled by Aggregate()
    /// beside the channel; the learner never sees the exact average.
    double nmse = 0.0;
    /// ||exact average||, filled by Aggregate() beside the channel like nmse.
    double averageNorm = std::numeric_limits<double>::quiet_NaN();
    std::vector<ClientLinkReport> clients; ///< in contribution order
    /// Wall-clock seconds spent coding at the clients, in the channel and decoding.
    double wallEncodeS = 0.0;
    double wallChannelS = 0.0;
    double wallDecodeS = 0.0;
};

class Aggregator : public ns3::Object
{
  public:
    static ns3::TypeId GetTypeId();

    /// Signature of the Contributions trace source: the round and the
    /// contributions exactly as DoAggregate receives them (in ascending
    /// client order), fired once per Aggregate() call before any coding.
    typedef void (*ContributionsCallback)(uint32_t round, const std::vector<ClientContribution>& contributions);

    /**
     * Estimate the weighted average of the contributions (at least one,
     * all of the same length, positive weights), and measure the estimate's
     * NMSE against the exact average. `scheduled` lists the clients the
     * server scheduled (a superset of the contributors); empty means exactly
     * the contributors. Server-side decisions may use only `scheduled`, never
     * which contributions arrived.
     */
    AggregationResult Aggregate(uint32_t round,
                                const std::vector<ClientContribution>& contributions,
                                std::vector<ScheduledClient> scheduled = {});

    /**
     * Worker threads the aggregator may use inside Aggregate() for per-client
     * work (the learning task lends its pool: training and aggregation never
     * overlap). Not owned; null (the default) runs everything on the caller.
     * Results never depend on it.
     */
    void SetWorkers(ThreadPool* workers);

  protected:
    /// The clients scheduled in the round being aggregated (see Aggregate()).
    const std::vector<ScheduledClient>& Scheduled() const
    {
        return m_scheduled;
    }

    /// Number of workers ForEachClient may use (at least 1).
    unsigned Workers() const;
    /// body(index, worker) for index in [0, count), on the workers if set;
    /// worker < Workers() names the thread, for per-thread scratch.
    void ForEachClient(size_t count, const std::function<void(size_t, unsigned)>& body) const;

  private:
    virtual AggregationResult DoAggregate(uint32_t round,
                                          const std::vector<ClientContribution>& contributions) = 0;

    ThreadPool* m_workers = nullptr;
    std::vector<ScheduledClient> m_scheduled;
    ns3::TracedCallback<uint32_t, const std::vector<ClientContribution>&> m_contributionsTrace;
};

/// Exact weighted average, accumulated in double; takes no airtime.
class IdealAggregator : public Aggregator
{
  public:
    static ns3::TypeId GetTypeId();

  private:
    AggregationResult DoAggregate(uint32_t round,
                                  const std::vector<ClientContribution>& contributions) override;
};

/// The exact weighted average (also the genie reference for lossy schemes).
Eigen::VectorXd WeightedAverage(const std::vector<ClientContribution>& contributions);

} // namespace wfl

#endif
