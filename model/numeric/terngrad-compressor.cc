#include "terngrad-compressor.h"

#include "random.h"
#include "symbol-bits.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

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
    payload->symbols.assign(dim, 0);
    for (const Segment& seg : payload->segments)
    {
        float clipAt = std::numeric_limits<float>::infinity();
        if (m_params.clip > 0.0)
        {
            double sq = 0.0;
            for (size_t i = seg.offset; i < seg.offset + seg.size; ++i)
            {
                sq += static_cast<double>(g[i]) * g[i];
            }
            clipAt = static_cast<float>(m_params.clip * std::sqrt(sq / static_cast<double>(seg.size)));
        }
        float scale = 0.0F; // max |clipped g|: a float, so the receiver's s is exact
        for (size_t i = seg.offset; i < seg.offset + seg.size; ++i)
        {
            scale = std::max(scale, std::min(std::abs(g[i]), clipAt));
        }
        payload->scales.push_back(scale);
        for (size_t i = seg.offset; i < seg.offset + seg.size; ++i)
        {
            const double u = rng.Uniform(); // one draw per entry, so streams stay aligned
            const float a = std::min(std::abs(g[i]), clipAt);
            // sign(g_i) with probability a / scale, else 0; no branch on the
            // coin (a branch mispredicts often: 3x slower, bench-compressors).
            const int32_t kept =
                static_cast<int32_t>(scale > 0.0F) & static_cast<int32_t>(u < static_cast<double>(a) / scale);
            payload->symbols[i] = kept * (g[i] > 0.0F ? 1 : -1);
        }
    }
    message.bitsEntropy =
        EntropySymbolBits(payload->symbols) + kScaleBits * static_cast<double>(payload->segments.size());
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
    std::fill(out, out + dim, 0.0F);
    for (size_t b = 0; b < p.segments.size(); ++b)
    {
        const Segment& seg = p.segments[b];
        for (size_t i = seg.offset; i < seg.offset + seg.size; ++i)
        {
            out[i] = p.scales[b] * static_cast<float>(p.symbols[i]);
        }
    }
}

} // namespace wfl
