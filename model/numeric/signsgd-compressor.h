/*
 * signSGD with majority vote (Bernstein et al., ICLR 2019; methods.md 8.5):
 * each client sends sign(g_k) (1 bit per coordinate); the server takes the
 * majority vote v_i = sign(sum_k c_k sign(g_k,i)) in {-1, 0, +1}
 * (0 on a tie) and the decoded update is
 *   g_hat_i = a_seg(i) v_i.
 * The vote is UNWEIGHTED (c_k = 1, the paper's vote: every worker has one
 * vote, which is what makes it robust to adversarial workers) unless
 * `weighted` is set (c_k = the client's aggregation weight w_k).
 *
 * The scale a: in the paper the server step eta of w <- w - eta v is a
 * learning-rate matter. In wfl the decoded vector replaces the weighted
 * average of the clients' updates (local model deltas whose size follows the
 * client learning rate), so it must be in update units:
 *   - step > 0: a = step for every coordinate, a fixed server step in update
 *     units, known to the server (costs no bits);
 *   - step = 0 (default): each client also sends m_k,seg = ||g_k,seg||_1 /
 *     |seg| per tensor of the layout (32 bits each), and
 *     a_seg = sum_k w_k m_k,seg / sum_k w_k, the average update magnitude per
 *     coordinate, so the vote moves as far as the average update would.
 * A zero entry has no sign in one bit: it is sent as a fair random sign
 * (stream "signsgd-zero", client, round), so it does not bias the vote.
 * A lone message (Decode) is a round of one: a_seg sign(g_k).
 *
 * Bits: raw = D + 32 per tensor (step = 0) or D (step > 0); entropy = the
 * empirical entropy of the signs + the same scale bits.
 * Budget: no lower-rate signSGD exists; if the raw rate exceeds the budget,
 * fits = false.
 *
 * Scenario keys (proposed):
 *   compression.scheme = signsgd
 *   compression.step     [update units] default 0, range >= 0: server step
 *                        of the vote; 0 = scale by the clients' mean |g|
 *                        per tensor (32 bits per tensor and client)
 *   compression.weighted [bool] default false: weight votes by the clients'
 *                        aggregation weights (false = one vote per client)
 */
#ifndef WFL_SIGNSGD_COMPRESSOR_H
#define WFL_SIGNSGD_COMPRESSOR_H

#include "compression-segments.h"
#include "compressor.h"

#include <cstdint>
#include <vector>

namespace wfl
{

/// Signs (+-1) and, for step = 0, the mean magnitude of each tensor.
struct SignPayload : MessagePayload
{
    std::vector<int8_t> signs;
    std::vector<float> magnitudes;  ///< per segment; empty for step > 0
    std::vector<Segment> segments;  ///< the layout's tensors (not counted)
};

class SignSgdCompressor : public Compressor
{
  public:
    struct Params
    {
        double step = 0.0;     ///< fixed vote scale; 0 = clients' mean |g|
        bool weighted = false; ///< weight the votes by w_k
    };

    explicit SignSgdCompressor(const Params& params);

    CompressedMessage Encode(const float* g,
                             size_t dim,
                             const CompressionContext& context,
                             ClientState* state) const override;
    void Decode(const CompressedMessage& message,
                size_t dim,
                const CompressionContext& context,
                float* out) const override;
    std::unique_ptr<RoundDecoder> NewRoundDecoder(size_t dim) const override;

    const Params& GetParams() const
    {
        return m_params;
    }

  private:
    Params m_params;
};

/// The majority vote of a round (see the file comment).
class MajorityVoteDecoder : public RoundDecoder
{
  public:
    MajorityVoteDecoder(const SignSgdCompressor::Params& params, size_t dim);
    void Add(const CompressedMessage& message, double weight, const CompressionContext& context) override;
    Eigen::VectorXf Finish() override;

  private:
    SignSgdCompressor::Params m_params;
    Eigen::VectorXd m_votes;
    std::vector<double> m_magnitudeSum; ///< sum_k w_k m_k,seg
    std::vector<Segment> m_segments;
    double m_weight = 0.0;
};

} // namespace wfl

#endif
