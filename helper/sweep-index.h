/*
 * OUT/index.h5: one row per sweep point with its axis values, seed, status
 * and summary figures (schema in README, "Sweep index"). Rebuilt from what is
 * on disk on every run and written atomically (temporary file, then rename).
 */
#ifndef WFL_SWEEP_INDEX_H
#define WFL_SWEEP_INDEX_H

#include "sweep-plan.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace wfl
{

constexpr int64_t kSweepIndexSchemaVersion = 1;

/// What one point's files say.
struct PointSummary
{
    std::string status = "missing"; ///< complete | diverged | incomplete | failed | missing
    int64_t divergedRound = 0;      ///< the trace's diverged_round (0 unless diverged)
    int64_t exitCode = -1;          ///< of the last attempt (-1: not run or unknown)
    std::string error;              ///< last lines of its stderr when failed
    double finalAccuracy = NAN;
    double bestAccuracy = NAN;
    /// /rounds/test_top_class_share of the last evaluated round (at least
    /// kNearConstantShare: near-constant model), NaN if unknown (no evaluation, or a trace
    /// from before the column).
    double finalTopClassShare = NAN;
    int64_t roundsWithUpdates = 0; ///< rounds in which some client's update reached the server
    double roundsToTarget = NAN;
    int64_t finalRound = 0;
    double totalEnergyJ = 0.0;
    double totalChannelUses = 0.0;
    double totalAirtimeS = 0.0;
    double totalBits = 0.0;
    double meanNmse = NAN;
    double simTimeS = NAN;
};

/// Read a point's trace and failure record under `outDir`.
PointSummary SummarizePoint(const std::string& outDir, const SweepPoint& point, double targetAccuracy);

struct SweepIndexInfo
{
    std::string baseConfig;
    std::string commandLine;
    double targetAccuracy = 0.8;
};

/// Point counts by status, as written to the index.
struct SweepIndexCounts
{
    size_t complete = 0;
    size_t diverged = 0;
    size_t failed = 0;
    size_t noUpdate = 0;      ///< complete, but no update reached the server in any round
    size_t nearConstant = 0;  ///< complete, updated, but the final model gives one class to >= kNearConstantShare
};

/// Write OUT/index.h5 for all points.
SweepIndexCounts WriteSweepIndex(const std::string& outDir,
                       const SweepSpec& spec,
                       const std::vector<SweepPoint>& points,
                       const SweepIndexInfo& info);

} // namespace wfl

#endif
