/*
 * Saves sampled client updates into a run's trace (trace.save-updates,
 * trace.save-clients; trace-keys.h) so that compressor studies can replay
 * real updates: wfl-compress TRACE.h5:/updates/round_0003/client_0001.
 *
 * What is stored, per saved (round, client): the client's update
 *   u_k = w_k - w  (its trained parameters minus the round's global model),
 * float32, exactly the vector the uplink receives (Aggregator's
 * Contributions trace source fires with the contributions DoAggregate gets;
 * DigitalAggregator hands that same memory to the compressor's Encode).
 * Under FedSGD (learner.local-epochs = 0, learner.local-steps = 1, sgd or
 * momentum, no weight decay) u_k = -lr_t g_k up to the float rounding of
 * (w - lr_t g_k) - w, with g_k the client's mean mini-batch gradient and
 * lr_t = learner.lr * learner.lr-decay^(t-1) stored beside it; the relative
 * errors of a compressor do not depend on the factor -lr_t.
 *
 * Which clients: in each saved round, the `clients` lowest-indexed clients
 * whose updates reach the server (idle clients and stragglers send nothing:
 * their updates are never encoded, so they are never saved).
 *
 * File layout (R and C decimal, zero-padded to at least 4 digits):
 *   /updates                    attributes: rounds (the key, e.g. "1-20"),
 *                               clients, num_params, learning_rate, lr_decay,
 *                               fedsgd (1 if u_k = -lr_t g_k as above), description
 *   /updates/layout/name        [T] strings: tensor names in parameter order
 *   /updates/layout/offset      [T] int64: first entry of the tensor in u
 *   /updates/layout/size        [T] int64: entries (product of the shape)
 *   /updates/layout/shape       [T] strings: dimensions, "in,out" (row-major)
 *   /updates/round_R            attributes: round, learning_rate (lr_t),
 *                               contributors (updates that reached the server),
 *                               saved (clients saved here; 0 if nobody sent)
 *   /updates/round_R/client_C   float32 [num_params]: u_C; attributes
 *                               round, client, weight (its sample count)
 * Crash safety: each saved round is flushed as soon as it is written (like
 * the rows of the tables), so a killed run keeps every round it saved.
 */
#ifndef WFL_UPDATE_TRACE_SINK_H
#define WFL_UPDATE_TRACE_SINK_H

#include "aggregator.h"
#include "round-records.h"
#include "trace-file.h"

#include "ns3/ptr.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace wfl
{

class FederatedServer;

/// What to save and what the saved vectors mean.
struct UpdateSaving
{
    std::vector<uint32_t> rounds; ///< ascending
    uint32_t clients = 1;         ///< per round, lowest indices first
    ParameterLayout layout;       ///< the learner's, tiling [0, num_params)
    double learningRate = 0.0;    ///< learner.lr
    double learningRateDecay = 1.0;
    bool fedSgd = false;          ///< u_k = -lr_t g_k (see the file comment)
};

/// The group name of a saved round, "round_0003".
std::string SavedRoundName(uint32_t round);
/// The dataset name of a saved client, "client_0001".
std::string SavedClientName(uint32_t client);

class UpdateTraceSink
{
  public:
    /// Writes /updates and its layout into `file` (which must outlive the sink).
    UpdateTraceSink(TraceFile& file, UpdateSaving saving);

    /// Save from `uplink`'s Contributions; mark rounds nobody sent in from
    /// `server`'s RoundCompleted.
    void ConnectTo(ns3::Ptr<Aggregator> uplink, ns3::Ptr<FederatedServer> server);

    void OnContributions(uint32_t round, const std::vector<ClientContribution>& contributions);
    void OnRoundCompleted(const RoundRecord& record);

  private:
    /// The round's group with its attributes.
    void WriteRound(uint32_t round, size_t contributors, size_t saved);
    void WriteLayout();

    TraceFile& m_file;
    UpdateSaving m_saving;
    std::set<uint32_t> m_pending; ///< requested rounds not written yet
};

} // namespace wfl

#endif
