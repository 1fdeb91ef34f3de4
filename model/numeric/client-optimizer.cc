#include "client-optimizer.h"

#include "input-error.h"

#include <cmath>
#include <stdexcept>

namespace wfl
{

ClientOptimizer::ClientOptimizer(const ClientOptimizerSpec& spec)
    : m_spec(spec)
{
    Validate(spec);
    m_kind = spec.kind == "adam" ? Kind::Adam : spec.kind == "momentum" ? Kind::Momentum : Kind::Sgd;
}

void
ClientOptimizer::Validate(const ClientOptimizerSpec& spec)
{
    if (spec.kind != "sgd" && spec.kind != "momentum" && spec.kind != "adam")
    {
        throw InputError("learner.optimizer = '" + spec.kind +
                         "': expected one of sgd, momentum, adam");
    }
    RequireRange("learner.lr", spec.learningRate, 0.0, 100.0, true, false);
    RequireRange("learner.momentum", spec.momentum, 0.0, 1.0, false, true);
    RequireRange("learner.beta1", spec.beta1, 0.0, 1.0, false, true);
    RequireRange("learner.beta2", spec.beta2, 0.0, 1.0, false, true);
    RequireRange("learner.epsilon", spec.epsilon, 0.0, 1.0, true, false);
    RequireRange("learner.weight-decay", spec.weightDecay, 0.0, 1.0, false, false);
    RequireRange("learner.prox-mu", spec.proximalMu, 0.0, 1e6, false, false);
}

void
ClientOptimizer::Reset(Eigen::Index numParams)
{
    if (numParams < 0)
    {
        throw std::invalid_argument("ClientOptimizer::Reset: negative parameter count");
    }
    m_size = numParams;
    m_steps = 0;
    // setZero(n) reallocates only when the size changes.
    if (m_kind == Kind::Momentum || m_kind == Kind::Adam)
    {
        m_first.setZero(numParams);
    }
    if (m_kind == Kind::Adam)
    {
        m_second.setZero(numParams);
    }
}

void
ClientOptimizer::Step(Eigen::VectorXf& params, const Eigen::VectorXf& grad, const Eigen::VectorXf& anchor)
{
    const bool prox = m_spec.proximalMu > 0.0;
    if (params.size() != m_size || grad.size() != m_size || (prox && anchor.size() != m_size))
    {
        throw std::invalid_argument("ClientOptimizer::Step: vector sizes differ from Reset(" +
                                    std::to_string(m_size) + ")");
    }
    ++m_steps;
    // Coupled L2 decay for sgd/momentum only; AdamW decays in Update().
    const float lambda = m_kind == Kind::Adam ? 0.0f : static_cast<float>(m_spec.weightDecay);
    const float mu = static_cast<float>(m_spec.proximalMu);
    // The effective gradient stays an expression: it is fused into the update
    // loop (one pass, no temporary vector).
    if (prox)
    {
        Update(params, grad.array() + lambda * params.array() + mu * (params.array() - anchor.array()));
    }
    else if (lambda > 0.0f)
    {
        Update(params, grad.array() + lambda * params.array());
    }
    else
    {
        Update(params, grad.array());
    }
}

template <typename Gradient>
void
ClientOptimizer::Update(Eigen::VectorXf& params, const Eigen::ArrayBase<Gradient>& g)
{
    // Every assignment below is coefficient-wise, so reading `params` inside
    // `g` while writing `params` is alias-safe, and nothing is allocated.
    const float lr = static_cast<float>(m_spec.learningRate);
    switch (m_kind)
    {
    case Kind::Sgd:
        params.array() -= lr * g;
        break;
    case Kind::Momentum: {
        const float m = static_cast<float>(m_spec.momentum);
        m_first.array() = m * m_first.array() + g;
        params.noalias() -= lr * m_first;
        break;
    }
    case Kind::Adam: {
        const float b1 = static_cast<float>(m_spec.beta1);
        const float b2 = static_cast<float>(m_spec.beta2);
        // Bias corrections in double: 1 - b2^t is tiny for small t.
        const double t = static_cast<double>(m_steps);
        const double correction1 = 1.0 - std::pow(m_spec.beta1, t);
        const double correction2 = 1.0 - std::pow(m_spec.beta2, t);
        const float stepSize = static_cast<float>(m_spec.learningRate / correction1);
        const float invSqrtCorrection2 = static_cast<float>(1.0 / std::sqrt(correction2));
        const float eps = static_cast<float>(m_spec.epsilon);
        const float decay = static_cast<float>(1.0 - m_spec.learningRate * m_spec.weightDecay);
        // The moments read `params` (through g) before it is written.
        m_first.array() = b1 * m_first.array() + (1.0f - b1) * g;
        m_second.array() = b2 * m_second.array() + (1.0f - b2) * g.square();
        params.array() = decay * params.array() -
                         stepSize * m_first.array() /
                             (m_second.array().sqrt() * invSqrtCorrection2 + eps);
        break;
    }
    }
}

} // namespace wfl
