/*
 * Shared pieces of the fuzz targets: a temporary file that holds the input
 * (the readers under test take paths, not buffers) and the check that every
 * rejected input ends in a one-line error message.
 */
#ifndef WFL_FUZZ_UTIL_H
#define WFL_FUZZ_UTIL_H

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace wfl
{
namespace fuzz
{

/// A file in $TMPDIR (or /tmp) created once per process and rewritten with
/// every input; removed at exit. `suffix` keeps readers that look at the name
/// (none do today) honest.
class TempFile
{
  public:
    explicit TempFile(const std::string& suffix);
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    /// Replace the file's contents with `size` bytes from `data`.
    void Write(const uint8_t* data, size_t size) const;
    const std::string& Path() const
    {
        return m_path;
    }

  private:
    std::string m_path;
};

/// Abort (a fuzzing finding) unless `message` is one non-empty line.
void RequireOneLine(const char* what, const std::string& message);

} // namespace fuzz
} // namespace wfl

#endif
