#include "idx-reader.h"

#include "input-error.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace wfl
{
namespace
{

struct GzCloser
{
    void operator()(gzFile_s* f) const
    {
        gzclose(f);
    }
};

using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

/// Read exactly n bytes; returns the number actually read, or throws on corruption.
size_t
ReadBytes(gzFile file, const std::string& path, uint8_t* out, size_t n)
{
    size_t total = 0;
    while (total < n)
    {
        const size_t chunk = std::min<size_t>(n - total, 1u << 30);
        const int got = gzread(file, out + total, static_cast<unsigned>(chunk));
        if (got < 0)
        {
            int code = 0;
            const char* msg = gzerror(file, &code);
            throw InputError(path + ": corrupt compressed data (" + msg + ")");
        }
        if (got == 0)
        {
            break;
        }
        total += static_cast<size_t>(got);
    }
    return total;
}

/**
 * Read up to `count` payload bytes into `out`, growing it as bytes arrive
 * (each step at most doubles it, from 1 MiB), so that a header declaring up to
 * 16 GiB in a small or truncated file costs at most twice the bytes really
 * there plus 1 MiB, never the declared size. Returns the bytes read.
 */
size_t
ReadPayload(gzFile file, const std::string& path, size_t count, std::vector<uint8_t>& out)
{
    out.clear();
    size_t got = 0;
    while (got < count)
    {
        const size_t want = std::min(count - got, std::max<size_t>(got, size_t{1} << 20));
        out.resize(got + want);
        const size_t read = ReadBytes(file, path, out.data() + got, want);
        got += read;
        if (read < want)
        {
            break;
        }
    }
    out.resize(got);
    return got;
}

uint32_t
BigEndian32(const uint8_t* p)
{
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

} // namespace

IdxArray
ReadIdx(const std::string& path)
{
    GzFile file(gzopen(path.c_str(), "rb"));
    if (!file)
    {
        throw InputError(path + ": cannot open (" + std::strerror(errno) + ")");
    }
    gzbuffer(file.get(), 1u << 18);

    uint8_t magic[4];
    if (ReadBytes(file.get(), path, magic, 4) != 4)
    {
        throw InputError(path + ": truncated IDX header");
    }
    if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08)
    {
        throw InputError(path + ": not an unsigned-byte IDX file (bad magic number)");
    }
    const unsigned ndims = magic[3];
    if (ndims < 1 || ndims > 4)
    {
        throw InputError(path + ": IDX rank " + std::to_string(ndims) + " outside [1, 4]");
    }

    IdxArray array;
    size_t count = 1;
    for (unsigned i = 0; i < ndims; ++i)
    {
        uint8_t dim[4];
        if (ReadBytes(file.get(), path, dim, 4) != 4)
        {
            throw InputError(path + ": truncated IDX header");
        }
        const uint32_t d = BigEndian32(dim);
        if (d == 0)
        {
            throw InputError(path + ": IDX dimension " + std::to_string(i) + " is zero");
        }
        array.dims.push_back(d);
        count *= d;
        if (count > (size_t{1} << 34))
        {
            throw InputError(path + ": IDX payload larger than 16 GiB, refusing");
        }
    }

    const size_t got = ReadPayload(file.get(), path, count, array.data);
    if (got != count)
    {
        throw InputError(path + ": truncated payload (" + std::to_string(got) + " of " +
                         std::to_string(count) + " bytes)");
    }
    uint8_t extra;
    if (ReadBytes(file.get(), path, &extra, 1) != 0)
    {
        throw InputError(path + ": trailing bytes after the declared payload");
    }
    return array;
}

} // namespace wfl
