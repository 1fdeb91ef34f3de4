#include "topk-compressor.h"

#include "largest-magnitudes.h"
#include "symbol-bits.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wfl
{

TopKCompressor::TopKCompressor(const Params& params)
    : m_params(params)
{
    if (!(params.ratio > 0.0 && params.ratio <= 1.0))
    {
        throw std::invalid_argument("topk: ratio must be in (0, 1] (k / D)");
    }
}

std::unique_ptr<ClientState>
TopKCompressor::NewClientState(size_t dim) const
{
    auto state = std::make_unique<ResidualState>();
    state->residual = Eigen::VectorXf::Zero(static_cast<Eigen::Index>(dim));
    return state;
}

double
TopKCompressor::PositionBits(size_t dim)
{
    return dim > 1 ? std::ceil(std::log2(static_cast<double>(dim))) : 0.0;
}

size_t
TopKCompressor::KeptEntries(size_t dim, double budget) const
{
    // ceil(ratio D), forgiving the rounding of ratio (0.01 * 1000 must give 10).
    const double wanted = std::ceil(m_params.ratio * static_cast<double>(dim) * (1.0 - 1e-12));
    size_t k = std::clamp<size_t>(static_cast<size_t>(wanted), 1, std::max<size_t>(dim, 1));
    const double perEntry = kScaleBits + PositionBits(dim);
    if (std::isfinite(budget))
    {
        k = std::min(k, static_cast<size_t>(std::max(0.0, std::floor(budget / perEntry))));
    }
    return k;
}

CompressedMessage
TopKCompressor::Encode(const float* g, size_t dim, const CompressionContext& context, ClientState* state) const
{
    Eigen::VectorXf& m = ResidualOf(state, dim, "topk");
    if (!m_params.feedback)
    {
        m.setZero();
    }
    m += Eigen::Map<const Eigen::VectorXf>(g, static_cast<Eigen::Index>(dim));
    CompressedMessage message;
    const size_t k = KeptEntries(dim, context.bitBudget);
    if (k == 0)
    {
        message.fits = false; // m keeps everything
        return message;
    }
    // The k largest |m_i|; ties to the lower index (largest-magnitudes.h).
    auto payload = std::make_unique<SparsePayload>();
    payload->positions = LargestMagnitudes(m.data(), dim, k);
    for (uint32_t i : payload->positions)
    {
        payload->values.push_back(m[i]);
        m[i] = 0.0F; // m <- m - top_k(m)
    }
    if (!m_params.feedback)
    {
        m.setZero();
    }
    const double kd = static_cast<double>(k);
    const double n = static_cast<double>(dim);
    message.bitsRaw = kd * (kScaleBits + PositionBits(dim));
    // log2 binom(D, k) via lgamma (ln to log2).
    const double subsetBits =
        (std::lgamma(n + 1.0) - std::lgamma(kd + 1.0) - std::lgamma(n - kd + 1.0)) / std::log(2.0);
    message.bitsEntropy = kScaleBits * kd + subsetBits;
    message.payload = std::move(payload);
    return message;
}

void
TopKCompressor::Decode(const CompressedMessage& message,
                       size_t dim,
                       const CompressionContext& /*context*/,
                       float* out) const
{
    const auto& p = dynamic_cast<const SparsePayload&>(*message.payload);
    std::fill(out, out + dim, 0.0F);
    for (size_t j = 0; j < p.positions.size(); ++j)
    {
        out[p.positions[j]] = p.values[j];
    }
}

} // namespace wfl
