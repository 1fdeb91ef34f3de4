#include "dithered-quantizer.h"

#include "random.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wfl
{

DitheredVector
DitherQuantize(const float* x, size_t n, size_t bucket, int32_t levels, Rng& dither)
{
    if (bucket == 0 || levels < 0)
    {
        throw std::invalid_argument("DitherQuantize: bucket >= 1 and levels >= 0");
    }
    DitheredVector q;
    q.bucket = bucket;
    q.levels = levels;
    q.symbols.resize(n);
    for (size_t start = 0; start < n; start += bucket)
    {
        const size_t end = std::min(n, start + bucket);
        float maxAbs = 0.0F;
        for (size_t i = start; i < end; ++i)
        {
            maxAbs = std::max(maxAbs, std::abs(x[i]));
        }
        // s = ||x||_inf / Q, or 2 ||x||_inf for one bit; an all-zero bucket keeps s = 0.
        const double scale = levels > 0 ? maxAbs / static_cast<double>(levels) : 2.0 * maxAbs;
        q.scales.push_back(static_cast<float>(scale));
        const double used = q.scales.back(); // the receiver knows only the float
        for (size_t i = start; i < end; ++i)
        {
            const double u = dither.Uniform() - 0.5;
            if (!(used > 0.0))
            {
                q.symbols[i] = 0;
            }
            else if (levels > 0)
            {
                q.symbols[i] = DitherIndex(x[i] / used, u, 1.0, levels);
            }
            else
            {
                // +1 if t >= 0 else -1, from the sign bit: the sign is a coin
                // flip, and a branch on it mispredicts half the time (10x
                // slower). t is never -0.0 (u = Uniform() - 0.5 is never -0.0).
                const double t = x[i] / used + u;
                q.symbols[i] = 1 - 2 * static_cast<int32_t>(std::signbit(t));
            }
        }
    }
    return q;
}

void
DitherDequantize(const DitheredVector& q, Rng& dither, float* out)
{
    const size_t n = q.symbols.size();
    for (size_t start = 0, b = 0; start < n; start += q.bucket, ++b)
    {
        const size_t end = std::min(n, start + q.bucket);
        const double scale = q.scales[b];
        for (size_t i = start; i < end; ++i)
        {
            const double u = dither.Uniform() - 0.5;
            const double level = q.levels > 0 ? q.symbols[i] : 0.5 * q.symbols[i];
            out[i] = scale > 0.0 ? static_cast<float>(scale * (level - u)) : 0.0F;
        }
    }
}

} // namespace wfl
