/*
 * Runs the points of a sweep as separate wfl-run processes (the ns-3
 * simulator is process-global, and a crashing point must not take the sweep
 * down), with a bounded number running at once.
 *
 * Layout of OUT/points/: <id>.ini (the point's resolved scenario), <id>.h5
 * (its trace), <id>.log (its stdout and stderr), <id>.failed (exit code and
 * the last lines of stderr, while the point is failed).
 */
#ifndef WFL_SWEEP_RUNNER_H
#define WFL_SWEEP_RUNNER_H

#include "sweep-plan.h"

#include <string>
#include <vector>

namespace wfl
{

struct SweepRunOptions
{
    std::string outDir;
    std::string wflRun;        ///< path of the wfl-run executable
    unsigned jobs = 1;
    bool interactive = false;  ///< live progress line (else one line per finished point)
    bool quiet = false;
};

struct SweepRunSummary
{
    size_t skipped = 0;   ///< already finished (complete or diverged)
    size_t succeeded = 0;
    size_t diverged = 0;  ///< ran and diverged (wfl-run exit 3): a result, not a failure
    size_t failed = 0;
};

/**
 * How a point's trace ended: "complete", "diverged" (status attribute, see
 * Hdf5TraceSink::MarkDiverged), or "" (missing, unreadable or unfinished:
 * run it again). Finished points are never re-run.
 */
std::string TraceEndStatus(const std::string& path);

/// Trace path of a point, relative to OUT.
std::string PointTracePath(const SweepPoint& point);

/**
 * Run `points` (the caller's share): skip those whose trace is complete or
 * diverged, (re)run the others. Never replaces a finished trace.
 */
SweepRunSummary RunSweepPoints(const std::vector<SweepPoint>& points, const SweepRunOptions& options);

} // namespace wfl

#endif
