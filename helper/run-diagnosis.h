/*
 * What a run's rounds say about how it ended, and the one-line messages
 * wfl-run prints about it: divergence (NaN or Inf: exit 3), and, for a run
 * that completed, warnings for a model that never changed (no update reached
 * the server) or that barely depends on its input (collapsed, or never
 * trained past the near-constant output of a fresh CNN).
 */
#ifndef WFL_RUN_DIAGNOSIS_H
#define WFL_RUN_DIAGNOSIS_H

#include "round-records.h"
#include "scenario-config.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace wfl
{

/// Collected round by round (Add) while the run goes.
struct RunDiagnosis
{
    uint32_t rounds = 0;
    uint32_t roundsWithUpdates = 0; ///< rounds in which some client's update reached the server
    double lowestTrainLoss = NAN;   ///< over rounds with a finite train loss
    uint32_t lowestTrainLossRound = 0;
    double finalTrainLoss = NAN;
    double finalAccuracy = NAN;      ///< of the last evaluation
    double finalTopClassShare = NAN; ///< of the last evaluation (TopClassShare)

    void Add(const RoundRecord& record);
};

/**
 * A collapsed model's train loss rose from its lowest by at least this
 * factor; a smaller rise reads as a model that never trained past a
 * near-constant output. An assumption, not a law: a FedSGD train loss is a
 * noisy one-batch figure, and ef-sign's collapse in the CNN sweep went
 * 1.42 -> 2.30 (x 1.6).
 */
constexpr double kCollapseLossRise = 1.25;

/// One line for a run that diverged in `round`: the likely causes, by key.
std::string DivergenceMessage(const ScenarioConfig& config, uint32_t round);

/// The warnings (one line each) for a run that completed; none for a
/// healthy one. See the file comment.
std::vector<std::string> CompletionWarnings(const ScenarioConfig& config, const RunDiagnosis& diagnosis);

} // namespace wfl

#endif
