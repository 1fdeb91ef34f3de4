/*
 * NDQSG: nested dithered quantized SGD decoded with side information
 * (methods.md 3.3; author's code `nested_quantize`, `nested_dequantize`,
 * `distributed_ndqsg.py`).
 *
 * Fine quantizer: per bucket s = ||w||_inf / Q1, t = w / s + u,
 * q1 = round(t) in [-Q1, Q1] (exactly DQSG's symbol, same primitive).
 * Coarse lattice rho Z (rho = Q1 / Q2 in the author's notation). A nested
 * client sends only the coset index c = q1 mod rho, centred in
 * [-floor((rho-1)/2), rho - 1 - floor((rho-1)/2)]: log2(rho) bits a symbol.
 * Decoder, with side information y (the weighted running average of the
 * clients already decoded in this round; 0 before the first):
 *   v = y / s + u,  q1' = the member of c + rho Z nearest to v, moved into
 *   [-Q1, Q1] (the only indices the encoder can produce),
 *   w_hat = s (q1' - u).
 * Then w_hat equals the fine reconstruction f = s (q1 - u) iff q1' = q1,
 * which holds whenever |f - y| < s rho / 2; since |f - w| <= s / 2 it is
 * guaranteed by |w - y| < s rho / 2 - s / 2 (methods.md 9.5). Otherwise the
 * decoder lands on a wrong coset member, an error of a multiple of s rho.
 *
 * Who sends what: client k is a fine client (plain DQSG at Q1, the
 * author's first ceil(ratio P) workers) iff k < ceil(fineFraction clients);
 * the others are nested. Both sides know k, so the mode costs no bits.
 * Messages are decoded in arrival order (ascending client index).
 *
 * Reconstructed beyond methods.md (see the report): the coset index is
 * taken mod rho for any integer rho >= 2 (the author's q1 - rho round(t/rho)
 * equals it for odd rho, and has rho + 1 symbols for even rho); the decoder
 * restricts q1' to [-Q1, Q1] (never worse: the true q1 is always in range);
 * alpha = 1 (the only value the author ran); the decoder works on integer
 * indices so a correct decode is bit-identical to the fine reconstruction.
 *
 * Bit budget: fine clients follow DQSG's ladder (Q1, ..., 1, 0, then larger
 * buckets); nested clients lower rho to 2 (Q1 kept), then double the bucket;
 * nothing fits: fits = false.
 *
 * Failure count (simulation only): every message also carries its fine
 * indices q1 beside the channel (not counted in bits, never read by the
 * decoding path); the round decoder compares them with its q1' and counts
 * wrong-coset entries, and keeps the estimate a failure-free decoder would
 * give (every nested client at its fine reconstruction).
 *
 * Scenario keys (proposed):
 *   compression.scheme = ndqsg
 *   compression.levels         Q1, fine symbols in [-Q1, Q1]     [1]  default 3    range 1..32767
 *   compression.ratio          rho, coarse step / fine step       [1]  default 3    range 2..2 Q1 + 1
 *   compression.bucket         entries per max-norm scale        [1]  default 512  range >= 1
 *   compression.fine-fraction  share of clients sent fine only   [1]  default 0.5  range 0..1
 *   (clients: the run's client count P, set by the integrator, not a key)
 */
#ifndef WFL_NDQSG_COMPRESSOR_H
#define WFL_NDQSG_COMPRESSOR_H

#include "compressor.h"
#include "dqsg-compressor.h"

#include <cstdint>

