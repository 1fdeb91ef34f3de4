#include "dithered-quantizer.h"

#include "float-reductions.h"
#include "random.h"
#include "uniform-lanes.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace wfl
{

namespace
{
/// Dither draws buffered at a time (on the stack: 2 KiB).
constexpr size_t kDrawBlock = 256;
} // namespace

DitheredVector
DitherQuantize(const float* x, size_t n, size_t bucket, int32_t levels, Rng& dither, SymbolCounter* counter)
{
    if (bucket == 0 || levels < 0 || levels > kMaxDitherLevels)
    {
        throw std::invalid_argument("DitherQuantize: bucket >= 1 and levels in [0, 32767]");
    }
    DitheredVector q;
    q.bucket = bucket;
    q.levels = levels;
    q.symbols.resize(n); // uninitialised (DitherSymbols): every entry is written below
    UniformLanes lanes(dither);
    for (size_t start = 0; start < n; start += bucket)
    {
        const size_t end = std::min(n, start + bucket);
        const float maxAbs = MaxAbs(x + start, end - start);
        // s = ||x||_inf / Q, or 2 ||x||_inf for one bit; an all-zero bucket keeps s = 0.
        const double scale = levels > 0 ? maxAbs / static_cast<double>(levels) : 2.0 * maxAbs;
        q.scales.push_back(static_cast<float>(scale));
        const float used = q.scales.back(); // the receiver knows only the float
        // x / s as x (1 / s): a vector division costs more than the rest of
        // the loop. Below s ~ 2^-126 (a subnormal bucket) 1 / s overflows,
        // and the bucket divides instead.
        const float perScale = 1.0F / used;
        const bool divide = !(perScale <= std::numeric_limits<float>::max());
        // Draws first, a block at a time (one per entry, in entry order, from
        // the lane generator, uncentred: w = u + 1/2), then a loop without
        // calls that vectorises.
        float w[kDrawBlock];
        for (size_t first = start; first < end; first += kDrawBlock)
        {
            const size_t count = std::min(kDrawBlock, end - first);
            lanes.Fill(w, count);
            int16_t* symbols = q.symbols.data() + first;
            const float* in = x + first;
            if (!(used > 0.0F))
            {
                std::fill(symbols, symbols + count, int16_t{0});
            }
            else if (divide)
            {
                for (size_t t = 0; t < count; ++t)
                {
                    const float y = in[t] / used;
                    symbols[t] = static_cast<int16_t>(levels > 0 ? DitherIndex(y, w[t], levels) : (y >= 0.5F - w[t] ? 1 : -1));
                }
            }
            else if (levels > 0)
            {
                for (size_t t = 0; t < count; ++t)
                {
                    symbols[t] = static_cast<int16_t>(DitherIndex(in[t] * perScale, w[t], levels));
                }
            }
            else
            {
                // sign(y + u): +1 if y >= -u = 1/2 - w (exact: w is a multiple
                // of 2^-24 in [0, 1)), as a select: the sign is a coin flip,
                // and a branch on it mispredicts half the time (10x slower).
                for (size_t t = 0; t < count; ++t)
                {
                    symbols[t] = static_cast<int16_t>(in[t] * perScale >= 0.5F - w[t] ? 1 : -1);
                }
            }
        }
    }
    if (counter != nullptr)
    {
        counter->Add(q.symbols.data(), n);
    }
    return q;
}

SymbolCounter
DitherCounter(int32_t levels)
{
    const int32_t top = std::max(levels, 1);
    return SymbolCounter(-top, top);
}

void
DitherDequantize(const DitheredVector& q, Rng& dither, float* out)
{
    const size_t n = q.symbols.size();
    UniformLanes lanes(dither); // the encoder's lanes: the same stream
    for (size_t start = 0, b = 0; start < n; start += q.bucket, ++b)
    {
        const size_t end = std::min(n, start + q.bucket);
        const float scale = q.scales[b];
        float u[kDrawBlock];
        for (size_t first = start; first < end; first += kDrawBlock)
        {
            const size_t count = std::min(kDrawBlock, end - first);
            lanes.FillCentred(u, count);
            const int16_t* symbols = q.symbols.data() + first;
            float* x = out + first;
            const auto reconstruct = [&](float half) {
                for (size_t t = 0; t < count; ++t)
                {
                    x[t] = DitherReconstruct(scale, half, symbols[t], u[t]);
                }
            };
            if (!(scale > 0.0F))
            {
                std::fill(x, x + count, 0.0F);
            }
            else if (q.levels > 0)
            {
                // half = 1 as a constant at the (inlined) call, so the product
                // by it is folded away (exact either way): one vector op fewer
                // per 16 entries.
                reconstruct(1.0F);
            }
            else
            {
                reconstruct(0.5F); // one-bit levels are +-1/2
            }
        }
    }
}

} // namespace wfl
