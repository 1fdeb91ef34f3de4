/*
 * Top-k sparsification with memory (Stich, Cordonnier & Jaggi, NeurIPS 2018;
 * methods.md 8.5; Abdi's baseline follows epfml/sparsifiedSGD):
 *   m <- m + g;  send top_k(m), the k entries of largest |m_i|;
 *   m <- m - top_k(m)   (feedback on; off: m is reset to 0 every round).
 * The step size is already inside g (a local model delta). Ties in |m_i| go
 * to the lower index, so the kept set is deterministic.
 *
 * Bits: each kept entry costs a 32-bit float value and its position.
 *   raw     = k (32 + ceil(log2 D))          (fixed-length index code)
 *   entropy = 32 k + log2 binom(D, k)        (enumerative code of the subset,
 *                                             the ideal rate of k positions)
 * k = clamp(ceil(ratio D), 1, D). Budget: k is cut to
 * floor(budget / (32 + ceil(log2 D))); if that is 0, fits = false and the
 * memory keeps all of m (nothing was sent).
 *
 * Scenario keys (proposed):
 *   compression.scheme = topk
 *   compression.ratio    [fraction] default 0.01, range (0, 1]: k / D
 *   compression.feedback [bool] default true: keep the memory m
 */
#ifndef WFL_TOPK_COMPRESSOR_H
#define WFL_TOPK_COMPRESSOR_H

#include "compressor.h"
#include "residual-state.h"

#include <cstdint>
#include <vector>

namespace wfl
{

/// Positions (ascending) and values of the kept entries.
struct SparsePayload : MessagePayload
{
    std::vector<uint32_t> positions;
    std::vector<float> values;
};

class TopKCompressor : public Compressor
{
  public:
    struct Params
    {
        double ratio = 0.01;  ///< k / D
        bool feedback = true; ///< memory across rounds
    };

    explicit TopKCompressor(const Params& params);

    std::unique_ptr<ClientState> NewClientState(size_t dim) const override;
    CompressedMessage Encode(const float* g,
                             size_t dim,
                             const CompressionContext& context,
                             ClientState* state) const override;
    void Decode(const CompressedMessage& message,
                size_t dim,
                const CompressionContext& context,
                float* out) const override;

    /// k for a vector of length dim under `budget` bits (0: nothing fits).
    size_t KeptEntries(size_t dim, double budget) const;
    /// Bits of one position: ceil(log2 D) (0 for D = 1).
    static double PositionBits(size_t dim);

  private:
    Params m_params;
};

} // namespace wfl

#endif
