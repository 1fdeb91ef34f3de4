/*
 * wfl-repurpose's work (issue 11, item 5): the four methods of
 * repurpose.h (naive split, direct parallel, magnitude pruning, RePurpose)
 * on the dense layers of a saved model, for every worker count K and every
 * setting (a cross budget as a fraction of the naive split's cross units, or
 * a cost rho per kept cross unit), and the HDF5 result.
 *
 * Per (method, K, setting) row: test accuracy (Fashion-MNIST test set),
 * cross-worker and source bytes per inference, per-worker FLOPs, the
 * assignment (worker of every neuron per layer), a mask summary (kept and
 * cross weights, activations per (receiver, sender) pair), the objective
 * history and the wall and CPU time of the restructuring. Naive split and
 * direct parallel do not depend on the setting (setting = -1).
 *
 * A CNN's conv front end runs at the source node (saved-network.h): its
 * features are the dense stack's input, and its FLOPs are not counted.
 */
#ifndef WFL_REPURPOSE_STUDY_H
#define WFL_REPURPOSE_STUDY_H

#include "inference-sim.h"
#include "model-file.h"
#include "repurpose-keys.h"
#include "repurpose-traffic.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace wfl
{

enum RepurposeMethod : int
{
    kNaiveMethod = 0,
    kDirectMethod = 1,
    kMagnitudeMethod = 2,
    kRepurposeMethod = 3
};

/// Names in method-code order, as the result's `methods` attribute lists them.
const std::vector<std::string>& RepurposeMethodNames();

struct RepurposeRow
{
    int method = 0;
    int workers = 1;
    int setting = -1;       ///< index into the settings, -1 for naive and direct
    double accuracy = 0.0;  ///< test accuracy of the restructured network
    /// Traffic and FLOPs per inference. A latency step (helper/inference-sim.h)
    /// takes this with `workers` and adds one column per link rate.
    NetworkTraffic traffic;
    std::vector<std::vector<int>> assignment; ///< per layer, worker of each output neuron
    std::vector<IterationRecord> history;     ///< RePurpose only
    std::vector<int> chosenIteration;         ///< RePurpose only, per layer
    /// One ns-3 inference simulation per inference.rate-mbps value (same order).
    std::vector<InferenceSimResult> inference;
    double wallSeconds = 0.0;                 ///< the restructuring alone
    double cpuSeconds = 0.0;
};

struct RepurposeStudy
{
    SavedModel model;
    std::vector<int> widths;      ///< dense stack: input, hidden..., classes
    double originalAccuracy = 0.0;
    long testSamples = 0;
    long calibrationSamples = 0;
    bool rhoSettings = false;     ///< settings are rho values, else budget fractions
    std::vector<double> settings;
    std::vector<double> rates;    ///< inference.rate-mbps: the simulated link rates
    std::vector<RepurposeRow> rows;
};

/// Load the model and the data, run every (K, setting), one progress line per row.
/// @throws InputError for an unreadable model or data, or a model the data cannot feed.
RepurposeStudy RunRepurposeStudy(const RepurposeToolConfig& config, std::ostream* progress);

/**
 * Write the result (layout in docs/repurpose.md) to PATH.partial, then
 * rename it to PATH. Object modification times are not recorded, so the
 * same study gives the same bytes except the /timing datasets.
 * @throws InputError (key output) if PATH exists and !overwrite, or it cannot be written.
 */
void WriteRepurposeResult(const std::string& path,
                          bool overwrite,
                          const std::string& commandLine,
                          const RepurposeToolConfig& config,
                          const RepurposeStudy& study);

} // namespace wfl

#endif
