#include "random-sparsification-compressor.h"

#include "random.h"
#include "symbol-bits.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wfl
{

RandomSparsificationCompressor::RandomSparsificationCompressor(const Params& params)
    : m_params(params)
{
    if (!(params.ratio > 0.0 && params.ratio <= 1.0))
    {
        throw std::invalid_argument("random-sparsification: ratio must be in (0, 1] (k / D)");
    }
}

size_t
RandomSparsificationCompressor::KeptEntries(size_t dim, double budget) const
{
    // ceil(ratio D), forgiving the rounding of ratio (0.01 * 1000 must give 10).
    const double wanted = std::ceil(m_params.ratio * static_cast<double>(dim) * (1.0 - 1e-12));
    size_t k = std::clamp<size_t>(static_cast<size_t>(wanted), 1, std::max<size_t>(dim, 1));
    if (std::isfinite(budget))
    {
        k = std::min(k, static_cast<size_t>(std::max(0.0, std::floor(budget / kScaleBits))));
    }
    return k;
}

std::vector<uint32_t>
RandomSparsificationCompressor::Subset(size_t dim, size_t k, const CompressionContext& context)
{
    // Floyd's algorithm (Bentley and Floyd, CACM 1987): for j = D - k .. D - 1
    // take t uniform on [0, j], or j itself if t is already taken; every
    // k-subset is equally likely, from k draws. Selection sampling (one draw
    // per position, Knuth's Algorithm S) cost D serial draws: 5 ms for
    // D = 2^20 at any k, per client at encode and again at decode
    // (bench-compressors). The taken set is a bitmap (D / 8 bytes), read in
    // ascending order.
    Rng rng(context.seed, "random-sparsification", context.client, context.round);
    std::vector<uint32_t> subset;
    subset.reserve(std::min(k, dim));
    if (k >= dim)
    {
        for (size_t i = 0; i < dim; ++i)
        {
            subset.push_back(static_cast<uint32_t>(i));
        }
        return subset; // every position: nothing to draw
    }
    constexpr size_t kWordBits = 64;
    std::vector<uint64_t> taken((dim + kWordBits - 1) / kWordBits, 0);
    const auto isTaken = [&](size_t i) { return ((taken[i / kWordBits] >> (i % kWordBits)) & 1u) != 0; };
    for (size_t j = dim - k; j < dim; ++j)
    {
        const auto t = static_cast<size_t>(rng.UniformInt(j + 1));
        const size_t pick = isTaken(t) ? j : t;
        taken[pick / kWordBits] |= uint64_t{1} << (pick % kWordBits);
    }
    for (size_t w = 0; w < taken.size(); ++w)
    {
        for (uint64_t bits = taken[w]; bits != 0; bits &= bits - 1)
        {
            subset.push_back(static_cast<uint32_t>(w * kWordBits + static_cast<size_t>(__builtin_ctzll(bits))));
        }
    }
    return subset;
}

CompressedMessage
RandomSparsificationCompressor::Encode(const float* g,
                                       size_t dim,
                                       const CompressionContext& context,
                                       ClientState* /*state*/) const
{
    CompressedMessage message;
    const size_t k = KeptEntries(dim, context.bitBudget);
    if (k == 0)
    {
        message.fits = false;
        return message;
    }
    const double scale = static_cast<double>(dim) / static_cast<double>(k); // 1 / p
    auto payload = std::make_unique<SubsetPayload>();
    for (uint32_t i : Subset(dim, k, context))
    {
        payload->values.push_back(static_cast<float>(scale * g[i]));
    }
    message.bitsRaw = kScaleBits * static_cast<double>(k);
    message.bitsEntropy = message.bitsRaw;
    message.payload = std::move(payload);
    return message;
}

void
RandomSparsificationCompressor::Decode(const CompressedMessage& message,
                                       size_t dim,
                                       const CompressionContext& context,
                                       float* out) const
{
    const auto& p = dynamic_cast<const SubsetPayload&>(*message.payload);
    std::fill(out, out + dim, 0.0F);
    const std::vector<uint32_t> subset = Subset(dim, p.values.size(), context);
    for (size_t j = 0; j < subset.size(); ++j)
    {
        out[subset[j]] = p.values[j];
    }
}

} // namespace wfl
