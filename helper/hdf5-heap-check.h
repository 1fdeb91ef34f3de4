/*
 * A guard against a libhdf5 1.10.8 bug: H5HG__cache_heap_deserialize walks the
 * objects of a global heap collection (where variable-length strings live)
 * with `image = begin + need` and no bounds check, so a corrupt object size of
 * 0 (or one that wraps the pointer) loops forever, and one past the end of the
 * collection makes later reads run off its buffer. Found by
 * fuzz/fuzz-trace-reader.cc (fuzz/regressions/trace-reader/hdf5-hang-*).
 *
 * The check repeats that walk on the file's bytes, with bounds, before any
 * variable-length read, so such a file is rejected instead of hanging.
 */
#ifndef WFL_HDF5_HEAP_CHECK_H
#define WFL_HDF5_HEAP_CHECK_H

#include <string>

namespace wfl
{

/**
 * Scan every global heap collection ("GCOL" signature, version 1) of the HDF5
 * file at `path`. Returns "" if each one's objects tile it exactly as HDF5
 * would read them, otherwise a one-line description of the first defect.
 * Files whose superblock uses lengths other than 8 bytes are not checked.
 */
std::string FindCorruptGlobalHeap(const std::string& path);

} // namespace wfl

#endif
