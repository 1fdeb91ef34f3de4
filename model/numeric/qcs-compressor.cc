#include "qcs-compressor.h"

#include "fwht.h"
#include "random-linear-code.h"
#include "random.h"
#include "symbol-bits.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace wfl
{
namespace
{

constexpr size_t kMaxBucket = size_t{1} << 24;
constexpr int32_t kMaxLevels = 32767;

/// Bits of one measurement: log2(2Q + 1), or 1 for the one-bit form.
double
SymbolAlphabet(int32_t levels)
{
    return levels > 0 ? 2.0 * levels + 1.0 : 2.0;
}

size_t
BucketsOf(size_t dim, size_t bucket)
{
    return (dim + bucket - 1) / bucket;
}

/// The message of a client that cannot send anything within its budget.
CompressedMessage
Silent()
{
    CompressedMessage message;
    message.fits = false;
    return message;
}

} // namespace

double
QcsGamma(size_t bucket, size_t rows, int32_t levels)
{
    const double n = static_cast<double>(bucket);
    const double k = static_cast<double>(rows);
    const double q = levels > 0 ? static_cast<double>(levels) : 0.5;
    // ln(k)/(k-1) -> 1 as k -> 1 (see the header on k = 1).
    const double logRatio = rows >= 2 ? std::log(k) / (k - 1.0) : 1.0;
    return n / k - 1.0 + n * logRatio / (4.0 * q * q);
}

double
QcsRawBits(size_t buckets, size_t rows, int32_t levels)
{
    return static_cast<double>(buckets) * (RawSymbolBits(rows, SymbolAlphabet(levels)) + kScaleBits);
}

QcsShape
QcsFit(size_t bucket, size_t buckets, double budget, size_t maxRows, int32_t maxLevels)
{
    QcsShape best;
    double bestGamma = std::numeric_limits<double>::infinity();
    const double perBucket = budget / static_cast<double>(buckets) - kScaleBits;
    if (!(perBucket > 0.0))
    {
        return best;
    }
    const double n = static_cast<double>(bucket);
    for (int32_t q = 0; q <= maxLevels; ++q)
    {
        // gamma falls with k at fixed Q, so the largest k that fits is best.
        const double byBudget = std::floor(perBucket / std::log2(SymbolAlphabet(q)));
        // Every Q' >= q has at most byBudget + 1 rows (+ 1: the rounding of
        // the division), so gamma >= n / (byBudget + 1) - 1: once that
        // cannot beat the best, no larger Q can (ties keep the smaller Q).
        // The scan to maxLevels = 32767 cost 0.6-1 ms a message; the best Q
        // of the sweeps' budgets is 2..7 (test-qcs checks the result
        // against the full scan).
        if (n / (byBudget + 1.0) - 1.0 >= bestGamma)
        {
            break;
        }
        size_t k = static_cast<size_t>(std::min(static_cast<double>(maxRows), byBudget));
        while (k >= 1 && QcsRawBits(buckets, k, q) > budget) // guard the rounding of the division
        {
            --k;
        }
        if (k == 0)
        {
            break; // more levels only cost more bits
        }
        const double gamma = QcsGamma(bucket, k, q);
        if (gamma < bestGamma)
        {
            bestGamma = gamma;
            best = QcsShape{k, q};
        }
    }
    return best;
}

QcsCompressor::QcsCompressor(const Params& params)
    : m_params(params)
{
    if (!IsPowerOfTwo(params.bucket) || params.bucket < 2 || params.bucket > kMaxBucket)
    {
        throw std::invalid_argument("qcs: bucket must be a power of two in [2, 2^24], got " +
                                    std::to_string(params.bucket));
    }
    if (!(params.ratio > 0.0 && params.ratio <= 1.0))
    {
        throw std::invalid_argument("qcs: ratio (k/n) must be in (0, 1], got " + std::to_string(params.ratio));
    }
    if (params.levels < 0 || params.levels > kMaxLevels)
    {
        throw std::invalid_argument("qcs: levels (Q) must be an integer in [0, 32767], got " +
                                    std::to_string(params.levels));
    }
    if (!(params.beta == 0.0 || (params.beta > 0.0 && params.beta <= 1.0)))
    {
        throw std::invalid_argument("qcs: beta must be 0 (optimal) or in (0, 1], got " +
                                    std::to_string(params.beta));
    }
    const double k = std::round(params.ratio * static_cast<double>(params.bucket));
    m_rows = std::clamp(static_cast<size_t>(k), size_t{1}, params.bucket);
}

double
QcsCompressor::Alpha(const QcsShape& shape) const
{
    if (m_params.reconstruction == Reconstruction::Unbiased)
    {
        return 1.0;
    }
    return 1.0 / (1.0 + QcsGamma(m_params.bucket, shape.rows, shape.levels));
}

double
QcsCompressor::Beta(const QcsShape& shape) const
{
    switch (m_params.feedback)
    {
    case Feedback::None:
        return 0.0;
    case Feedback::Unit:
        return 1.0;
    case Feedback::Weighted:
        break;
    }
    if (m_params.beta > 0.0)
    {
        return m_params.beta;
    }
    // Lemma 4: beta* = 1/(1+gamma) for Unbiased-QCS, 1 for MMSE-QCS.
    return m_params.reconstruction == Reconstruction::Unbiased
               ? 1.0 / (1.0 + QcsGamma(m_params.bucket, shape.rows, shape.levels))
               : 1.0;
}

std::unique_ptr<ClientState>
QcsCompressor::NewClientState(size_t dim) const
{
    if (m_params.feedback == Feedback::None)
    {
        return nullptr;
    }
    auto state = std::make_unique<QcsClientState>();
    state->residual.assign(dim, 0.0F);
    return state;
}

CompressedMessage
QcsCompressor::Compress(const float* z, size_t dim, const QcsShape& shape, const CompressionContext& context) const
{
    const RandomLinearCode code(dim, m_params.bucket, shape.rows, context.seed, "qcs", context.client, context.round);
    std::vector<float> measurements(code.CodeLength());
    code.Encode(z, measurements.data());
    Rng dither(context.seed, "qcs-dither", context.client, context.round);
    auto payload = std::make_unique<QcsPayload>();
    payload->shape = shape;
    SymbolCounter counter = DitherCounter(shape.levels);
    payload->measurements =
        DitherQuantize(measurements.data(), measurements.size(), shape.rows, shape.levels, dither, &counter);

    CompressedMessage message;
    message.bitsRaw = QcsRawBits(code.Buckets(), shape.rows, shape.levels);
    message.bitsEntropy =
        EntropyBitsOfCounts(counter.Counts()) + kScaleBits * static_cast<double>(code.Buckets());
    message.payload = std::move(payload);
    return message;
}

CompressedMessage
QcsCompressor::Encode(const float* g, size_t dim, const CompressionContext& context, ClientState* state) const
{
    const size_t buckets = BucketsOf(dim, m_params.bucket);
    QcsShape shape{m_rows, m_params.levels};
    if (QcsRawBits(buckets, shape.rows, shape.levels) > context.bitBudget)
    {
        shape = QcsFit(m_params.bucket, buckets, context.bitBudget, m_rows, m_params.levels);
    }
    if (m_params.feedback == Feedback::None)
    {
        return shape.rows > 0 ? Compress(g, dim, shape, context) : Silent();
    }

    auto* memory = dynamic_cast<QcsClientState*>(state);
    if (memory == nullptr || memory->residual.size() != dim)
    {
        throw std::invalid_argument("qcs: error feedback needs the client state of NewClientState(dim)");
    }
    // z = g + beta r; the client decodes its own message for z_hat.
    const double beta = Beta(shape);
    std::vector<float> z(dim);
    for (size_t i = 0; i < dim; ++i)
    {
        z[i] = static_cast<float>(g[i] + beta * memory->residual[i]);
    }
    CompressedMessage message = shape.rows > 0 ? Compress(z.data(), dim, shape, context) : Silent();
    std::vector<float> zHat(dim, 0.0F);
    if (message.fits)
    {
        Decode(message, dim, context, zHat.data());
    }
    // r <- (1 - beta) r + (z - z_hat)
    for (size_t i = 0; i < dim; ++i)
    {
        memory->residual[i] =
            static_cast<float>((1.0 - beta) * memory->residual[i] + (static_cast<double>(z[i]) - zHat[i]));
    }
    return message;
}

void
QcsCompressor::Decode(const CompressedMessage& message,
                      size_t dim,
                      const CompressionContext& context,
                      float* out) const
{
    const auto* payload = dynamic_cast<const QcsPayload*>(message.payload.get());
    if (!message.fits || payload == nullptr)
    {
        std::fill(out, out + dim, 0.0F); // a silent client sent nothing
        return;
    }
    const QcsShape& shape = payload->shape;
    const RandomLinearCode code(dim, m_params.bucket, shape.rows, context.seed, "qcs", context.client, context.round);
    std::vector<float> measurements(code.CodeLength());
    Rng dither(context.seed, "qcs-dither", context.client, context.round);
    DitherDequantize(payload->measurements, dither, measurements.data());
    code.Decode(measurements.data(), out);
    const float alpha = static_cast<float>(Alpha(shape));
    if (alpha != 1.0F)
    {
        std::transform(out, out + dim, out, [alpha](float x) { return alpha * x; });
    }
}

} // namespace wfl
