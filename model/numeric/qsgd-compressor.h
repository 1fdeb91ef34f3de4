/*
 * QSGD (Alistarh et al. 2017) as a Compressor: the digital baseline's
 * quantizer (stochastic-quantizer.h) behind the compressor seam, with the
 * author's bucketed variants (bucket norm L2 or L-infinity).
 *
 * Scenario keys (registered in helper/compressor-list.cc):
 *   compression.scheme = qsgd
 *   compression.bucket  coordinates, default 0, [0, 16777216]: entries per
 *                       bucket, each with its own norm (0 = one bucket, the
 *                       whole vector)
 *   compression.levels  levels s, default 0, [0, 1048576]: levels per sign;
 *                       0 = the most that fit the bit budget (2^20 without
 *                       one); with a budget, min(s, the most that fit)
 *   compression.norm    l2 | linf, default l2: the norm each bucket scales by
 *
 * Fitting a budget B (bits; infinity = none): one bucket takes FitQuantizer's
 * finest (m, s) (random sparsification below one ternary symbol per
 * coordinate), then s = min(s, levels); B buckets of b take the largest s with
 * 32 ceil(D/b) + D log2(2s + 1) <= B, and fits = false when s = 1 does not fit.
 * Bits: raw as in stochastic-quantizer.h; entropy = 32 per norm plus the
 * empirical entropy of the signed levels. The coordinate subset and the
 * rounding come from the stream ("digital-quantizer", client, round), as the
 * digital aggregator drew them before the seam: with the default keys the
 * decoded updates are bit-identical to it.
 */
#ifndef WFL_QSGD_COMPRESSOR_H
#define WFL_QSGD_COMPRESSOR_H

#include "compressor.h"
#include "stochastic-quantizer.h"

namespace wfl
{

class QsgdCompressor : public Compressor
{
  public:
    struct Params
    {
        uint32_t bucket = 0;  ///< coordinates per bucket; 0 = one bucket
        uint32_t levels = 0;  ///< s; 0 = fit the budget
        QuantizerNorm norm = QuantizerNorm::L2;
    };

    /// @throws std::invalid_argument for levels above 2^20 or bucket above 2^24.
    explicit QsgdCompressor(const Params& params);

    /// The (m, s) used for a vector of length dim under budgetBits, and its raw bits.
    QuantizerFit Fit(size_t dim, double budgetBits) const;

    CompressedMessage Encode(const float* g,
                             size_t dim,
                             const CompressionContext& context,
                             ClientState* state) const override;
    void Decode(const CompressedMessage& message,
                size_t dim,
                const CompressionContext& context,
                float* out) const override;

  private:
    /// Bucket length in effect for dim (0 = one bucket).
    size_t BucketFor(size_t dim) const;

    Params m_params;
};

} // namespace wfl

#endif
