/*
 * Reading wfl HDF5 files back (traces and sweep indexes).
 *
 * Every failure, whatever the file holds (missing, not HDF5, corrupt, a
 * dataset of the wrong shape or type, a size the file cannot hold), is a
 * TraceReadError with a one-line message naming the file and the object;
 * HDF5 prints nothing. fuzz/fuzz-trace-reader.cc checks this on random files.
 */
#ifndef WFL_TRACE_READER_H
#define WFL_TRACE_READER_H

#include "input-error.h"

#include <string>
#include <vector>

namespace wfl
{

/// A file that cannot be read as asked; what() is one line naming the file.
class TraceReadError : public InputError
{
  public:
    using InputError::InputError;
};

/// A 1-D integer or float dataset as doubles. @throws TraceReadError.
std::vector<double> ReadColumn(const std::string& path, const std::string& dataset);

/// A 1-D string dataset (variable or fixed length). @throws TraceReadError.
std::vector<std::string> ReadStringColumn(const std::string& path, const std::string& dataset);

/// A root attribute holding one value, as text: strings as they are, integers
/// in decimal, doubles with 17 significant digits. "" if the attribute does
/// not exist. @throws TraceReadError.
std::string ReadRootAttribute(const std::string& path, const std::string& name);

/// True if `path` is a readable wfl trace whose root attribute complete == 1.
bool IsCompleteTrace(const std::string& path);

} // namespace wfl

#endif
