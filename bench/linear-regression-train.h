/*
 * One SGD run of bench-linear-regression (linear-regression.cc has the
 * experiment's description): P workers each compress the squared-loss
 * gradient of a fresh batch with a compressor from the registry, the server
 * decodes the round and steps. Bench-only: the learner seam is a classifier
 * (linear-model.h says why this model is not a learner.model).
 */
#ifndef WFL_BENCH_LINEAR_REGRESSION_TRAIN_H
#define WFL_BENCH_LINEAR_REGRESSION_TRAIN_H

#include "compressor-registry.h"
#include "gaussian-regression-data.h"

#include <cstdint>
#include <memory>
#include <string>

namespace wfl
{

/// What every run of the experiment shares.
struct TrainSettings
{
    int iterations = 1000;
    int workers = 1;
    int batch = 32;         ///< samples per worker and iteration
    double tolerance = 1e-3; ///< converged: E L(W_T) <= tolerance E L(W_0)
    uint64_t seed = 1;
};

struct Method
{
    std::string label;
    std::string scheme; ///< "none": the uncompressed baseline
    CompressorValues values;
    std::unique_ptr<Compressor> compressor;
};

struct RunResult
{
    bool converged = false;
    double finalRatio = 0.0; ///< E L(W_T) / E L(W_0); infinity if diverged
    int hitIteration = -1;   ///< first checked iteration with ratio <= tolerance
    double bits = 0.0;       ///< raw bits of one message
};

/// LABEL=SCHEME[:key=value,...] ("none": the baseline); the compressor is
/// built from the registry. @throws std::invalid_argument or InputError.
Method ParseMethod(const std::string& text);

/// One run of `method` at `step`; run index `run` picks the random streams.
RunResult Train(const GaussianRegressionTask& task,
                const Method& method,
                const TrainSettings& settings,
                double step,
                int run);

} // namespace wfl

#endif
