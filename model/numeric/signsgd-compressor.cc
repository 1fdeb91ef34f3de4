#include "signsgd-compressor.h"

#include "float-reductions.h"
#include "random.h"
#include "symbol-bits.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wfl
{

SignSgdCompressor::SignSgdCompressor(const Params& params)
    : m_params(params)
{
    if (!(params.step >= 0.0) || !std::isfinite(params.step))
    {
        throw std::invalid_argument("signsgd: step must be a finite number >= 0 (0 = clients' mean magnitude)");
    }
}

CompressedMessage
SignSgdCompressor::Encode(const float* g, size_t dim, const CompressionContext& context, ClientState* /*state*/) const
{
    auto payload = std::make_unique<SignPayload>();
    payload->segments = MakeSegments(dim, 0, context.layout);
    const double scaleBits = m_params.step > 0.0 ? 0.0 : kScaleBits * static_cast<double>(payload->segments.size());
    CompressedMessage message;
    message.bitsRaw = static_cast<double>(dim) + scaleBits;
    if (message.bitsRaw > context.bitBudget)
    {
        message.fits = false;
        return message;
    }
    payload->signs.resize(dim);
    // Raw pointer: the int8 stores could alias a vector's own pointer (char
    // aliasing), which would reload it each entry and stop vectorisation.
    int8_t* signs = payload->signs.data();
    size_t zeros = 0;
    size_t positives = 0;
    for (size_t i = 0; i < dim; ++i)
    {
        // sign(g_i) without a branch on it (a coin flip for a gradient).
        const int s = static_cast<int>(g[i] > 0.0F) - static_cast<int>(g[i] < 0.0F);
        signs[i] = static_cast<int8_t>(s);
        zeros += static_cast<size_t>(s == 0);
        positives += static_cast<size_t>(s > 0);
    }
    if (zeros > 0)
    {
        // Only an exact zero (rare) draws its sign, in entry order.
        Rng zeroSigns(context.seed, "signsgd-zero", context.client, context.round);
        for (size_t i = 0; i < dim; ++i)
        {
            if (signs[i] == 0)
            {
                signs[i] = static_cast<int8_t>(zeroSigns.Rademacher());
                positives += static_cast<size_t>(signs[i] > 0);
            }
        }
    }
    if (m_params.step == 0.0)
    {
        for (const Segment& seg : payload->segments)
        {
            const double l1 = SumOfAbs(g + seg.offset, seg.size);
            payload->magnitudes.push_back(static_cast<float>(l1 / static_cast<double>(seg.size)));
        }
    }
    // The histogram of the symbols sent, {-1, +1} in ascending order.
    message.bitsEntropy = EntropyBitsOfCounts({dim - positives, positives}) + scaleBits;
    message.payload = std::move(payload);
    return message;
}

void
SignSgdCompressor::Decode(const CompressedMessage& message,
                          size_t dim,
                          const CompressionContext& /*context*/,
                          float* out) const
{
    // One voter: the majority is its own sign, scaled as Finish scales it
    // (the step, or the client's own mean |g|), without the round's vote sums.
    if (!message.fits)
    {
        std::fill(out, out + dim, 0.0F);
        return; // nobody voted: a zero update
    }
    const auto& p = dynamic_cast<const SignPayload&>(*message.payload);
    for (size_t b = 0; b < p.segments.size(); ++b)
    {
        const float plus = static_cast<float>(m_params.step > 0.0 ? m_params.step : static_cast<double>(p.magnitudes[b]));
        const Segment& seg = p.segments[b];
        const int8_t* signs = p.signs.data() + seg.offset;
        float* o = out + seg.offset;
        for (size_t i = 0; i < seg.size; ++i)
        {
            o[i] = signs[i] > 0 ? plus : -plus;
        }
    }
}

std::unique_ptr<RoundDecoder>
SignSgdCompressor::NewRoundDecoder(size_t dim) const
{
    return std::make_unique<MajorityVoteDecoder>(m_params, dim);
}

MajorityVoteDecoder::MajorityVoteDecoder(const SignSgdCompressor::Params& params, size_t dim)
    : m_params(params),
      m_votes(Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim)))
{
}

void
MajorityVoteDecoder::Add(const CompressedMessage& message, double weight, const CompressionContext& /*context*/)
{
    if (!message.fits)
    {
        return; // a silent client does not vote
    }
    const auto& p = dynamic_cast<const SignPayload&>(*message.payload);
    const double vote = m_params.weighted ? weight : 1.0;
    for (Eigen::Index i = 0; i < m_votes.size(); ++i)
    {
        m_votes[i] += vote * p.signs[static_cast<size_t>(i)];
    }
    if (m_segments.empty())
    {
        m_segments = p.segments;
        m_magnitudeSum.assign(p.magnitudes.size(), 0.0);
    }
    for (size_t b = 0; b < p.magnitudes.size(); ++b)
    {
        m_magnitudeSum[b] += weight * p.magnitudes[b];
    }
    m_weight += weight;
}

Eigen::VectorXf
MajorityVoteDecoder::Finish()
{
    Eigen::VectorXf out = Eigen::VectorXf::Zero(m_votes.size());
    if (!(m_weight > 0.0))
    {
        return out; // nobody voted: a zero update
    }
    for (size_t b = 0; b < m_segments.size(); ++b)
    {
        const double a = m_params.step > 0.0 ? m_params.step : m_magnitudeSum[b] / m_weight;
        const Segment& seg = m_segments[b];
        // float(-a) = -float(a): the select vectorises, a branch on the vote would not.
        const float plus = static_cast<float>(a);
        const double* votes = m_votes.data();
        float* o = out.data();
        for (size_t i = seg.offset; i < seg.offset + seg.size; ++i)
        {
            const double v = votes[i];
            o[i] = v > 0.0 ? plus : (v < 0.0 ? -plus : 0.0F);
        }
    }
    return out;
}

} // namespace wfl
