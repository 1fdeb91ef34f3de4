/*
 * The compressor seam of the digital uplink (issue 10; design.md section 8.2).
 *
 * A compressor turns one client's update g (a flat float vector of length D)
 * into a message of counted bits, and a round decoder turns the round's
 * messages into the server's estimate of their weighted average. It is plain
 * C++ (no ns-3): the link that carries the bits (TDMA over the fading channel,
 * or an error-free bit pipe) is separate, so any compressor runs over any
 * digital link.
 *
 * What each side knows:
 *   - both: the run seed, the round and the client index (CompressionContext),
 *     so shared randomness (dither, signs, rows, subsets) is regenerated from
 *     named streams (random.h) and costs no bits; the parameter layout;
 *   - the client: its own update and its own ClientState from earlier rounds
 *     (error-feedback residual, PowerSGD's warm-start factor); the state never
 *     leaves the client;
 *   - the server: the messages and, while decoding a round, whatever it has
 *     already decoded in that round (NDQSG's side information).
 * Bits: every message reports its raw rate (fixed-length codes, 32 bits per
 * scale, positions for sparse methods) and the empirical entropy rate of the
 * same symbols (symbol-bits.h); the link charges the raw rate.
 */
#ifndef WFL_COMPRESSOR_H
#define WFL_COMPRESSOR_H

#include <Eigen/Dense>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace wfl
{

/// One named tensor of the flat parameter vector, stored row-major at `offset`.
struct TensorLayout
{
    std::string name;           ///< e.g. "dense0.weight", "conv1.bias"
    std::vector<size_t> shape;  ///< e.g. {out, in} for a dense weight
    size_t offset = 0;          ///< first entry in the flat vector

    size_t Size() const
    {
        size_t n = 1;
        for (size_t s : shape)
        {
            n *= s;
        }
        return n;
    }
};

/// The tensors of a model in parameter order; they tile [0, D).
using ParameterLayout = std::vector<TensorLayout>;

/**
 * The factors of one fully connected layer's weight gradient for one local
 * step (FedSGD): with the weight stored as an [out x in] matrix W,
 * dL/dW = Delta^T X, where X [batch x in] is the layer's input and
 * Delta [batch x out] the back-propagated error (loss already averaged over
 * the batch). ISGQ quantizes X and Delta instead of their product.
 * In general the contract is error^T input = the tensor's row-major slice
 * [shape[0] x shape[1]]: a model that stores W^T (the CNN's column-major
 * dense weights, layout {in, out}) passes X as `error` and Delta as `input`.
 */
struct LayerFactors
{
    size_t tensor = 0;       ///< index of the weight tensor in the layout
    Eigen::MatrixXf input;   ///< X [batch x in]
    Eigen::MatrixXf error;   ///< Delta [batch x out]
    /// How far the update may lie from Delta^T X by the float rounding of
    /// the parameters it is the difference of (Frobenius norm; set by the
    /// trainer, local-trainer.cc): ValidatedLayerFactors allows it.
    double roundingAllowance = 0.0;
};

/// What one encoding or decoding call may use.
struct CompressionContext
{
    uint64_t seed = 1;     ///< run seed of the shared randomness
    uint32_t round = 0;
    uint32_t client = 0;   ///< the client encoding (encoder) or being decoded (decoder)
    /// Bits the message must fit; infinity = no budget. A compressor adapts its
    /// parameters to fit, or returns a message with fits = false.
    double bitBudget = std::numeric_limits<double>::infinity();
    const ParameterLayout* layout = nullptr;          ///< null: one flat tensor
    const std::vector<LayerFactors>* factors = nullptr; ///< FedSGD only; may be null
};

/// The compressor-specific content of a message (downcast by its decoder).
struct MessagePayload
{
    virtual ~MessagePayload() = default;
};

/// What one client sends in a round.
struct CompressedMessage
{
    std::unique_ptr<MessagePayload> payload;
    double bitsRaw = 0.0;     ///< fixed-length code, scales and positions included
    double bitsEntropy = 0.0; ///< the same symbols at their empirical entropy
    bool fits = true;         ///< false: the budget cannot hold any message (client silent)
};

/// Memory a client keeps across rounds for its compressor.
struct ClientState
{
    virtual ~ClientState() = default;
};

/**
 * Decodes one round. Messages arrive in ascending client order (so a
 * sequential decoder is deterministic); Finish() returns the estimate of the
 * weighted average sum_k w_k g_k / sum_k w_k of the clients added.
 */
/// Decoding failures of a round, for the trace. Measured beside the channel
/// (the simulator compares with what was encoded; a real server cannot see
/// them). NaN where a scheme has no notion of failure (every scheme whose
/// decoding is exact given the message).
struct DecodeFailures
{
    double messages = std::numeric_limits<double>::quiet_NaN(); ///< messages with any wrong entry
    double entries = std::numeric_limits<double>::quiet_NaN();  ///< wrong entries, all messages
};

class RoundDecoder
{
  public:
    virtual ~RoundDecoder() = default;
    virtual void Add(const CompressedMessage& message, double weight, const CompressionContext& context) = 0;
    virtual Eigen::VectorXf Finish() = 0;
    /// The round's failures so far (default: no such notion, NaN).
    virtual DecodeFailures Failures() const { return {}; }
};

class Compressor
{
  public:
    virtual ~Compressor() = default;

    /// State a new client starts with (null: the compressor is stateless).
    virtual std::unique_ptr<ClientState> NewClientState(size_t dim) const;

    /// Client side: the message for update g[0..dim). `state` is the client's
    /// own (null iff NewClientState returns null) and may be updated.
    virtual CompressedMessage Encode(const float* g,
                                     size_t dim,
                                     const CompressionContext& context,
                                     ClientState* state) const = 0;

    /// Server side, one message alone: out[0..dim) = its decoded update.
    /// Compressors whose decoding needs the round (side information, votes)
    /// decode a lone message as a round of one.
    virtual void Decode(const CompressedMessage& message,
                        size_t dim,
                        const CompressionContext& context,
                        float* out) const = 0;

    /// A decoder for one round. The default decodes every message alone and
    /// averages them with their weights (in double, in arrival order).
    virtual std::unique_ptr<RoundDecoder> NewRoundDecoder(size_t dim) const;
};

/// The default round decoder: independent Decode() of each message, weighted average.
class AveragingRoundDecoder : public RoundDecoder
{
  public:
    AveragingRoundDecoder(const Compressor& compressor, size_t dim);
    void Add(const CompressedMessage& message, double weight, const CompressionContext& context) override;
    Eigen::VectorXf Finish() override;

  private:
    const Compressor& m_compressor;
    Eigen::VectorXd m_sum;
    Eigen::VectorXf m_decoded;
    double m_weight = 0.0;
};

} // namespace wfl

#endif
