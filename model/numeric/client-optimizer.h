/*
 * Client-side (local) optimizers: SGD, heavy-ball momentum and Adam/AdamW,
 * with an optional FedProx proximal term.
 *
 * One step, with g the mini-batch gradient at w and w_g the round's global
 * model (the anchor):
 *
 *   prox:      g <- g + mu (w - w_g)            gradient of mu/2 ||w - w_g||^2
 *                                               (FedProx, Li et al., MLSys 2020)
 *   sgd:       g <- g + lambda w                L2 weight decay, coupled
 *              w <- w - lr g
 *   momentum:  g <- g + lambda w                L2 weight decay, coupled
 *              v <- m v + g ;  w <- w - lr v    heavy ball, PyTorch SGD convention
 *                                               (no dampening, not Nesterov)
 *   adam:      t <- t + 1                       Kingma & Ba, ICLR 2015, with the
 *              a <- b1 a + (1 - b1) g           decoupled weight decay of AdamW
 *              s <- b2 s + (1 - b2) g^2         (Loshchilov & Hutter, ICLR 2019):
 *              w <- w (1 - lr lambda)           lambda does not enter a or s;
 *                   - lr (a / (1 - b1^t))       same formula as torch.optim.AdamW
 *                     / (sqrt(s / (1 - b2^t)) + eps)
 *
 * The proximal term is part of the local objective, so it is always added to
 * the gradient (also for Adam, where it does enter a and s). Weight decay
 * applies to every coordinate of the flat vector, biases included.
 * State (v, or a, s and t) is zeroed by Reset() at the start of each client's
 * local training: clients are stateless between rounds.
 */
#ifndef WFL_CLIENT_OPTIMIZER_H
#define WFL_CLIENT_OPTIMIZER_H

#include <Eigen/Dense>

#include <cstdint>
#include <string>

namespace wfl
{

struct ClientOptimizerSpec
{
    std::string kind = "sgd";   ///< sgd | momentum | adam           (learner.optimizer)
    double learningRate = 0.05; ///< (0, 100]                        (learner.lr)
    double momentum = 0.9;      ///< [0, 1), heavy ball only        (learner.momentum)
    double beta1 = 0.9;         ///< [0, 1), adam                    (learner.beta1)
    double beta2 = 0.999;       ///< [0, 1), adam                    (learner.beta2)
    double epsilon = 1e-8;      ///< (0, 1], adam                    (learner.epsilon)
    /// [0, 1]: L2 coefficient lambda. Added to the gradient (lambda w) for
    /// sgd and momentum; decoupled (AdamW, w <- w (1 - lr lambda)) for adam.
    double weightDecay = 0.0; ///< (learner.weight-decay)
    double proximalMu = 0.0;  ///< [0, 1e6], FedProx mu         (learner.prox-mu)
};

/**
 * A local optimizer over a flat float parameter vector. Holds O(D) state;
 * one instance per thread (like LocalTrainer). Step() allocates nothing once
 * Reset() has sized the state.
 */
class ClientOptimizer
{
  public:
    /// @throws InputError if Validate(spec) does.
    explicit ClientOptimizer(const ClientOptimizerSpec& spec);

    /**
     * Checks every field of `spec`; the message names the scenario key and
     * its accepted range or values.
     * @throws InputError on the first bad field.
     */
    static void Validate(const ClientOptimizerSpec& spec);

    /// Zero the state (momentum buffer, Adam moments and step count) and
    /// size it for `numParams` parameters.
    void Reset(Eigen::Index numParams);

    /**
     * One optimizer step in place on `params` with gradient `grad`.
     * `anchor` is the round's global model, read only when proximalMu > 0
     * (it may then be empty otherwise).
     * @throws std::invalid_argument if sizes differ from Reset()'s.
     */
    void Step(Eigen::VectorXf& params, const Eigen::VectorXf& grad, const Eigen::VectorXf& anchor);

    const ClientOptimizerSpec& Spec() const
    {
        return m_spec;
    }

    /// Steps since the last Reset().
    int64_t Steps() const
    {
        return m_steps;
    }

  private:
    enum class Kind
    {
        Sgd,
        Momentum,
        Adam
    };

    template <typename Gradient>
    void Update(Eigen::VectorXf& params, const Eigen::ArrayBase<Gradient>& g);

    ClientOptimizerSpec m_spec;
    Kind m_kind = Kind::Sgd;
    Eigen::Index m_size = -1; ///< size set by Reset(); -1 before the first
    int64_t m_steps = 0;
    Eigen::VectorXf m_first;  ///< momentum buffer v, or Adam's first moment
    Eigen::VectorXf m_second; ///< Adam's second moment
};

} // namespace wfl

#endif
