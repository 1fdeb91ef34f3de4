#include "isgq-compressor.h"

#include "largest-fitting.h"
#include "layer-factors-check.h"
#include "random.h"
#include "symbol-bits.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace wfl
{

namespace
{

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Bucketed dithered symbols of m (memory order), exact zeros -> IsgqZeroSymbol(Q).
DitheredVector
QuantizeFactor(const Eigen::MatrixXf& m, size_t bucket, int32_t levels, bool zeroSymbol, Rng& dither)
{
    DitheredVector q = DitherQuantize(m.data(), static_cast<size_t>(m.size()), bucket, levels, dither);
    if (zeroSymbol)
    {
        for (size_t i = 0; i < q.symbols.size(); ++i)
        {
            if (m.data()[i] == 0.0F)
            {
                q.symbols[i] = IsgqZeroSymbol(levels);
            }
        }
    }
    return q;
}

/// The inverse: rows x cols, the zero symbol back to an exact 0.
Eigen::MatrixXf
DequantizeFactor(const DitheredVector& q, Eigen::Index rows, Eigen::Index cols, bool zeroSymbol, Rng& dither)
{
    Eigen::MatrixXf m(rows, cols);
    DitherDequantize(q, dither, m.data());
    if (zeroSymbol)
    {
        for (size_t i = 0; i < q.symbols.size(); ++i)
        {
            if (q.symbols[i] == IsgqZeroSymbol(q.levels))
            {
                m.data()[i] = 0.0F;
            }
        }
    }
    return m;
}

double
ScaleBits(const DitheredVector& q)
{
    return kScaleBits * static_cast<double>(q.scales.size());
}

} // namespace

IsgqCompressor::IsgqCompressor(const Params& params)
    : m_params(params)
{
    if (params.levels < 1 || params.levels > 32767)
    {
        throw std::invalid_argument("isgq: levels must be in 1..32767, got " + std::to_string(params.levels));
    }
    if (params.bucket == 0)
    {
        throw std::invalid_argument("isgq: bucket must be >= 1");
    }
}

double
IsgqCompressor::SegmentBits(const TensorSpan& segment,
                            const LayerFactors* factors,
                            bool factored,
                            int32_t levels,
                            size_t bucket) const
{
    if (!factored)
    {
        return BucketedRawBits({segment.size}, bucket, DitherAlphabet(levels));
    }
    const double alphabet = 2.0 * levels + (m_params.zeroSymbol ? 2.0 : 1.0);
    const auto x = static_cast<size_t>(factors->input.size());
    const auto delta = static_cast<size_t>(factors->error.size());
    return BucketedRawBits({x, delta}, bucket, alphabet) + 32.0; // + the batch size
}

bool
IsgqCompressor::Factored(const TensorSpan& segment, const LayerFactors* factors, int32_t levels, size_t bucket) const
{
    if (factors == nullptr)
    {
        return false;
    }
    return m_params.alwaysFactor ||
           SegmentBits(segment, factors, true, levels, bucket) < SegmentBits(segment, factors, false, levels, bucket);
}

CompressedMessage
IsgqCompressor::Encode(const float* g, size_t dim, const CompressionContext& context, ClientState* /* state */) const
{
    const std::vector<TensorSpan> segments = TensorSpans(context.layout, dim);
    const std::vector<const LayerFactors*> factors = ValidatedLayerFactors(context, segments, g, "isgq");
    const auto totalBits = [&](int32_t q, size_t b) {
        double bits = 0.0;
        for (size_t k = 0; k < segments.size(); ++k)
        {
            bits += SegmentBits(segments[k], factors[k], Factored(segments[k], factors[k], q, b), q, b);
        }
        return bits;
    };
    // The ladder: Q down to 1, then larger buckets at Q = 1.
    int32_t levels = m_params.levels;
    size_t bucket = m_params.bucket;
    // The largest Q <= levels that fits (every segment's bits, factored or
    // direct, grow with Q), or 1.
    if (levels > 1)
    {
        levels = std::max<int32_t>(1, LargestFitting<int32_t>(1, levels, [&](int32_t q) {
                                       return totalBits(q, bucket) <= context.bitBudget;
                                   }));
    }
    size_t largest = 1;
    for (size_t k = 0; k < segments.size(); ++k)
    {
        largest = std::max(largest, factors[k] ? static_cast<size_t>(factors[k]->input.size()) : segments[k].size);
        largest = std::max(largest, factors[k] ? static_cast<size_t>(factors[k]->error.size()) : segments[k].size);
    }
    while (totalBits(levels, bucket) > context.bitBudget && bucket < largest)
    {
        bucket = std::min(largest, 2 * bucket);
    }
    CompressedMessage message;
    if (totalBits(levels, bucket) > context.bitBudget)
    {
        message.fits = false;
        return message;
    }

    Rng directDither(context.seed, kDirectStream, context.client, context.round);
    Rng inputDither(context.seed, kInputStream, context.client, context.round);
    Rng errorDither(context.seed, kErrorStream, context.client, context.round);
    auto payload = std::make_unique<IsgqPayload>();
    payload->levels = levels;
    payload->zeroSymbol = m_params.zeroSymbol;
    double entropy = 0.0;
    SymbolCounter directCounter = DitherCounter(levels); // the direct tensors' symbols, as one message
    for (size_t k = 0; k < segments.size(); ++k)
    {
        if (Factored(segments[k], factors[k], levels, bucket))
        {
            IsgqFactoredPart part;
            part.segment = k;
            part.batch = static_cast<uint32_t>(factors[k]->input.rows());
            part.input = QuantizeFactor(factors[k]->input, bucket, levels, m_params.zeroSymbol, inputDither);
            part.error = QuantizeFactor(factors[k]->error, bucket, levels, m_params.zeroSymbol, errorDither);
            entropy += EntropySymbolBits(part.input.symbols) + ScaleBits(part.input);
            entropy += EntropySymbolBits(part.error.symbols) + ScaleBits(part.error) + 32.0;
            payload->factored.push_back(std::move(part));
        }
        else
        {
            payload->directSegments.push_back(k);
            payload->direct.push_back(
                DitherQuantize(g + segments[k].offset, segments[k].size, bucket, levels, directDither, &directCounter));
            entropy += ScaleBits(payload->direct.back());
        }
    }
    message.bitsRaw = totalBits(levels, bucket);
    message.bitsEntropy = entropy + EntropyBitsOfCounts(directCounter.Counts());
    message.payload = std::move(payload);
    return message;
}

void
IsgqCompressor::Decode(const CompressedMessage& message, size_t dim, const CompressionContext& context, float* out) const
{
    if (!message.fits)
    {
        std::fill(out, out + dim, 0.0F);
        return;
    }
    const auto& payload = dynamic_cast<const IsgqPayload&>(*message.payload);
    const std::vector<TensorSpan> segments = TensorSpans(context.layout, dim);
    Rng directDither(context.seed, kDirectStream, context.client, context.round);
    for (size_t j = 0; j < payload.direct.size(); ++j)
    {
        DitherDequantize(payload.direct[j], directDither, out + segments[payload.directSegments[j]].offset);
    }
    Rng inputDither(context.seed, kInputStream, context.client, context.round);
    Rng errorDither(context.seed, kErrorStream, context.client, context.round);
    for (const IsgqFactoredPart& part : payload.factored)
    {
        const TensorLayout& t = (*context.layout)[part.segment];
        const auto batch = static_cast<Eigen::Index>(part.batch);
        const auto rows = static_cast<Eigen::Index>(t.shape[0]); // out
        const auto cols = static_cast<Eigen::Index>(t.shape[1]); // in
        const Eigen::MatrixXf x = DequantizeFactor(part.input, batch, cols, payload.zeroSymbol, inputDither);
        const Eigen::MatrixXf delta = DequantizeFactor(part.error, batch, rows, payload.zeroSymbol, errorDither);
        Eigen::Map<RowMajorMatrix>(out + t.offset, rows, cols).noalias() = delta.transpose() * x;
    }
}

} // namespace wfl
