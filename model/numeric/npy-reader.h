/*
 * A strict reader of 1-D NumPy .npy files (format versions 1.0, 2.0, 3.0):
 * little-endian float32 ('<f4') or float64 ('<f8'), shape (n,), every entry
 * finite, and exactly n entries after the header. Anything else is an
 * InputError whose one line names the file and what is wrong, so a study
 * never runs on a misread vector.
 */
#ifndef WFL_NPY_READER_H
#define WFL_NPY_READER_H

#include <string>
#include <vector>

namespace wfl
{

/// The vector in `path`, as floats (float64 entries rounded to nearest).
std::vector<float> ReadNpyVector(const std::string& path);

/// The same from the file's bytes; `name` labels errors.
std::vector<float> ParseNpyVector(const std::string& bytes, const std::string& name);

} // namespace wfl

#endif
