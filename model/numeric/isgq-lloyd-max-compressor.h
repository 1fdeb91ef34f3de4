/*
 * Deterministic ISGQ with Lloyd-Max quantizers (methods.md 4.2; the
 * author's DeterministicISGQuantizer). Scheme "isgq-lloyd-max".
 *
 * For a dense layer, dL/dW = Delta^T X (compressor.h). The client sends X
 * [B x in] and Delta [B x out], each quantized without randomness:
 *   scale s = ||F||_F / sqrt(nnz(F)) (float32), exact zeros as their own
 *   symbol L, every other entry to the nearest of the L Lloyd-Max points of
 *   its model (lloyd-max-quantizer.h; X: input-model, default sfn for
 *   post-ReLU activations; Delta: error-model, default sn) times s.
 * The server forms G_hat = Delta_hat^T X_hat.
 * Methods (isgq-codebook-fit.h):
 *   naive: the model codebooks; the server rebuilds them from s, L and the
 *          models (shared configuration), so only s is sent;
 *   mv:    the client re-fits X's codebook to minimise ||G_hat - G||_F^2 with
 *          Delta_hat fixed, then Delta's with X_hat fixed, alternating
 *          kFitRounds = 4 times or until the objective changes by less than
 *          1e-9 relative (the author: one round by default); the codebooks
 *          (L float32 each) are sent; the zero symbol is never moved;
 *   mvu:   the same subject to sum(G - G_hat) = 0.
 * Both steps use the client's own G (it knows X and Delta); the server
 * learns only the symbols and the codebooks. Biased: neither naive nor mv is
 * unbiased in expectation (there is no randomness); mvu only zeroes the
 * total sum of the error.
 *
 * Tensors without factors (biases, conv layers, every tensor when
 * context.factors is null) are quantized directly with the 'sn' codebook at
 * scale ||g_t|| / sqrt(nnz), method naive (zeros their own symbol): the
 * author applies ISGQ to FC layers only and leaves the rest to another
 * quantizer; this is the one that needs no new keys.
 *
 * Factored or direct: factored when that costs fewer raw bits than direct at
 * the same L, or always with always-factor (as isgq).
 *
 * Bits (raw; the link charges these):
 *   factored layer: B (in + out) log2(L + 1) + 2 x 32 (scales) + 32 (B)
 *                   + mv/mvu: 2 x 32 L (the codebooks);
 *   direct tensor:  n log2(L + 1) + 32 (its scale).
 * (With mv/mvu the two scales are redundant, the codebooks carry them; they
 * are charged anyway, 64 bits per layer.) Entropy: each symbol array at its
 * own empirical entropy plus the same side bits.
 * Budget: L steps down from `levels` to 2 until the raw bits fit; if L = 2
 * does not fit, fits = false (Decode writes zeros).
 *
 * Scenario keys:
 *   compression.scheme = isgq-lloyd-max
 *   compression.levels        L points (+ zero)        default 4   range 2..16
 * (L >= 2: the one-point Lloyd-Max codebook of a symmetric model (sn, u,
 * su) is {0}, so at L = 1 Delta and every direct tensor, biases included,
 * would decode to zeros: G_hat = 0 under naive, and NMSE 0.99 under mv and
 * mvu in the MLP sweep (isgq-variants-pipe-mlp.ini) before this floor. A
 * budget below L = 2 leaves the client silent, as for the other schemes.)
 *   compression.input-model   X's model                default sfn sn | sfn | u | su
 *   compression.error-model   Delta's model            default sn  sn | sfn | u | su
 *   compression.method        codebook optimisation    default mv  naive | mv | mvu
 *   compression.always-factor as isgq                  default false
 */
#ifndef WFL_ISGQ_LLOYD_MAX_COMPRESSOR_H
#define WFL_ISGQ_LLOYD_MAX_COMPRESSOR_H

#include "compressor.h"
#include "dqsg-compressor.h"
#include "lloyd-max-quantizer.h"

#include <cstdint>
#include <vector>

namespace wfl
{

/// How the codebooks are chosen (methods.md 4.2).
enum class IsgqLloydMaxMethod
{
    Naive, ///< the model's Lloyd-Max points times the scale
    Mv,    ///< least-squares fit of G_hat to G, alternating X and Delta
    Mvu,   ///< the same with sum(G - G_hat) = 0
};

/// One quantized array: symbols in memory order, L = exact zero.
struct LloydMaxFactor
{
    LevelSymbols symbols;
    float scale = 0.0F;          ///< ||F|| / sqrt(nnz)
    std::vector<float> codebook; ///< mv/mvu: the L sent points; empty: scale x the model's
};

struct IsgqLloydMaxPart
{
    size_t segment = 0;
    uint32_t batch = 0;     ///< B
    LloydMaxFactor input;   ///< X, column-major [B x in]
    LloydMaxFactor error;   ///< Delta, column-major [B x out]
};

struct IsgqLloydMaxPayload : public MessagePayload
{
    uint32_t levels = 0;                     ///< L after the budget ladder
    std::vector<size_t> directSegments;      ///< tensors sent directly, in order
    std::vector<LloydMaxFactor> direct;      ///< their symbols (model sn, naive)
    std::vector<IsgqLloydMaxPart> factored;  ///< factored layers, in tensor order
};

class IsgqLloydMaxCompressor : public Compressor
{
  public:
    struct Params
    {
        uint32_t levels = 4;
        LloydMaxModel inputModel = LloydMaxModel::SparseFoldedNormal;
        LloydMaxModel errorModel = LloydMaxModel::SparseNormal;
        IsgqLloydMaxMethod method = IsgqLloydMaxMethod::Mv;
        bool alwaysFactor = false;
    };

    /// Alternations of the X and Delta fits (mv, mvu), and the relative
    /// objective change that stops them earlier. Measured on X = ReLU(N)
    /// [64 x 784], Delta = N [64 x 200], L = 2 (test-isgq-lloyd-max.cc):
    /// relative error naive 0.451349; mv 0.450527 after 1 round and after 4;
    /// mvu 0.518098 after 1 round (worse than naive: the constraint binds
    /// while Delta still has its model codebook), 0.450531 after 4, 0.450527
    /// after 16. Four rounds cost about 2.5x one.
    static constexpr int kFitRounds = 4;
    /// The fewest points per codebook (see the file comment: L = 1 is {0}).
    static constexpr uint32_t kMinLevels = 2;
    static constexpr double kFitTolerance = 1e-9;

    explicit IsgqLloydMaxCompressor(const Params& params);

    CompressedMessage Encode(const float* g,
                             size_t dim,
                             const CompressionContext& context,
                             ClientState* state) const override;
    void Decode(const CompressedMessage& message,
                size_t dim,
                const CompressionContext& context,
                float* out) const override;

    /// Raw bits of a factored layer of batch B, [out x in], at L levels.
    double FactoredBits(size_t batch, size_t in, size_t out, uint32_t levels) const;
    /// Raw bits of a tensor of n entries sent directly at L levels.
    static double DirectBits(size_t n, uint32_t levels);

  private:
    /// Whether tensor `segment` (factors may be null) is sent factored at L.
    bool Factored(const TensorSpan& segment, const LayerFactors* factors, uint32_t levels) const;
    /// The factored part of one layer at L (quantization and codebook fit).
    IsgqLloydMaxPart EncodeFactored(const LayerFactors& f, size_t segment, uint32_t levels) const;

    Params m_params;
};

} // namespace wfl

#endif