namespace wfl
{

/// One client's message: fine symbols q1 (fine client) or coset indices c (nested), per tensor.
struct NdqsgPayload : public MessagePayload
{
    bool nested = false;
    int32_t ratio = 0;                      ///< rho (nested only)
    std::vector<DitheredVector> parts;      ///< fine symbols or coset indices, per segment
    /// Simulation diagnostic beside the channel, nested messages only: the
    /// fine indices q1 of every part. Not counted in bits; the decoder reads
    /// it only to count failures. (A fine message's parts are q1 already.)
    std::vector<DitherSymbols> fineIndices;
};

/// Coset index of q1 for ratio rho (centred representative, rho values).
int32_t CosetIndex(int32_t q1, int32_t rho);

/// q1' = the member of c + rho Z nearest to v, moved into [-levels, levels].
int32_t NestedIndex(int32_t coset, double v, int32_t rho, int32_t levels);

/// Decodes one part of a nested message with side information y[0..n):
/// out[i] = s (q1'_i - u_i); `dither` a generator of the encoder's stream
/// positioned at this part. Writes the decoded q1' to `indices` if non-null.
void NestedDequantize(const DitheredVector& coset,
                      int32_t rho,
                      const float* sideInfo,
                      Rng& dither,
                      float* out,
                      std::vector<int32_t>* indices);

/// What a round of NDQSG decoding did (for the trace).
struct NdqsgRoundStats
{
    size_t fineMessages = 0;
    size_t nestedMessages = 0;
    size_t nestedEntries = 0;        ///< coordinates decoded with side information
    size_t wrongCosets = 0;          ///< of those, decoded to a wrong coset member
    size_t messagesWithFailure = 0;  ///< nested messages with at least one wrong coset
};

class NdqsgCompressor : public Compressor
{
  public:
    struct Params
    {
        int32_t levels = 3;         ///< Q1
        int32_t ratio = 3;          ///< rho
        size_t bucket = 512;
        double fineFraction = 0.5;  ///< the author's `ratio` of fine-only workers
        uint32_t clients = 1;       ///< P, the run's number of clients
    };

    explicit NdqsgCompressor(const Params& params);

    /// Whether client k sends fine only (k < ceil(fineFraction clients)).
    bool IsFineClient(uint32_t client) const;

    CompressedMessage Encode(const float* g,
                             size_t dim,
                             const CompressionContext& context,
                             ClientState* state) const override;
    /// A lone message decoded as a round of one (nested: side information 0).
    void Decode(const CompressedMessage& message,
                size_t dim,
                const CompressionContext& context,
                float* out) const override;
    std::unique_ptr<RoundDecoder> NewRoundDecoder(size_t dim) const override;

    static constexpr const char* kStream = "ndqsg-dither";

  private:
    CompressedMessage EncodeFine(const float* g, const std::vector<TensorSpan>& segments, const CompressionContext& context) const;
    CompressedMessage EncodeNested(const float* g, const std::vector<TensorSpan>& segments, const CompressionContext& context) const;

    Params m_params;
};

/// Sequential decoder: each message with the running average so far as y.
class NdqsgRoundDecoder : public RoundDecoder
{
  public:
    explicit NdqsgRoundDecoder(size_t dim);
    void Add(const CompressedMessage& message, double weight, const CompressionContext& context) override;
    Eigen::VectorXf Finish() override;

    const NdqsgRoundStats& Stats() const { return m_stats; }
    /// Nested messages with a wrong coset member, and the wrong entries.
    DecodeFailures Failures() const override;
    /// The estimate with every nested client at its fine reconstruction (what
    /// a decoder that never fails would give); valid after Finish().
    const Eigen::VectorXf& FailureFreeEstimate() const { return m_failureFree; }

  private:
    /// Adds weight m_decoded to m_sum and weight fine[0..dim) to m_sumFine,
    /// and sets m_sideInfo to the new average.
    void Accumulate(const float* fine, double weight);

    Eigen::VectorXd m_sum;         ///< sum_k w_k g_hat_k
    Eigen::VectorXd m_sumFine;     ///< the same with fine reconstructions
    Eigen::VectorXf m_sideInfo;    ///< y = m_sum / m_weight
    Eigen::VectorXf m_decoded;
    Eigen::VectorXf m_fine;
    Eigen::VectorXf m_failureFree;
    std::vector<int32_t> m_indices; ///< a nested part's decoded q1' (diagnostics)
    DitheredVector m_finePart;      ///< a nested part with its fine symbols (diagnostics)
    double m_weight = 0.0;
    NdqsgRoundStats m_stats;
};

} // namespace wfl

#endif
