/*
 * wfl-compress: one compressor on one vector, many independent draws of the
 * shared randomness (issue 10, section 3).
 *
 *   wfl-compress INPUT [--compression.KEY VALUE ...] [--draws N] [--seed S] [--tensor NAME]
 *
 * INPUT is a 1-D .npy file (float32 or float64, npy-reader.h) or
 * FILE.h5:/path/to/dataset (a 1-D numeric dataset). When FILE is a trace
 * with saved updates (trace.save-updates, update-trace-sink.h) and the
 * dataset is as long as its stored layout, the compressor gets that layout
 * (CompressionContext::layout), as in the run; --tensor NAME takes that one
 * tensor of the vector alone (its layout: the tensor at offset 0). The compression keys are
 * wfl-run's (compression-keys.h), checked the same way (a key the chosen
 * compressor does not declare is an error); the compressor runs over an
 * error-free pipe whose budget is compression.bits (0 = unlimited).
 * Draw d encodes g as client 0 in round d with seed S and a fresh client
 * state, and decodes it as a round of one. Output, one JSON line:
 * compressor, dim, draws, bits_raw and bits_entropy (means over draws),
 * gain = 32 dim / bits_raw, rel_error_mean and rel_error_std (sample mean
 * and standard deviation of ||g_hat - g||^2 / ||g||^2), rel_bias =
 * ||mean(g_hat) - g|| / ||g||, and the resolved compression keys.
 */
#ifndef WFL_COMPRESS_STUDY_H
#define WFL_COMPRESS_STUDY_H

#include "compressor.h"
#include "scenario-config.h"

#include <cstdint>
#include <string>
#include <vector>

namespace wfl
{

struct CompressStudyArguments
{
    std::string input;
    std::string tensor; ///< --tensor NAME; "" = the whole vector
    uint32_t draws = 100;
    uint64_t seed = 1;
    ScenarioConfig config; ///< coding.scheme = digital, compression.link = pipe, the keys given
    bool helpRequested = false;
};

/// @throws InputError for a missing INPUT, an unknown option or a bad value.
CompressStudyArguments ParseCompressStudyArguments(int argc, const char* const* argv);

/// The vector a study compresses, with its layout when INPUT has one.
struct StudyInput
{
    std::vector<float> values;
    ParameterLayout layout; ///< empty: one flat tensor (no layout in the context)
};

/// The vector INPUT names, or its tensor `tensor` if not empty (InputError if
/// unreadable, not 1-D, or the tensor needs a layout INPUT does not have).
StudyInput ReadStudyInput(const std::string& input, const std::string& tensor);

/// Run the draws and return the JSON line (no newline).
std::string RunCompressStudy(const CompressStudyArguments& arguments, const StudyInput& input);

/// The usage text with the compression keys.
std::string CompressStudyUsage();

} // namespace wfl

#endif
