#include "ef-sign-compressor.h"

#include "float-reductions.h"
#include "symbol-bits.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wfl
{

EfSignCompressor::EfSignCompressor(const Params& params)
    : m_params(params)
{
}

std::unique_ptr<ClientState>
EfSignCompressor::NewClientState(size_t dim) const
{
    auto state = std::make_unique<ResidualState>();
    state->residual = Eigen::VectorXf::Zero(static_cast<Eigen::Index>(dim));
    return state;
}

CompressedMessage
EfSignCompressor::Encode(const float* g, size_t dim, const CompressionContext& context, ClientState* state) const
{
    Eigen::VectorXf& e = ResidualOf(state, dim, "ef-sign");
    // p = g + e (with feedback off e stays zero).
    const Eigen::VectorXf p = Eigen::Map<const Eigen::VectorXf>(g, static_cast<Eigen::Index>(dim)) + e;

    auto payload = std::make_unique<ScaledSignPayload>();
    payload->segments = MakeSegments(dim, m_params.bucket, context.layout);
    auto rawBits = [dim](size_t segments) {
        return static_cast<double>(dim) + kScaleBits * static_cast<double>(segments);
    };
    if (rawBits(payload->segments.size()) > context.bitBudget)
    {
        payload->segments = {{0, dim}};
    }
    CompressedMessage message;
    message.bitsRaw = rawBits(payload->segments.size());
    if (message.bitsRaw > context.bitBudget)
    {
        message.fits = false;
        if (m_params.feedback)
        {
            e = p; // nothing sent: everything stays in memory
        }
        return message;
    }
    payload->signs.resize(dim);
    size_t positives = 0;
    const bool feedback = m_params.feedback; // a local: the stores below cannot change it
    for (const Segment& seg : payload->segments)
    {
        const double l1 = SumOfAbs(p.data() + seg.offset, seg.size);
        const float scale = static_cast<float>(l1 / static_cast<double>(seg.size));
        payload->scales.push_back(scale);
        // Raw pointers: the int8 stores could alias a vector's own pointer
        // (char aliasing), which would reload it each entry and stop
        // vectorisation.
        const float* in = p.data() + seg.offset;
        int8_t* signs = payload->signs.data() + seg.offset;
        float* memory = e.data() + seg.offset;
        const size_t size = seg.size; // seg too could alias the int8 stores
        for (size_t i = 0; i < size; ++i)
        {
            // +1 if p >= 0 else -1, from arithmetic: a branch on the sign
            // mispredicts half the time (about 3x slower, bench-compressors).
            const int s = 1 - 2 * static_cast<int>(!(in[i] >= 0.0F));
            signs[i] = static_cast<int8_t>(s);
            positives += static_cast<size_t>(s > 0);
            // e = p - Delta, with Delta exactly what the server decodes.
            memory[i] = feedback ? in[i] - scale * static_cast<float>(s) : 0.0F;
        }
    }
    // The histogram of the symbols sent, {-1, +1} in ascending order.
    message.bitsEntropy =
        EntropyBitsOfCounts({dim - positives, positives}) + kScaleBits * static_cast<double>(payload->segments.size());
    message.payload = std::move(payload);
    return message;
}

void
EfSignCompressor::Decode(const CompressedMessage& message,
                         size_t dim,
                         const CompressionContext& /*context*/,
                         float* out) const
{
    const auto& p = dynamic_cast<const ScaledSignPayload&>(*message.payload);
    std::fill(out, out + dim, 0.0F);
    for (size_t b = 0; b < p.segments.size(); ++b)
    {
        const Segment& seg = p.segments[b];
        for (size_t i = seg.offset; i < seg.offset + seg.size; ++i)
        {
            out[i] = p.scales[b] * static_cast<float>(p.signs[i]);
        }
    }
}

} // namespace wfl
