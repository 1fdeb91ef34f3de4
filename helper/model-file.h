/*
 * Trained models that outlive the run (issue 11, item 1): the final global
 * model of a wfl-run, written into its trace (group /model) and/or into a
 * file of its own, and read back by wfl-repurpose.
 *
 * Layout of the group /model (format_version 1):
 *   attributes  format = "wfl-model", format_version (int64), kind
 *               (softmax | mlp | cnn), hidden and conv (comma-separated
 *               widths, as the learner.* keys), input_dim, classes,
 *               num_params (int64), describe ("mlp 784-200-10"), dataset,
 *               rounds (int64, rounds trained), and complete = 1, written last;
 *   datasets    tensors/<name>: one float32 dataset per tensor of the
 *               model's Layout(), in its shape (as stored, row-major), with
 *               attribute offset (int64, first entry in the flat vector).
 * The loader rebuilds the architecture with MakeModel and requires every
 * tensor of its layout with the same shape and offset, so a file whose
 * architecture and tensors disagree never loads.
 */
#ifndef WFL_MODEL_FILE_H
#define WFL_MODEL_FILE_H

#include "saved-network.h"

#include <H5Cpp.h>

#include <cstdint>
#include <string>

namespace wfl
{

struct SavedModel
{
    NetworkSpec spec;
    Eigen::VectorXf params;
    std::string dataset;
    int64_t rounds = 0;
};

/// Version of the /model layout; bump on any incompatible change.
constexpr int64_t kModelFormatVersion = 1;

/// Write the model into `group` (an empty group), `complete` last.
void WriteModelGroup(H5::Group group, const SavedModel& model);

/**
 * Write a model file: to PATH.partial first, then renamed to PATH, so a
 * crash never leaves a half-written file under the final name.
 * @throws InputError (key trace.save-model) if it cannot be written.
 */
void SaveModelFile(const std::string& path, const SavedModel& model);

/**
 * Read /model from a model file or a trace.
 * @throws InputError, one line naming the file: not HDF5, truncated, no
 *         complete /model group, an unknown format, or tensors that do not
 *         match the architecture.
 */
SavedModel LoadModel(const std::string& path);

} // namespace wfl

#endif
