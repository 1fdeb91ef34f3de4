// NdqsgRoundDecoder (ndqsg-compressor.h): each message decoded in arrival
// order, a nested one against the running average of those before it.
#include "ndqsg-compressor.h"

#include "random.h"

#include <vector>

namespace wfl
{

NdqsgRoundDecoder::NdqsgRoundDecoder(size_t dim)
    : m_sum(Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim))),
      m_sumFine(Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim))),
      m_sideInfo(Eigen::VectorXf::Zero(static_cast<Eigen::Index>(dim))),
      m_decoded(static_cast<Eigen::Index>(dim)),
      m_fine(static_cast<Eigen::Index>(dim))
{
}

void
NdqsgRoundDecoder::Add(const CompressedMessage& message, double weight, const CompressionContext& context)
{
    if (!message.fits)
    {
        return; // a silent client contributes nothing
    }
    const auto& payload = dynamic_cast<const NdqsgPayload&>(*message.payload);
    const size_t dim = static_cast<size_t>(m_sum.size());
    const std::vector<TensorSpan> segments = TensorSpans(context.layout, dim);
    Rng dither(context.seed, NdqsgCompressor::kStream, context.client, context.round);
    if (!payload.nested)
    {
        UnditherSegments(payload.parts, segments, dither, m_decoded.data());
        ++m_stats.fineMessages;
    }
    else
    {
        size_t wrong = 0;
        Rng fineDither(context.seed, NdqsgCompressor::kStream, context.client, context.round);
        for (size_t k = 0; k < segments.size(); ++k)
        {
            const size_t at = segments[k].offset;
            NestedDequantize(payload.parts[k], payload.ratio, m_sideInfo.data() + at, dither, m_decoded.data() + at,
                             &m_indices);
            // Diagnostics only: the fine reconstruction and the wrong-coset
            // count, in buffers kept across messages (a fresh 2^20-entry
            // buffer per message cost page faults).
            const DitheredVector& part = payload.parts[k];
            m_finePart.symbols.assign(payload.fineIndices[k].begin(), payload.fineIndices[k].end());
            m_finePart.scales = part.scales;
            m_finePart.bucket = part.bucket;
            m_finePart.levels = part.levels;
            DitherDequantize(m_finePart, fineDither, m_fine.data() + at);
            for (size_t i = 0; i < m_indices.size(); ++i)
            {
                wrong += m_indices[i] != m_finePart.symbols[i] ? 1 : 0;
            }
        }
        ++m_stats.nestedMessages;
        m_stats.nestedEntries += dim;
        m_stats.wrongCosets += wrong;
        m_stats.messagesWithFailure += wrong > 0 ? 1 : 0;
    }
    Accumulate(payload.nested ? m_fine.data() : m_decoded.data(), weight);
}

void
NdqsgRoundDecoder::Accumulate(const float* fine, double weight)
{
    // The two sums and the next side information in one pass, not three
    // (and a fine message's own decode is its fine reconstruction, not a
    // copy): per 2^20 entries 60 MB of memory traffic -> 40 MB.
    m_weight += weight;
    const size_t dim = static_cast<size_t>(m_sum.size());
    double* sum = m_sum.data();
    double* sumFine = m_sumFine.data();
    float* sideInfo = m_sideInfo.data();
    const float* decoded = m_decoded.data();
    const bool average = m_weight > 0.0;
    for (size_t i = 0; i < dim; ++i)
    {
        sum[i] += weight * static_cast<double>(decoded[i]);
        sumFine[i] += weight * static_cast<double>(fine[i]);
        if (average)
        {
            sideInfo[i] = static_cast<float>(sum[i] / m_weight);
        }
    }
}

DecodeFailures
NdqsgRoundDecoder::Failures() const
{
    DecodeFailures failures;
    failures.messages = static_cast<double>(m_stats.messagesWithFailure);
    failures.entries = static_cast<double>(m_stats.wrongCosets);
    return failures;
}

Eigen::VectorXf
NdqsgRoundDecoder::Finish()
{
    const double norm = m_weight > 0.0 ? 1.0 / m_weight : 0.0;
    m_failureFree = (m_sumFine * norm).cast<float>();
    return (m_sum * norm).cast<float>();
}

} // namespace wfl
