/*
 * DQSG: dithered quantized SGD, the first half of the thesis's CEO view
 * (methods.md 3.2; author's code `dithered_quantizer.quantize/dequantize`).
 *
 * Each tensor of the layout is cut into buckets of `bucket` entries; each
 * bucket is quantized with the subtractive dithered quantizer of
 * dithered-quantizer.h: scale s = ||x_bucket||_inf / Q, symbols in [-Q, Q],
 * reconstruction s (q - u). The dither u is shared randomness (stream
 * "dqsg-dither", keyed by client and round), so the error is uniform on
 * [-s/2, s/2), independent of the input, variance s^2 / 12 (Schuchman).
 * Q = 0 selects the unbiased one-bit form (levels +-1/2, s = 2 ||x||_inf).
 * Buckets restart at every tensor of the layout (the author quantizes each
 * layer separately), so a tensor's scale never mixes with another's.
 *
 * Bits: raw = n log2(2Q + 1) (log2 2 for Q = 0) + 32 per bucket; entropy =
 * the empirical entropy of all the message's symbols + 32 per bucket.
 *
 * Bit budget: the raw rate is a closed form of (Q, bucket, tensor sizes),
 * so the encoder picks, before quantizing, the first setting that fits on
 * the ladder Q, Q-1, ..., 1, 0 (one bit), then at Q = 0 the bucket doubled
 * until one bucket holds the largest tensor. Nothing fits: fits = false.
 * The server knows the budget it gave, so it can replay the ladder: the
 * chosen (Q, bucket) ride in the payload for convenience and cost no bits.
 *
 * Not reconstructed: the author's optional clipping at c std(g) (off in
 * every configured experiment).
 *
 * Scenario keys (proposed):
 *   compression.scheme = dqsg
 *   compression.levels  Q, symbols in [-Q, Q]   [1]   default 3    range 0..32767 (0 = one bit)
 *   compression.bucket  entries per scale       [1]   default 512  range >= 1
 */
#ifndef WFL_DQSG_COMPRESSOR_H
#define WFL_DQSG_COMPRESSOR_H

#include "compressor.h"
#include "dithered-quantizer.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wfl
{

class Rng;

/// A contiguous piece [offset, offset + size) of the flat vector.
struct TensorSpan
{
    size_t offset = 0;
    size_t size = 0;
};

/// One segment per tensor of `layout` (or one for [0, dim) when null);
/// throws std::invalid_argument when the tensors do not tile [0, dim).
std::vector<TensorSpan> TensorSpans(const ParameterLayout* layout, size_t dim);

/// Raw bits of bucketed dithered symbols over segments of `sizes` entries: sum_k (n_k log2(alphabet) + 32 ceil(n_k / bucket)).
double BucketedRawBits(const std::vector<size_t>& sizes, size_t bucket, double alphabet);

/// Alphabet of the dithered quantizer with `levels` = Q: 2Q + 1, or 2 for Q = 0.
double DitherAlphabet(int32_t levels);

/// Number of buckets of `size` entries: ceil(size / bucket).
size_t DitherBucketCount(size_t size, size_t bucket);

/// The dithered symbols of every segment, in segment order.
struct DqsgPayload : public MessagePayload
{
    std::vector<DitheredVector> parts;
};

class DqsgCompressor : public Compressor
{
  public:
    struct Params
    {
        int32_t levels = 3;  ///< Q: 2Q + 1 levels; 0 = unbiased one bit
        size_t bucket = 512; ///< entries per max-norm scale
    };

    /// Throws std::invalid_argument naming a parameter out of range.
    explicit DqsgCompressor(const Params& params);

    CompressedMessage Encode(const float* g,
                             size_t dim,
                             const CompressionContext& context,
                             ClientState* state) const override;
    void Decode(const CompressedMessage& message,
                size_t dim,
                const CompressionContext& context,
                float* out) const override;

    /// Name of the dither stream (keyed by client, round).
    static constexpr const char* kStream = "dqsg-dither";

  private:
    Params m_params;
};

/// Shared by DQSG, NDQSG's fine clients and ISGQ's direct tensors: the
/// bucketed dithered quantization of `segments` of g, one generator consumed
/// in segment order (bits: BucketedRawBits, and the symbols' histogram in
/// `counter` when one is given: DitherCounter(levels)).
std::vector<DitheredVector> DitherSegments(const float* g,
                                           const std::vector<TensorSpan>& segments,
                                           size_t bucket,
                                           int32_t levels,
                                           Rng& dither,
                                           SymbolCounter* counter = nullptr);

/// The inverse of DitherSegments: writes every segment of `out`.
void UnditherSegments(const std::vector<DitheredVector>& parts,
                      const std::vector<TensorSpan>& segments,
                      Rng& dither,
                      float* out);

/// First (levels, bucket) of the ladder of the file comment whose raw bits
/// fit `budget` for segments of `sizes`; false when none does.
bool FitDitherLadder(const std::vector<size_t>& sizes,
                     double budget,
                     int32_t& levels,
                     size_t& bucket);

} // namespace wfl

#endif
