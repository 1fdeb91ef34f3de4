/*
 * EF-SGD (Karimireddy, Rebjock, Stich & Jaggi, ICML 2019; methods.md 8.5):
 * scaled sign with error feedback. With the client's residual e (ClientState,
 * zero at the start) and its update g (the step size is already inside g, a
 * local model delta):
 *   p = g + e,  Delta = (||p_seg||_1 / |seg|) sign(p) per segment,
 *   e <- p - Delta   (feedback on; off: e stays 0, plain scaled sign).
 * The server decodes Delta. Since sum_t Delta_t = sum_t g_t - e_T, the
 * decoded messages track the inputs up to the (bounded) residual; the test
 * checks this identity and the bound.
 * Segments: the paper's Algorithm 2 uses the whole vector (bucket = D); its
 * experiments scale layer-wise, the default here (bucket = 0, per tensor).
 * sign(0) is sent as +1 (one bit has no zero; the residual absorbs it).
 *
 * Bits: raw = D + 32 per segment; entropy = empirical entropy of the signs
 * + 32 per segment. Budget: over budget, one scale for the whole vector
 * (D + 32); still over, fits = false and, with feedback, e <- p (nothing was
 * sent, so all of p stays in memory for the next round). The server knows
 * the client's budget (the link sets it), so the fallback needs no flag.
 *
 * Scenario keys (proposed):
 *   compression.scheme = ef-sign
 *   compression.bucket   [entries] default 0, range >= 0: entries per
 *                        scale; 0 = one scale per tensor of the layout
 *   compression.feedback [bool] default true: keep the residual (EF-SGD);
 *                        false = scaled sign without memory
 */
#ifndef WFL_EF_SIGN_COMPRESSOR_H
#define WFL_EF_SIGN_COMPRESSOR_H

#include "compression-segments.h"
#include "compressor.h"
#include "residual-state.h"

#include <cstdint>
#include <vector>

namespace wfl
{

/// Signs (+-1) and the L1 mean of each segment.
struct ScaledSignPayload : MessagePayload
{
    std::vector<int8_t> signs;
    std::vector<float> scales;
    std::vector<Segment> segments; ///< derived by both sides (not counted)
};

class EfSignCompressor : public Compressor
{
  public:
    struct Params
    {
        size_t bucket = 0;    ///< entries per scale; 0 = per tensor
        bool feedback = true; ///< error feedback
    };

    explicit EfSignCompressor(const Params& params);

    std::unique_ptr<ClientState> NewClientState(size_t dim) const override;
    CompressedMessage Encode(const float* g,
                             size_t dim,
                             const CompressionContext& context,
                             ClientState* state) const override;
    void Decode(const CompressedMessage& message,
                size_t dim,
                const CompressionContext& context,
                float* out) const override;

  private:
    Params m_params;
};

} // namespace wfl

#endif
