/*
 * Writes a run's trace to one HDF5 file (schema in README.md, "Trace format").
 *
 * Connect it to a FederatedServer's RoundCompleted source; every round is
 * appended and flushed, so a killed run keeps every completed round, and
 * MarkComplete() sets the root attribute `complete` = 1 at a normal end.
 */
#ifndef WFL_HDF5_TRACE_SINK_H
#define WFL_HDF5_TRACE_SINK_H

#include "model-file.h"
#include "round-records.h"
#include "trace-file.h"

#include "ns3/ptr.h"

#include <limits>
#include <map>
#include <string>

namespace wfl
{

class FederatedServer;

/// Version of the trace layout; bump on any incompatible change.
constexpr int64_t kTraceSchemaVersion = 1;

/// What a trace says about the run that wrote it.
struct RunMetadata
{
    std::string configIni;                     ///< resolved configuration, INI text
    std::map<std::string, std::string> config; ///< the same, key by key
    uint64_t seed = 0;
    std::string commandLine;
    std::string dataset;
    std::string model;  ///< architecture, e.g. "mlp 784-200-10"
    int64_t numParams = 0;
    std::string codingScheme = "ideal";
    std::string powerLimit = "average"; ///< what max_power_w bounds: average | peak
    double maxPowerW = std::numeric_limits<double>::quiet_NaN();     ///< per-client peak limit
    double energyBudgetJ = std::numeric_limits<double>::quiet_NaN(); ///< per client and round
    double noisePowerW = std::numeric_limits<double>::quiet_NaN();   ///< per complex use
};

/// Current UTC time as ISO 8601 ("2026-11-24T20:00:00Z").
std::string UtcNow();

class Hdf5TraceSink
{
  public:
    /// @throws InputError (key output) if the file exists and !overwrite.
    Hdf5TraceSink(const std::string& path, bool overwrite, const RunMetadata& metadata);

    void ConnectTo(ns3::Ptr<FederatedServer> server);
    void OnRoundCompleted(const RoundRecord& record);
    /// Record the end time and mark the trace complete (status = complete).
    void MarkComplete();

    /**
     * The run stopped because training diverged in `round` (rows 1..round are
     * written, the last one with the non-finite values): status = diverged,
     * diverged = 1, diverged_round = round; complete stays 0.
     */
    void MarkDiverged(uint32_t round);

    /// Write the final model as group /model (model-file.h) and flush.
    void WriteModel(const SavedModel& model);

    const std::string& Path() const
    {
        return m_file.Path();
    }

    /// The file, for sinks that add their own groups (update-trace-sink.h).
    TraceFile& File()
    {
        return m_file;
    }

  private:
    /// Root attributes status (incomplete | complete | diverged), diverged, diverged_round.
    void WriteRunStatus(const std::string& status, uint32_t divergedRound);

    TraceFile m_file;
};

} // namespace wfl

#endif
