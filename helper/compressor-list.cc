/*
 * The built-in compressors: one registration each (compressor-registry.h).
 * Adding a compressor is adding its header and one entry here; its keys,
 * their defaults (from its Params), ranges and help then appear in
 * wfl-run --help, scenarios, the command line, the stored configuration and
 * wfl-compress.
 */
#include "compressor-registry.h"
#include "qsgd-compressor.h"

namespace wfl
{

std::vector<CompressorRegistration>
BuiltInCompressors()
{
    using Qsgd = QsgdCompressor::Params;
    return {
        Register<QsgdCompressor>(
            "qsgd",
            "QSGD: stochastic rounding to s levels of |g_i| / bucket norm (unbiased)",
            {UnsignedParam("bucket", "coordinates", 0, 16777216, &Qsgd::bucket,
                           "entries per bucket, each with its own 32-bit norm (0 = one bucket)"),
             UnsignedParam("levels", "levels", 0, 1048576, &Qsgd::levels,
                           "levels s per sign; 0 = the most the bit budget fits; with a "
                           "budget, at most that"),
             ChoiceParam("norm", std::vector<std::pair<std::string, QuantizerNorm>>{
                                     {"l2", QuantizerNorm::L2}, {"linf", QuantizerNorm::LINF}},
                         &Qsgd::norm, "the norm each bucket is scaled by")}),
        // Next compressors: one Register<...>(...) entry each, here.
    };
}

} // namespace wfl
