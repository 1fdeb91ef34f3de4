/*
 * ISGQ: indirect stochastic gradient quantization (methods.md 4.1, 4.3;
 * author's `DitheredISGQuantizer`).
 *
 * For a fully connected layer the weight gradient factorises as
 * dL/dW = Delta^T X (compressor.h: X [B x in], Delta [B x out], W stored
 * [out x in] row-major). Instead of the out x in entries, the client sends
 * X and Delta, each quantized with the bucketed subtractive dithered
 * quantizer (Q levels, scale ||bucket||_inf / Q) and with exact zeros (ReLU
 * outputs) as their own symbol Q + 1, reconstructed as 0. The server forms
 * G_hat = Delta_hat^T X_hat. X and Delta use independent dither streams
 * ("isgq-input", "isgq-error"), so their errors are independent and zero
 * mean, and E[Delta_hat^T X_hat] = E[Delta_hat]^T E[X_hat] = Delta^T X:
 * unbiased (tested by Monte Carlo). Tensors without factors (biases, conv
 * layers) and every tensor when context.factors is null are quantized
 * directly with DQSG's quantizer (stream "isgq-direct").
 *
 * Bits, per factored layer: B in log2(A) + B out log2(A) + 32 per bucket of
 * each factor + 32 for the batch size B (the server needs it to parse X),
 * A = 2Q + 2 with the zero symbol, 2Q + 1 without; per direct tensor
 * n log2(2Q + 1) + 32 per bucket. Entropy: each factor's symbols at their
 * own empirical entropy, the direct tensors' symbols together, same scales.
 *
 * Factored or direct: a layer is sent factored only when that costs fewer
 * raw bits than sending its gradient directly at the same Q (B (in + out)
 * against in out, roughly), unless alwaysFactor is set; both sides know the
 * shapes, Q and B, so the choice costs no bits. (Beyond methods.md: the
 * author applies ISGQ to every FC layer; for a narrow output layer with a
 * large batch direct quantization is cheaper.)
 *
 * Bit budget: the raw rate is a closed form of (Q, bucket), so the encoder
 * takes the first setting that fits on the ladder Q, Q-1, ..., 1, then
 * doubles the bucket at Q = 1; nothing fits: fits = false.
 *
 * The encoder checks that the factors reproduce g on their tensor
 * (||Delta^T X - g|| <= 1e-3 ||g||): factors of another quantity (an update
 * scaled by a learning rate, say) would otherwise be sent silently.
 *
 * Scenario keys (proposed):
 *   compression.scheme = isgq
 *   compression.levels        Q, symbols in [-Q, Q] (+ zero)          [1]  default 2    range 1..32767
 *   compression.bucket        entries per max-norm scale              [1]  default 512  range >= 1
 *   compression.zero-symbol   exact zeros as their own symbol         bool default true
 *   compression.always-factor factor every FC layer, even if dearer   bool default false
 */
#ifndef WFL_ISGQ_COMPRESSOR_H
#define WFL_ISGQ_COMPRESSOR_H

#include "compressor.h"
#include "dqsg-compressor.h"

#include <cstdint>
#include <vector>

namespace wfl
{

/// The symbol of an exact zero of a factor: -(Q + 1), just below the
/// dithered symbols [-Q, Q], so it fits their 16 bits for every Q <= 32767.
inline int16_t
IsgqZeroSymbol(int32_t levels)
{
    return static_cast<int16_t>(-levels - 1);
}

/// One factored layer of a message.
struct IsgqFactoredPart
{
    size_t segment = 0;     ///< index of the tensor in the layout
    uint32_t batch = 0;     ///< B
    DitheredVector input;   ///< X, column-major [B x in]
    DitheredVector error;   ///< Delta, column-major [B x out]
};

struct IsgqPayload : public MessagePayload
{
    int32_t levels = 0;
    bool zeroSymbol = true;
    std::vector<size_t> directSegments;      ///< tensors sent directly, in order
    std::vector<DitheredVector> direct;      ///< their symbols
    std::vector<IsgqFactoredPart> factored;  ///< factored layers, in tensor order
};

class IsgqCompressor : public Compressor
{
  public:
    struct Params
    {
        int32_t levels = 2;
        size_t bucket = 512;
        bool zeroSymbol = true;
        bool alwaysFactor = false;
    };

    explicit IsgqCompressor(const Params& params);

    CompressedMessage Encode(const float* g,
                             size_t dim,
                             const CompressionContext& context,
                             ClientState* state) const override;
    void Decode(const CompressedMessage& message,
                size_t dim,
                const CompressionContext& context,
                float* out) const override;

    static constexpr const char* kInputStream = "isgq-input";
    static constexpr const char* kErrorStream = "isgq-error";
    static constexpr const char* kDirectStream = "isgq-direct";

  private:
    /// Raw bits of one segment at (levels, bucket), factored if `factored`.
    double SegmentBits(const TensorSpan& segment, const LayerFactors* factors, bool factored, int32_t levels, size_t bucket) const;
    /// Whether a segment with factors is sent factored at (levels, bucket).
    bool Factored(const TensorSpan& segment, const LayerFactors* factors, int32_t levels, size_t bucket) const;

    Params m_params;
};

} // namespace wfl

#endif
