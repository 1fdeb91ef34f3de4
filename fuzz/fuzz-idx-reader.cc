/*
 * Fuzz target: the IDX reader (model/numeric/idx-reader.cc), plain and gzip.
 *
 * The input is read three ways: as a plain IDX file, gzip-compressed by this
 * target (so the fuzzer's header mutations reach the parser through zlib
 * too), and as the bytes of a .gz file itself (corrupt compressed streams).
 * Any outcome but an IdxArray or a one-line wfl::InputError is a finding; so is
 * an array whose payload does not match its dimensions.
 */
#include "fuzz-util.h"
#include "idx-reader.h"
#include "input-error.h"

#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace
{

void
ReadOrReject(const std::string& path)
{
    try
    {
        const wfl::IdxArray array = wfl::ReadIdx(path);
        size_t count = array.dims.empty() ? 0 : 1;
        for (uint32_t d : array.dims)
        {
            count *= d;
        }
        if (count != array.data.size())
        {
            std::fprintf(stderr, "wfl-fuzz: IDX payload %zu bytes, dimensions say %zu\n",
                         array.data.size(), count);
            std::abort();
        }
    }
    catch (const wfl::InputError& e)
    {
        wfl::fuzz::RequireOneLine("InputError", e.what());
    }
}

std::vector<uint8_t>
Gzip(const uint8_t* data, size_t size)
{
    z_stream stream{};
    // 15 + 16: zlib window with a gzip header, as gzip(1) writes.
    if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    {
        std::abort();
    }
    std::vector<uint8_t> out(deflateBound(&stream, static_cast<uLong>(size)) + 32);
    stream.next_in = const_cast<Bytef*>(data);
    stream.avail_in = static_cast<uInt>(size);
    stream.next_out = out.data();
    stream.avail_out = static_cast<uInt>(out.size());
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END)
    {
        std::abort();
    }
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const wfl::fuzz::TempFile plain(".idx");
    static const wfl::fuzz::TempFile compressed(".gz");
    plain.Write(data, size);
    ReadOrReject(plain.Path());
    const std::vector<uint8_t> gz = Gzip(data, size);
    compressed.Write(gz.data(), gz.size());
    ReadOrReject(compressed.Path());
    compressed.Write(data, size);
    ReadOrReject(compressed.Path());
    return 0;
}
