/*
 * What a federated round reports to its trace sinks.
 */
#ifndef WFL_ROUND_RECORDS_H
#define WFL_ROUND_RECORDS_H

#include "aggregator.h"

#include <cstdint>
#include <vector>

namespace wfl
{

/// One participant's part of a round.
struct ClientRecord
{
    uint32_t client = 0;
    uint32_t samples = 0;  ///< local training samples (FedAvg weight)
    double localLoss = 0.0; ///< mean mini-batch loss of its local steps (nats)
    ClientLinkReport link;  ///< its uplink in the round
    bool straggler = false; ///< trained but missed the deadline (update unused)
};

/// One round, as fired by FederatedServer's RoundCompleted trace source.
struct RoundRecord
{
    uint32_t round = 0;         ///< 1-based
    double simTimeS = 0.0;      ///< ns-3 clock at the end of the round (s)
    double testAccuracy = 0.0;  ///< NaN in rounds without evaluation
    double testLoss = 0.0;      ///< NaN in rounds without evaluation (nats)
    /// TopClassShare of the evaluation (near 1: near-constant model), NaN in rounds
    /// without evaluation.
    double testTopClassShare = 0.0;
    double trainLoss = 0.0;     ///< sample-weighted mean of the clients' local losses
    uint32_t participants = 0;  ///< clients that trained (not idle), stragglers included
    uint32_t stragglers = 0;    ///< clients that missed the deadline
    AggregationResult uplink;   ///< channel figures of the round (estimate emptied)
    double wallRoundS = 0.0;     ///< wall-clock of the round without evaluation
    double wallTrainS = 0.0;     ///< wall-clock local training, summed over clients
    double wallAggregateS = 0.0; ///< wall-clock of the aggregation stage
    double wallEvalS = 0.0;      ///< wall-clock test evaluation
    std::vector<ClientRecord> clients; ///< sorted by client index
};

} // namespace wfl

#endif
