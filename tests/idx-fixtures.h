/*
 * IDX file images for the reader and dataset-cache tests: the magic, the
 * big-endian dimensions, then the unsigned-byte payload; written plain or
 * gzip-compressed.
 */
#ifndef WFL_TESTS_IDX_FIXTURES_H
#define WFL_TESTS_IDX_FIXTURES_H

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

namespace wfltest
{

using Bytes = std::vector<uint8_t>;

/// An unsigned-byte IDX file image: magic, big-endian dims, payload.
inline Bytes
IdxBytes(const std::vector<uint32_t>& dims, const Bytes& payload)
{
    Bytes out{0, 0, 0x08, static_cast<uint8_t>(dims.size())};
    for (uint32_t d : dims)
    {
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            out.push_back(static_cast<uint8_t>(d >> shift));
        }
    }
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

inline void
WriteGz(const std::string& path, const Bytes& bytes)
{
    gzFile f = gzopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr) << path;
    ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
    ASSERT_EQ(gzclose(f), Z_OK);
}

} // namespace wfltest

#endif
