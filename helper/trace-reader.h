/*
 * Reading wfl HDF5 files back (traces and sweep indexes).
 */
#ifndef WFL_TRACE_READER_H
#define WFL_TRACE_READER_H

#include <string>
#include <vector>

namespace wfl
{

/// A 1-D numeric dataset as doubles. @throws H5::Exception if absent.
std::vector<double> ReadColumn(const std::string& path, const std::string& dataset);

/// A 1-D string dataset.
std::vector<std::string> ReadStringColumn(const std::string& path, const std::string& dataset);

/// A root attribute as text: strings as they are, integers in decimal,
/// doubles with 17 significant digits. "" if the attribute does not exist.
std::string ReadRootAttribute(const std::string& path, const std::string& name);

/// True if `path` is a readable wfl trace whose root attribute complete == 1.
bool IsCompleteTrace(const std::string& path);

} // namespace wfl

#endif
