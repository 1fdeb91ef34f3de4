#include "ndqsg-compressor.h"

#include "random.h"
#include "uniform-lanes.h"
#include "symbol-bits.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace wfl
{

namespace
{

std::vector<size_t>
Sizes(const std::vector<TensorSpan>& segments)
{
    std::vector<size_t> sizes;
    for (const TensorSpan& s : segments)
    {
        sizes.push_back(s.size);
    }
    return sizes;
}

} // namespace

int32_t
CosetIndex(int32_t q1, int32_t rho)
{
    const int32_t low = (rho - 1) / 2; // c in [-low, rho - 1 - low]
    const int32_t r = ((q1 + low) % rho + rho) % rho;
    return r - low;
}

namespace
{
/// floor(a / b) for b > 0, in integers.
inline int64_t
FloorDivide(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/// The members of coset c in [-Q1, Q1] are c + rho k for k in [kLow, kHigh]
/// (there is at least one: rho <= 2 Q1 + 1). The nearest to v is
/// k = round((v - c) / rho) clamped to that range, which is what stepping
/// down (or up) by rho from an out-of-range member gave. Closed form, so a
/// side information far off, infinite or NaN (a diverging client before
/// this one) ends at an end of the range: the stepping loops ran about
/// 2^63 / rho times on NaN, whose conversion to int64 gave INT64_MIN (a run
/// hung). The range comes from integer divisions, so the per-entry decoder
/// looks it up by coset (64-bit divisions per entry cost a third more than
/// the whole decode).
struct MemberRange
{
    int64_t kLow;
    int64_t kHigh;
};

inline MemberRange
RangeOf(int32_t coset, int32_t rho, int32_t levels)
{
    return {-FloorDivide(static_cast<int64_t>(levels) + coset, rho), // ceil((-Q1 - c) / rho)
            FloorDivide(static_cast<int64_t>(levels) - coset, rho)};
}

/// round((v - c) / rho) clamped to [kLow, kHigh] (NaN fails both
/// comparisons and takes kLow): selects, not branches, so NestedDequantize's
/// loop vectorises.
inline double
ClampedMemberK(int32_t coset, double v, int32_t rho, double kLow, double kHigh)
{
    const double k = std::nearbyint((v - coset) / rho);
    return k > kHigh ? kHigh : (k >= kLow ? k : kLow);
}

} // namespace

int32_t
NestedIndex(int32_t coset, double v, int32_t rho, int32_t levels)
{
    const MemberRange range = RangeOf(coset, rho, levels);
    const double k =
        ClampedMemberK(coset, v, rho, static_cast<double>(range.kLow), static_cast<double>(range.kHigh));
    return static_cast<int32_t>(coset + static_cast<int64_t>(rho) * static_cast<int64_t>(k));
}

void
NestedDequantize(const DitheredVector& coset,
                 int32_t rho,
                 const float* sideInfo,
                 Rng& dither,
                 float* out,
                 std::vector<int32_t>* indices)
{
    const size_t n = coset.symbols.size();
    if (indices != nullptr)
    {
        indices->assign(n, 0);
    }
    const int32_t low = (rho - 1) / 2; // coset indices lie in [-low, rho - 1 - low]
    // [kLow, kHigh] per coset as doubles (exact: |k| <= 2^16), looked up.
    std::vector<double> kLowOf;
    std::vector<double> kHighOf;
    for (int32_t c = -low; c <= rho - 1 - low; ++c)
    {
        const MemberRange range = RangeOf(c, rho, coset.levels);
        kLowOf.push_back(static_cast<double>(range.kLow));
        kHighOf.push_back(static_cast<double>(range.kHigh));
    }
    const double* kLow = kLowOf.data() + low; // indexed by c
    const double* kHigh = kHighOf.data() + low;
    UniformLanes lanes(dither); // as DitherQuantize: the same draws in the same order
    constexpr size_t kDrawBlock = 256;
    float u[kDrawBlock];
    int32_t q1[kDrawBlock];
    for (size_t start = 0, b = 0; start < n; start += coset.bucket, ++b)
    {
        const size_t end = std::min(n, start + coset.bucket);
        const float scale = coset.scales[b];
        for (size_t first = start; first < end; first += kDrawBlock)
        {
            const size_t count = std::min(kDrawBlock, end - first);
            lanes.FillCentred(u, count); // a block at a time, as DitherDequantize
            if (!(scale > 0.0F))
            {
                std::fill(out + first, out + first + count, 0.0F); // all-zero bucket: q1 = 0
                continue;
            }
            // NearestMember per entry, written out so that the loop vectorises
            // (the same operations: the same q1).
            const int16_t* c = coset.symbols.data() + first;
            const float* y = sideInfo + first;
            float* x = out + first;
            for (size_t t = 0; t < count; ++t)
            {
                const double v = y[t] / static_cast<double>(scale) + static_cast<double>(u[t]);
                const double k = ClampedMemberK(c[t], v, rho, kLow[c[t]], kHigh[c[t]]);
                q1[t] = c[t] + rho * static_cast<int32_t>(k);
                x[t] = DitherReconstruct(scale, 1.0F, q1[t], u[t]); // as DitherDequantize
            }
            if (indices != nullptr)
            {
                std::copy(q1, q1 + count, indices->data() + first);
            }
        }
    }
}

NdqsgCompressor::NdqsgCompressor(const Params& params)
    : m_params(params)
{
    if (params.levels < 1 || params.levels > 32767)
    {
        throw std::invalid_argument("ndqsg: levels (Q1) must be in 1..32767, got " + std::to_string(params.levels));
    }
    if (params.ratio < 2 || params.ratio > 2 * params.levels + 1)
    {
        throw std::invalid_argument("ndqsg: coarse-ratio (rho) must be in 2..2 levels + 1 = " +
                                    std::to_string(2 * params.levels + 1) + ", got " + std::to_string(params.ratio));
    }
    if (params.bucket == 0)
    {
        throw std::invalid_argument("ndqsg: bucket must be >= 1");
    }
    if (!(params.fineFraction >= 0.0 && params.fineFraction <= 1.0))
    {
        throw std::invalid_argument("ndqsg: fine-fraction must be in [0, 1]");
    }
    if (params.clients == 0)
    {
        throw std::invalid_argument("ndqsg: clients must be >= 1");
    }
}

bool
NdqsgCompressor::IsFineClient(uint32_t client) const
{
    return static_cast<double>(client) < std::ceil(m_params.fineFraction * m_params.clients);
}

CompressedMessage
NdqsgCompressor::Encode(const float* g, size_t dim, const CompressionContext& context, ClientState* /* state */) const
{
    const std::vector<TensorSpan> segments = TensorSpans(context.layout, dim);
    return IsFineClient(context.client) ? EncodeFine(g, segments, context) : EncodeNested(g, segments, context);
}

CompressedMessage
NdqsgCompressor::EncodeFine(const float* g, const std::vector<TensorSpan>& segments, const CompressionContext& context) const
{
    const std::vector<size_t> sizes = Sizes(segments);
    int32_t levels = m_params.levels;
    size_t bucket = m_params.bucket;
    CompressedMessage message;
    if (!FitDitherLadder(sizes, context.bitBudget, levels, bucket))
    {
        message.fits = false;
        return message;
    }
    Rng dither(context.seed, kStream, context.client, context.round);
    auto payload = std::make_unique<NdqsgPayload>();
    SymbolCounter counter = DitherCounter(levels);
    payload->parts = DitherSegments(g, segments, bucket, levels, dither, &counter);
    message.bitsRaw = BucketedRawBits(sizes, bucket, DitherAlphabet(levels));
    message.bitsEntropy = EntropyBitsOfCounts(counter.Counts()) + BucketedRawBits(sizes, bucket, 1.0);
    message.payload = std::move(payload);
    return message;
}

CompressedMessage
NdqsgCompressor::EncodeNested(const float* g, const std::vector<TensorSpan>& segments, const CompressionContext& context) const
{
    const std::vector<size_t> sizes = Sizes(segments);
    const auto rawBits = [&](int32_t rho, size_t b) { return BucketedRawBits(sizes, b, rho); };
    int32_t rho = m_params.ratio;
    size_t bucket = m_params.bucket;
    while (rho > 2 && rawBits(rho, bucket) > context.bitBudget)
    {
        --rho;
    }
    const size_t largest = *std::max_element(sizes.begin(), sizes.end());
    while (rawBits(rho, bucket) > context.bitBudget && bucket < largest)
    {
        bucket = std::min(largest, 2 * bucket);
    }
    CompressedMessage message;
    if (rawBits(rho, bucket) > context.bitBudget)
    {
        message.fits = false;
        return message;
    }
    Rng dither(context.seed, kStream, context.client, context.round);
    auto payload = std::make_unique<NdqsgPayload>();
    payload->nested = true;
    payload->ratio = rho;
    payload->parts = DitherSegments(g, segments, bucket, m_params.levels, dither);
    const int32_t low = (rho - 1) / 2; // coset indices lie in [-low, rho - 1 - low]
    SymbolCounter counter(-low, rho - 1 - low);
    // CosetIndex of every q1 in [-Q1, Q1], looked up: its two integer
    // remainders per entry were most of a nested encode.
    const int32_t q1Max = m_params.levels;
    std::vector<int16_t> cosetOf(static_cast<size_t>(2 * q1Max + 1));
    for (int32_t q1 = -q1Max; q1 <= q1Max; ++q1)
    {
        cosetOf[static_cast<size_t>(q1 + q1Max)] = static_cast<int16_t>(CosetIndex(q1, rho));
    }
    for (DitheredVector& p : payload->parts)
    {
        payload->fineIndices.push_back(p.symbols); // beside the channel
        for (int16_t& q : p.symbols)
        {
            q = cosetOf[static_cast<size_t>(q + q1Max)];
        }
        counter.Add(p.symbols.data(), p.symbols.size());
    }
    message.bitsRaw = rawBits(rho, bucket);
    message.bitsEntropy = EntropyBitsOfCounts(counter.Counts()) + BucketedRawBits(sizes, bucket, 1.0);
    message.payload = std::move(payload);
    return message;
}

void
NdqsgCompressor::Decode(const CompressedMessage& message, size_t dim, const CompressionContext& context, float* out) const
{
    // A round of one without the round's double sums (NdqsgRoundDecoder::Add
    // with weight 1 decodes to the same floats): a fine message is undithered;
    // a nested one is decoded against the first client's side information,
    // zero. CompressorList.LoneDecodeEqualsARoundOfOne checks it against the round.
    if (!message.fits)
    {
        std::fill(out, out + dim, 0.0F);
        return;
    }
    const auto& payload = dynamic_cast<const NdqsgPayload&>(*message.payload);
    const std::vector<TensorSpan> segments = TensorSpans(context.layout, dim);
    Rng dither(context.seed, kStream, context.client, context.round);
    if (!payload.nested)
    {
        UnditherSegments(payload.parts, segments, dither, out);
        return;
    }
    const std::vector<float> noSideInfo(dim, 0.0F);
    for (size_t k = 0; k < segments.size(); ++k)
    {
        const size_t at = segments[k].offset;
        NestedDequantize(payload.parts[k], payload.ratio, noSideInfo.data() + at, dither, out + at, nullptr);
    }
}

std::unique_ptr<RoundDecoder>
NdqsgCompressor::NewRoundDecoder(size_t dim) const
{
    return std::make_unique<NdqsgRoundDecoder>(dim);
}

} // namespace wfl
