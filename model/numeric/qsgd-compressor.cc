#include "qsgd-compressor.h"

#include "random.h"
#include "symbol-bits.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wfl
{

namespace
{

constexpr uint32_t kMaxBucket = 1u << 24;


struct QsgdPayload : MessagePayload
{
    QuantizerFit fit; ///< what the rate header (TDMA) or the configured budget tells the server
    QuantizedLevels levels;
};

} // namespace

QsgdCompressor::QsgdCompressor(const Params& params)
    : m_params(params)
{
    if (params.levels > kMaxQuantizerLevels)
    {
        throw std::invalid_argument("levels = " + std::to_string(params.levels) +
                                    ": expected an integer in [0, 1048576] (0 = fit the budget)");
    }
    if (params.bucket > kMaxBucket)
    {
        throw std::invalid_argument("bucket = " + std::to_string(params.bucket) +
                                    ": expected an integer in [0, 16777216] (0 = one bucket)");
    }
}

size_t
QsgdCompressor::BucketFor(size_t dim) const
{
    return m_params.bucket == 0 || m_params.bucket >= dim ? 0 : m_params.bucket;
}

QuantizerFit
QsgdCompressor::Fit(size_t dim, double budgetBits) const
{
    const size_t bucket = BucketFor(dim);
    const double cap = m_params.levels == 0 ? kMaxQuantizerLevels : m_params.levels;
    if (bucket == 0)
    {
        QuantizerFit fit = FitQuantizer(dim, budgetBits);
        if (fit.coordinates == dim && fit.levels > cap)
        {
            fit.levels = static_cast<uint32_t>(cap);
            fit.bits = kScaleBits + static_cast<double>(dim) * std::log2(2.0 * fit.levels + 1.0);
        }
        return fit;
    }
    QuantizerFit fit;
    const double buckets = std::ceil(static_cast<double>(dim) / static_cast<double>(bucket));
    const double perCoordinate = (budgetBits - kScaleBits * buckets) / static_cast<double>(dim);
    // Largest s with log2(2s + 1) <= perCoordinate.
    const double most = std::floor((std::exp2(std::min(perCoordinate, 40.0)) - 1.0) / 2.0);
    if (!(most >= 1.0))
    {
        return fit; // not even one level per sign in every coordinate: cannot fit
    }
    fit.coordinates = dim;
    fit.levels = static_cast<uint32_t>(std::min(most, cap));
    fit.bits = kScaleBits * buckets + static_cast<double>(dim) * std::log2(2.0 * fit.levels + 1.0);
    return fit;
}

CompressedMessage
QsgdCompressor::Encode(const float* g, size_t dim, const CompressionContext& context, ClientState* /* state */) const
{
    CompressedMessage message;
    auto payload = std::make_unique<QsgdPayload>();
    payload->fit = Fit(dim, context.bitBudget);
    if (payload->fit.coordinates == 0)
    {
        message.fits = false;
        return message;
    }
    Rng rng(context.seed, "digital-quantizer", context.client, context.round);
    // Counted by the quantizer over its levels' bound (stochastic-quantizer.h),
    // unless the bound spans more than 2^16 values: then here, over their range.
    payload->levels = StochasticQuantize(g, dim, payload->fit, BucketFor(dim), m_params.norm, rng, true);
    const QuantizedLevels& q = payload->levels;
    message.bitsRaw = payload->fit.bits;
    message.bitsEntropy = kScaleBits * static_cast<double>(q.norms.size()) +
                          (q.counts.empty() ? EntropySymbolBits(q.symbols) : EntropyBitsOfCounts(q.counts));
    message.payload = std::move(payload);
    return message;
}

void
QsgdCompressor::Decode(const CompressedMessage& message, size_t dim, const CompressionContext& context, float* out) const
{
    const auto* payload = dynamic_cast<const QsgdPayload*>(message.payload.get());
    if (payload == nullptr || !message.fits)
    {
        std::fill(out, out + dim, 0.0f);
        return;
    }
    Rng subsetRng(context.seed, "digital-quantizer", context.client, context.round);
    StochasticDequantize(payload->levels, dim, payload->fit, BucketFor(dim), subsetRng, out);
}

} // namespace wfl
