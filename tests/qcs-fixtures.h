/*
 * Helpers shared by the quantized-compressive-sampling tests (test-qcs*.cc).
 */
#ifndef WFL_QCS_FIXTURES_H
#define WFL_QCS_FIXTURES_H

#include "qcs-compressor.h"
#include "random.h"

#include <vector>

namespace qcstest
{

using Params = wfl::QcsCompressor::Params;

/// n standard normals from the stream (seed, "test-qcs-g").
inline std::vector<float>
Gaussian(size_t n, uint64_t seed)
{
    wfl::Rng rng(seed, "test-qcs-g");
    std::vector<float> g(n);
    for (float& x : g)
    {
        x = static_cast<float>(rng.Normal());
    }
    return g;
}

/// Parameters of bucket n, k rows (ratio k/n) and Q levels.
inline Params
Make(size_t n, size_t k, int32_t q)
{
    Params p;
    p.bucket = n;
    p.ratio = static_cast<double>(k) / static_cast<double>(n);
    p.levels = q;
    return p;
}

} // namespace qcstest

#endif
