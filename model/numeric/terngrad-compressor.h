/*
 * TernGrad (Wen et al., NeurIPS 2017; methods.md 8.5 and 2.2): stochastic
 * ternarization with the max-norm scale,
 *   g_hat_i = s sign(g_i) b_i,  b_i ~ Bernoulli(|g_i| / s),  s = ||g_seg||_inf,
 * per segment (a tensor of the layout, the paper's layer-wise scaling, or a
 * fixed bucket). E[g_hat_i] = g_i (unbiased) and
 *   E ||g_hat - g||^2 = sum_seg (s ||g_seg||_1 - ||g_seg||_2^2)
 * (per entry s |g_i| - g_i^2; stochastic rounding with M = 1, methods.md 2.2).
 * The Bernoulli draws are the client's private randomness (stream
 * "terngrad", client, round); the server needs none of it.
 *
 * Optional clipping (the paper's c ~ 2.5 sigma): entries are clipped to
 * +-c sigma_seg before ternarization, sigma_seg the segment's standard
 * deviation about zero (RMS). Clipping makes the estimate biased toward the
 * clipped vector; it is off by default so that the unbiased claim holds.
 *
 * Bits: raw = D log2(3) + 32 per segment (a fixed-length ternary code, e.g.
 * 5 trits in 8 bits gets within 1.1 % of it); entropy = the empirical
 * entropy of the ternary symbols + 32 per segment.
 * Budget: if the raw rate exceeds context.bitBudget, the whole vector is sent
 * with one scale (D log2 3 + 32); if that does not fit either, fits = false.
 * TernGrad has no coarser setting (sub-ternary rates need sparsification).
 * The server knows the budget the link gave the client, so it derives the
 * same segments; the fallback costs no signalling bit.
 *
 * Scenario keys (proposed):
 *   compression.scheme = terngrad
 *   compression.bucket  [entries] default 0, range >= 0: entries per scale;
 *                       0 = one scale per tensor of the layout (layer-wise)
 *   compression.clip    [std devs] default 0, range >= 0: clip to +-c sigma
 *                       before ternarizing; 0 = no clipping (unbiased)
 */
#ifndef WFL_TERNGRAD_COMPRESSOR_H
#define WFL_TERNGRAD_COMPRESSOR_H

#include "compression-segments.h"
#include "compressor.h"

#include <cstdint>
#include <vector>

namespace wfl
{

/// Ternary symbols in {-1, 0, 1} and one float scale per segment.
struct TernaryPayload : MessagePayload
{
    std::vector<int8_t> symbols; ///< -1, 0, +1: a quarter of the memory traffic of int32
    std::vector<float> scales;
    std::vector<Segment> segments; ///< derived by both sides (not counted)
};

class TernGradCompressor : public Compressor
{
  public:
    struct Params
    {
        size_t bucket = 0; ///< entries per scale; 0 = per tensor
        double clip = 0.0; ///< clip at clip * sigma; 0 = off
    };

    explicit TernGradCompressor(const Params& params);

    CompressedMessage Encode(const float* g,
                             size_t dim,
                             const CompressionContext& context,
                             ClientState* state) const override;
    void Decode(const CompressedMessage& message,
                size_t dim,
                const CompressionContext& context,
                float* out) const override;

    /// Raw bits for `segments` segments of a vector of length dim.
    static double RawBits(size_t dim, size_t segments);

  private:
    Params m_params;
};

} // namespace wfl

#endif
