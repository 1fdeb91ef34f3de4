/*
 * The checked HDF5 reading under wfl's trace reader (trace-reader.cc): a file
 * opened with every call's status checked and named in a one-line
 * TraceReadError, identifiers closed on scope exit, HDF5's own error printing
 * silenced, and the checks that keep libhdf5 1.10.8 from hanging, crashing or
 * exhausting memory on a corrupt file before wfl hands it a read (the reader
 * is fuzzed: fuzz/fuzz-trace-reader.cc, fuzz/known-libhdf5-bugs/README).
 * Internal to the trace reader.
 */
#ifndef WFL_HDF5_CHECKED_READER_H
#define WFL_HDF5_CHECKED_READER_H

#include "hdf5-heap-check.h"
#include "trace-reader.h"

#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <sys/stat.h>

namespace wfl
{
namespace hdf5
{

/// Silences HDF5's error printing on this thread (the stack is per thread in
/// a threadsafe build) and restores the previous handler on scope exit.
class QuietErrors
{
  public:
    QuietErrors()
    {
        H5Eget_auto2(H5E_DEFAULT, &m_func, &m_data);
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }
    ~QuietErrors()
    {
        H5Eset_auto2(H5E_DEFAULT, m_func, m_data);
    }
    QuietErrors(const QuietErrors&) = delete;
    QuietErrors& operator=(const QuietErrors&) = delete;

  private:
    H5E_auto2_t m_func = nullptr;
    void* m_data = nullptr;
};

/// An HDF5 identifier closed on scope exit (errors while closing are ignored:
/// the data, if any, has been read by then).
class Handle
{
  public:
    Handle(hid_t id, herr_t (*close)(hid_t))
        : m_id(id),
          m_close(close)
    {
    }
    ~Handle()
    {
        if (m_id >= 0)
        {
            m_close(m_id);
        }
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    hid_t Get() const
    {
        return m_id;
    }

  private:
    hid_t m_id;
    herr_t (*m_close)(hid_t);
};

inline herr_t
KeepInnermost(unsigned n, const H5E_error2_t* error, void* out)
{
    if (n == 0 && error->desc)
    {
        *static_cast<std::string*>(out) = error->desc;
    }
    return 0;
}

/// The innermost message of the current HDF5 error stack, on one line.
inline std::string
HdfCause()
{
    std::string cause;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, KeepInnermost, &cause);
    std::replace_if(cause.begin(), cause.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return cause.empty() ? "HDF5 error" : cause;
}

/// A reader of one file: opens it, and names it in every error.
class Reader
{
  public:
    explicit Reader(const std::string& path)
        : m_path(path),
          m_fileBytes(FileBytes(path)),
          m_budget(std::max<uint64_t>(uint64_t{1} << 27, 8 * m_fileBytes)),
          m_file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose)
    {
        Check(m_file.Get(), "not a readable HDF5 file");
    }

    hid_t File() const
    {
        return m_file.Get();
    }

    [[noreturn]] void Fail(const std::string& what) const
    {
        throw TraceReadError(m_path + ": " + what);
    }

    /// Throws with the HDF5 cause if `status` reports a failure.
    template <typename T>
    T Check(T status, const std::string& what) const
    {
        if (status < 0)
        {
            Fail(what + " (" + HdfCause() + ")");
        }
        return status;
    }

    /// Rows of the 1-D `dataset` (its dataspace `space`), if `bytesPerRow`
    /// each fit the budget and its chunks pass CheckChunks.
    hsize_t Rows(hid_t dataset, hid_t space, const std::string& name, uint64_t bytesPerRow) const
    {
        const int rank = Check(H5Sget_simple_extent_ndims(space), name + ": bad dataspace");
        if (rank != 1)
        {
            Fail(name + " has rank " + std::to_string(rank) + ", expected a 1-D column");
        }
        hsize_t rows = 0;
        Check(H5Sget_simple_extent_dims(space, &rows, nullptr), name + ": bad dataspace");
        CheckBytes(rows, bytesPerRow, name);
        CheckChunks(dataset, rows, name);
        return rows;
    }

    /// Rejects a chunked column of `rows` rows whose chunk rank is not 1, has
    /// a zero chunk, or has more chunks than the file has 8-byte words:
    /// libhdf5 1.10.8 opens a layout message of dimensionality 1 (a rank-0
    /// chunk) on a 1-D dataspace without complaint, and H5Dread on it then
    /// never returns (fuzz/regressions/trace-reader/hdf5-hang-chunk-rank-0.h5);
    /// and a 12 kB file claiming 4,194,306 rows in chunks of 4 made H5Dread
    /// look up a million chunks in a corrupt index, 3.6 s (hdf5-slow-1M-chunks.h5).
    /// Every chunk of a wfl trace is written, so its index holds at least
    /// an 8-byte address for each (unwritten chunks, legal HDF5 read as
    /// fill values, are not something wfl writes).
    void CheckChunks(hid_t dataset, hsize_t rows, const std::string& name) const
    {
        const Handle plist(Check(H5Dget_create_plist(dataset), name + ": bad creation properties"), H5Pclose);
        if (Check(H5Pget_layout(plist.Get()), name + ": bad layout") != H5D_CHUNKED)
        {
            return;
        }
        hsize_t chunk = 0;
        const int rank = Check(H5Pget_chunk(plist.Get(), 1, &chunk), name + ": bad chunk layout");
        if (rank != 1 || chunk == 0)
        {
            Fail(name + " has a chunk of rank " + std::to_string(rank) + " and " + std::to_string(chunk) +
                 " rows, expected rank 1 and at least 1 row");
        }
        const hsize_t chunks = rows / chunk + (rows % chunk != 0 ? 1 : 0);
        if (chunks > m_fileBytes / 8)
        {
            Fail(name + " claims " + std::to_string(chunks) + " chunks of " + std::to_string(chunk) +
                 " rows, more than this file can index");
        }
    }

    /// Before reading variable-length data: reject a corrupt global heap that
    /// would make libhdf5 1.10.8 loop forever (hdf5-heap-check.h).
    void CheckGlobalHeaps() const
    {
        const std::string defect = FindCorruptGlobalHeap(m_path);
        if (!defect.empty())
        {
            Fail(defect);
        }
    }

    void CheckBytes(uint64_t count, uint64_t bytesEach, const std::string& name) const
    {
        if (bytesEach > 0 && count > m_budget / bytesEach)
        {
            Fail(name + " claims " + std::to_string(count) + " x " + std::to_string(bytesEach) +
                 " bytes, more than this file can hold");
        }
    }

  private:
    static uint64_t FileBytes(const std::string& path)
    {
        struct stat st;
        if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        {
            throw TraceReadError(path + ": no such file");
        }
        return static_cast<uint64_t>(st.st_size);
    }

    std::string m_path;
    uint64_t m_fileBytes;
    /// Memory one read may take: 128 MiB, or 8 bytes per byte of file (wfl
    /// writes 8-byte values uncompressed, so a real column always fits), so
    /// that a corrupt size in a small file cannot exhaust memory.
    uint64_t m_budget;
    Handle m_file;
};

} // namespace hdf5
} // namespace wfl

#endif
