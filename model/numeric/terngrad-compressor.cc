#include "terngrad-compressor.h"

#include "float-reductions.h"
#include "random.h"
#include "uniform-lanes.h"
#include "symbol-bits.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace wfl
{

TernGradCompressor::TernGradCompressor(const Params& params)
    : m_params(params)
{
    if (!(params.clip >= 0.0) || !std::isfinite(params.clip))
    {
        throw std::invalid_argument("terngrad: clip must be a finite number >= 0 (0 = no clipping)");
    }
}

double
TernGradCompressor::RawBits(size_t dim, size_t segments)
{
    return RawSymbolBits(dim, 3.0) + kScaleBits * static_cast<double>(segments);
}

CompressedMessage
TernGradCompressor::Encode(const float* g, size_t dim, const CompressionContext& context, ClientState* /*state*/) const
{
    auto payload = std::make_unique<TernaryPayload>();
    payload->segments = MakeSegments(dim, m_params.bucket, context.layout);
    if (RawBits(dim, payload->segments.size()) > context.bitBudget)
    {
        payload->segments = {{0, dim}}; // one scale: the cheapest TernGrad message
    }
    CompressedMessage message;
    message.bitsRaw = RawBits(dim, payload->segments.size());
    if (message.bitsRaw > context.bitBudget)
    {
        message.fits = false;
        return message;
    }
    Rng rng(context.seed, "terngrad", context.client, context.round);
    UniformLanes lanes(rng);
    payload->symbols.assign(dim, 0);
    size_t negatives = 0; // the histogram, counted on the way (symbol-bits.h)
    size_t positives = 0;
    for (const Segment& seg : payload->segments)
    {
        const float* x = g + seg.offset;
        float clipAt = std::numeric_limits<float>::infinity();
        if (m_params.clip > 0.0)
        {
            clipAt = static_cast<float>(m_params.clip * std::sqrt(SumOfSquares(x, seg.size) / static_cast<double>(seg.size)));
        }
        // max_i min(|g_i|, c) = min(max_i |g_i|, c): min is monotone. A float,
        // so the receiver's s is exact.
        const float scale = std::min(MaxAbs(x, seg.size), clipAt);
        payload->scales.push_back(scale);
        // A raw pointer: an int8 store may alias the vector's own pointer
        // (char aliasing), which would keep the loop scalar.
        int8_t* symbols = payload->symbols.data() + seg.offset;
        // One draw per entry, in entry order, a block at a time, so the
        // rounding loop has no calls and vectorises.
        constexpr size_t kBlock = 256;
        float u[kBlock];
        for (size_t first = 0; first < seg.size; first += kBlock)
        {
            const size_t count = std::min(kBlock, seg.size - first);
            lanes.Fill(u, count);
            int32_t blockNegatives = 0; // 32-bit in the loop: it vectorises
            int32_t blockPositives = 0;
            for (size_t t = 0; t < count; ++t)
            {
                const float v = x[first + t];
                const float a = std::min(std::abs(v), clipAt);
                // sign(g_i) with probability a / scale, else 0; no branch on the
                // coin (a branch mispredicts often: 3x slower, bench-compressors).
                // u scale < a rather than u < a / scale: a vector division
                // costs more than the rest of the loop. The product of the
                // 24-bit draw and the float scale is exact in a double, so the
                // comparison is exactly u < a / scale.
                const int32_t kept = static_cast<int32_t>(scale > 0.0F) &
                                     static_cast<int32_t>(u[t] * static_cast<double>(scale) < static_cast<double>(a));
                const int32_t symbol = kept * (v > 0.0F ? 1 : -1);
                symbols[first + t] = static_cast<int8_t>(symbol);
                blockNegatives += static_cast<int32_t>(symbol < 0);
                blockPositives += static_cast<int32_t>(symbol > 0);
            }
            negatives += static_cast<size_t>(blockNegatives);
            positives += static_cast<size_t>(blockPositives);
        }
    }
    // {-1, 0, +1} in ascending order.
    message.bitsEntropy = EntropyBitsOfCounts({negatives, dim - negatives - positives, positives}) +
                          kScaleBits * static_cast<double>(payload->segments.size());
    message.payload = std::move(payload);
    return message;
}

void
TernGradCompressor::Decode(const CompressedMessage& message,
                           size_t dim,
                           const CompressionContext& /*context*/,
                           float* out) const
{
    const auto& p = dynamic_cast<const TernaryPayload&>(*message.payload);
    if (p.symbols.size() != dim)
    {
        throw std::invalid_argument("terngrad: a message of " + std::to_string(p.symbols.size()) +
                                    " symbols decoded into " + std::to_string(dim) + " entries");
    }
    // The segments tile [0, dim) (MakeSegments checks it): every entry is
    // written once, no zero fill first.
    const int8_t* symbols = p.symbols.data();
    for (size_t b = 0; b < p.segments.size(); ++b)
    {
        const Segment& seg = p.segments[b];
        for (size_t i = seg.offset; i < seg.offset + seg.size; ++i)
        {
            out[i] = p.scales[b] * static_cast<float>(symbols[i]);
        }
    }
}

} // namespace wfl
