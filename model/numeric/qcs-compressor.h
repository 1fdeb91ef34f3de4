/*
 * Quantized compressive sampling (QCS; Abdi & Fekri, AAAI 2020; methods.md 5).
 *
 * Scenario keys (proposed; compression.scheme = qcs):
 *   compression.bucket          entries   default 512   power of two in [2, 2^24]
 *                               bucket length n of the transform (zero-padded)
 *   compression.ratio           1         default 0.5   (0, 1]
 *                               measurements per entry k/n; k = max(1, round(ratio n))
 *   compression.levels          1         default 1     integer in [0, 32767]
 *                               Q: 2Q+1 quantization levels; 0 = one bit per measurement
 *   compression.reconstruction  -         default unbiased   unbiased | mmse
 *                               alpha = 1 (unbiased) or 1/(1+gamma) (minimum MSE)
 *   compression.feedback        -         default none  none | weighted | unit
 *                               error feedback: none, weight beta (below), or beta = 1
 *   compression.beta            1         default 0     0 or (0, 1]
 *                               weighted feedback's beta; 0 = the optimum of Lemma 4
 *                               (1/(1+gamma) unbiased, 1 mmse)
 *
 * Encoder, per bucket of n entries (the update is zero-padded to whole buckets):
 *   v = (1/sqrt k) S H (r . z)            k measurements (RandomLinearCode, FWHT)
 *   s = ||v||_inf / Q,  q = round(v/s + u) in [-Q, Q]      (dithered-quantizer.h)
 * with z = g (+ beta r_t under error feedback). Q = 0 is the one-bit form of
 * methods.md 2.4: s = 2 ||v||_inf, q = sign(v/s + u), levels +-1/2.
 * Decoder: v_hat = s (q - u), g_hat = alpha T^T v_hat.
 *
 * gamma(n, k, Q) = n/k - 1 + n ln(k) / (4 Q^2 (k - 1))    (Theorem 2; k >= 2)
 * bounds the relative MSE of the unbiased form; the one-bit form has the
 * quantization noise of Q = 1/2 (step s = 2 ||v||_inf), so gamma uses Q = 1/2.
 * For k = 1 the paper prints n - 1, which ignores the quantization noise
 * (n/(12 Q^2) ||g||^2 exactly at k = 1); we use the k -> 1 limit of the k >= 2
 * form, n/k - 1 + n/(4 Q^2), a valid bound.
 *
 * Shared randomness: T (row subset and signs), stream "qcs", and the dither,
 * stream "qcs-dither", are drawn per (seed, client, round). T is the client's
 * own, not shared by all clients: the digital link decodes each message alone
 * (no superposition to preserve), and independent codes make the clients'
 * projection errors (I - T^T T) g_p independent, so their average's error
 * falls as 1/P instead of staying (n/k - 1) ||g_avg||^2 for a common T. The
 * author's code also draws the signs per worker. Seeds cost no bits.
 *
 * Error feedback (methods.md 5.5; the paper's section 4), residual r kept by
 * the client (ClientState), r_0 = 0:
 *   z = g + beta r,  z_hat = COMPRESS(z),  r <- (1 - beta) r + (z - z_hat).
 * The client decodes its own message to get z_hat (it knows the seed). A
 * silent client (fits = false) sends z_hat = 0. (The author's code keeps
 * r <- z - z_hat; we follow the paper.)
 *
 * Bits: bitsRaw = B (k log2(2Q+1) + 32) (log2 2 = 1 for Q = 0), B buckets;
 * bitsEntropy = the empirical entropy of the B k symbols + 32 B.
 * Bit budget: if the configured (k, Q) fit, they are used. Otherwise the
 * encoder takes the (k', Q') with k' <= k, Q' <= Q that minimises gamma
 * among those that fit (QcsFit); if not even k' = 1, Q' = 0 fits, the
 * message has fits = false. The rule is a function of (budget, D, Params),
 * all known to the server, so it decodes without a header (none is charged).
 */
#ifndef WFL_QCS_COMPRESSOR_H
#define WFL_QCS_COMPRESSOR_H

#include "compressor.h"
#include "dithered-quantizer.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wfl
{

/// gamma(n, k, Q) of Theorem 2 (Q = 0: the one-bit form, as Q = 1/2).
double QcsGamma(size_t bucket, size_t rows, int32_t levels);

/// Raw bits of one QCS message: buckets (rows log2(2Q+1) + 32), one bit per symbol for Q = 0.
double QcsRawBits(size_t buckets, size_t rows, int32_t levels);

/// Measurements and levels of one message.
struct QcsShape
{
    size_t rows = 0;    ///< k
    int32_t levels = 0; ///< Q
};

/// The (k, Q) with k <= maxRows, Q <= maxLevels minimising gamma among those
/// whose raw bits fit `budget`; rows = 0 if none fits. Ties go to the smaller Q.
QcsShape QcsFit(size_t bucket, size_t buckets, double budget, size_t maxRows, int32_t maxLevels);

/// One QCS message: its shape and the dithered-quantized measurements
/// (B k symbols, bucket by bucket, one scale per bucket).
struct QcsPayload : public MessagePayload
{
    QcsShape shape;
    DitheredVector measurements;
};

/// A client's error-feedback residual r.
struct QcsClientState : public ClientState
{
    std::vector<float> residual;
};

class QcsCompressor : public Compressor
{
  public:
    enum class Reconstruction
    {
        Unbiased, ///< alpha = 1
        Mmse,     ///< alpha = 1 / (1 + gamma)
    };

    enum class Feedback
    {
        None,
        Weighted, ///< beta = Params::beta, or the optimum of Lemma 4 if 0
        Unit,     ///< beta = 1 (classical error feedback)
    };

    struct Params
    {
        size_t bucket = 512;
        double ratio = 0.5;
        int32_t levels = 1;
        Reconstruction reconstruction = Reconstruction::Unbiased;
        Feedback feedback = Feedback::None;
        double beta = 0.0;
    };

    explicit QcsCompressor(const Params& params);

    const Params& GetParams() const
    {
        return m_params;
    }

    /// Configured k.
    size_t Rows() const
    {
        return m_rows;
    }

    /// Reconstruction factor alpha for a message of shape `shape`.
    double Alpha(const QcsShape& shape) const;

    /// Feedback weight beta in use for shape `shape` (0 without feedback).
    double Beta(const QcsShape& shape) const;

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
    /// The message for z (no feedback handling).
    CompressedMessage Compress(const float* z, size_t dim, const QcsShape& shape, const CompressionContext& context) const;

    Params m_params;
    size_t m_rows;
};

} // namespace wfl

#endif
