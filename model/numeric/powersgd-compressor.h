/*
 * PowerSGD (Vogels, Karimireddy & Jaggi, NeurIPS 2019; methods.md 8.5),
 * rank r with warm start and error feedback, in an uplink (FL) form.
 *
 * The paper's Algorithm 1 all-reduces P (before orthogonalising) and Q,
 * i.e. the workers exchange P mid-step. Over an uplink to a server that
 * would need a second uplink message and a downlink broadcast of P_bar in
 * every round, which the digital link does not model. The honest FL version
 * here: each client k runs the paper's single power iteration on its OWN
 * matrix with its OWN warm-started Q_k and sends both factors,
 *   M = reshape(g + e),  P = M Q_k,  P_hat = orthonormalise(P),
 *   Q_k <- M^T P_hat,    send (P_hat, Q_k),  e <- M - P_hat Q_k^T,
 * costing 32 (m + n) r bits per matrix, what a worker sends in the paper too.
 * The server decodes P_hat Q_k^T per client and averages (the default
 * AveragingRoundDecoder): the average of rank-r approximations (rank up to
 * K r), not the paper's rank-r approximation of the average.
 * A rank-r (or lower) M is reproduced exactly after the one iteration
 * (P_hat P_hat^T M = M when P spans M's column space); repeating on a fixed M
 * is subspace iteration, so the warm start converges to the best rank-r
 * approximation. Q_k starts as a N(0, 1) matrix (stream "powersgd-init",
 * client, tensor); a zero column (rank collapse) is redrawn (stream
 * "powersgd-redraw", client, round).
 *
 * Matrices: a tensor of shape {a, b, c, ...} of the layout is an a x (b c ...)
 * row-major matrix (a dense weight {out, in}: out x in; a conv kernel
 * {out, in, kh, kw}: out x (in kh kw)). Tensors with one dimension, and
 * matrices whose factors would cost at least their entries ((m + n) r >= m n),
 * are sent as raw float32 (exact, no residual). Without a layout the update
 * is one 1-D tensor, sent raw.
 *
 * Bits: raw = entropy = 32 [sum over factored matrices (m + n) r + sum over
 * raw tensors of their size]. Budget: r is lowered (rank, rank - 1, ..., 1)
 * until the message fits; if r = 1 does not fit, fits = false and, with
 * feedback, e <- M (all kept). Q_k keeps `rank` columns; a lower r uses and
 * updates its first r.
 *
 * Scenario keys (proposed):
 *   compression.scheme = powersgd
 *   compression.rank     [1] default 2, range [1, 1024]: r per matrix
 *   compression.feedback [bool] default true: error feedback
 */
#ifndef WFL_POWERSGD_COMPRESSOR_H
#define WFL_POWERSGD_COMPRESSOR_H

#include "compressor.h"

#include <vector>

namespace wfl
{

/// Per tensor of the layout: raw values, or the factors P_hat (m x r), Q (n x r).
struct LowRankPayload : MessagePayload
{
    struct Tensor
    {
        bool factored = false;
        Eigen::MatrixXf p; ///< m x r, orthonormal columns
        Eigen::MatrixXf q; ///< n x r
        std::vector<float> raw;
    };
    std::vector<Tensor> tensors;
};

/// A client's residual e (length D) and warm-start factors Q_k per tensor.
struct PowerSgdState : ClientState
{
    Eigen::VectorXf residual;
    std::vector<Eigen::MatrixXf> q; ///< empty until the first Encode
};

class PowerSgdCompressor : public Compressor
{
  public:
    struct Params
    {
        size_t rank = 2;      ///< r
        bool feedback = true; ///< error feedback
    };

    explicit PowerSgdCompressor(const Params& params);

    std::unique_ptr<ClientState> NewClientState(size_t dim) const override;
    CompressedMessage Encode(const float* g,
                             size_t dim,
                             const CompressionContext& context,
                             ClientState* state) const override;
    void Decode(const CompressedMessage& message,
                size_t dim,
                const CompressionContext& context,
                float* out) const override;

    /// Raw bits at rank r for a vector of length dim under `layout` (may be null).
    static double Bits(size_t dim, const ParameterLayout* layout, size_t rank);

  private:
    Params m_params;
};

} // namespace wfl

#endif
