/*
 * Reader for IDX files (the MNIST / Fashion-MNIST container), plain or gzip.
 */
#ifndef WFL_IDX_READER_H
#define WFL_IDX_READER_H

#include <cstdint>
#include <string>
#include <vector>

namespace wfl
{

/// An unsigned-byte IDX array: dims[0] items of dims[1] x dims[2] ... bytes.
struct IdxArray
{
    std::vector<uint32_t> dims;
    std::vector<uint8_t> data; ///< row-major payload, size = product of dims
};

/**
 * Read an unsigned-byte IDX file, gzip-compressed or not.
 * Checks the magic number (0x0000 08 nd), the dimensions and that the payload
 * has exactly the declared size.
 * @throws InputError naming the file and the defect (missing, truncated,
 *         corrupt compression, bad magic, trailing bytes).
 */
IdxArray ReadIdx(const std::string& path);

} // namespace wfl

#endif
