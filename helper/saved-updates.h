/*
 * Reading back the client updates a run saved in its trace
 * (trace.save-updates; the file layout is in update-trace-sink.h):
 * the parameter layout stored with them, and one tensor of a saved vector.
 */
#ifndef WFL_SAVED_UPDATES_H
#define WFL_SAVED_UPDATES_H

#include "compressor.h"

#include <string>
#include <vector>

namespace wfl
{

/// Where a trace keeps the layout of its saved updates.
constexpr const char* kSavedLayoutGroup = "/updates/layout";

/// True if the HDF5 file `file` has a saved layout. @throws InputError if unreadable.
bool HasSavedLayout(const std::string& file);

/**
 * The layout stored in `file` (/updates/layout/{name,offset,size,shape}),
 * checked to tile [0, D) in order. @throws InputError naming the file and
 * what is wrong.
 */
ParameterLayout ReadSavedLayout(const std::string& file);

/// The tensor called `name` in `layout`. @throws InputError listing the names.
const TensorLayout& FindTensor(const ParameterLayout& layout, const std::string& name, const std::string& file);

} // namespace wfl

#endif
