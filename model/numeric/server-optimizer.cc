#include "server-optimizer.h"

#include "input-error.h"

#include <stdexcept>

namespace wfl
{

ServerOptimizer::ServerOptimizer(const ServerOptimizerSpec& spec)
    : m_spec(spec)
{
    Validate(spec);
    if (spec.kind == "fedavgm")
    {
        m_kind = Kind::FedAvgM;
    }
    else if (spec.kind == "fedadam")
    {
        m_kind = Kind::FedAdam;
    }
    else if (spec.kind == "fedyogi")
    {
        m_kind = Kind::FedYogi;
    }
}

void
ServerOptimizer::Validate(const ServerOptimizerSpec& spec)
{
    if (spec.kind != "fedavg" && spec.kind != "fedavgm" && spec.kind != "fedadam" &&
        spec.kind != "fedyogi")
    {
        throw InputError("server.optimizer = '" + spec.kind +
                         "': expected one of fedavg, fedavgm, fedadam, fedyogi");
    }
    RequireRange("server.lr", spec.learningRate, 0.0, 100.0, true, false);
    RequireRange("server.momentum", spec.momentum, 0.0, 1.0, false, true);
    RequireRange("server.beta1", spec.beta1, 0.0, 1.0, false, true);
    RequireRange("server.beta2", spec.beta2, 0.0, 1.0, false, true);
    RequireRange("server.tau", spec.tau, 0.0, 1.0, true, false);
}

void
ServerOptimizer::Reset()
{
    m_rounds = 0;
    m_size = -1;
    m_first.resize(0);
    m_second.resize(0);
}

void
ServerOptimizer::Apply(Eigen::VectorXf& global, const Eigen::VectorXf& aggregate)
{
    if (global.size() != aggregate.size() || (m_size >= 0 && aggregate.size() != m_size))
    {
        throw std::invalid_argument("ServerOptimizer::Apply: global has " +
                                    std::to_string(global.size()) + " parameters, aggregate " +
                                    std::to_string(aggregate.size()) + ", earlier rounds " +
                                    std::to_string(m_size));
    }
    const float lr = static_cast<float>(m_spec.learningRate);
    if (m_size < 0)
    {
        m_size = aggregate.size();
        if (m_kind == Kind::FedAvgM || m_kind == Kind::FedAdam || m_kind == Kind::FedYogi)
        {
            m_first.setZero(m_size);
        }
        if (m_kind == Kind::FedAdam || m_kind == Kind::FedYogi)
        {
            // Reddi et al., Algorithm 2: v_{-1} >= tau^2; we take equality.
            m_second.setConstant(m_size, static_cast<float>(m_spec.tau * m_spec.tau));
        }
    }
    ++m_rounds;

    const auto delta = aggregate.array();
    switch (m_kind)
    {
    case Kind::FedAvg:
        global.noalias() += lr * aggregate;
        return;
    case Kind::FedAvgM:
        m_first.array() = static_cast<float>(m_spec.momentum) * m_first.array() + delta;
        global.noalias() += lr * m_first;
        return;
    case Kind::FedAdam: {
        const float b2 = static_cast<float>(m_spec.beta2);
        m_second.array() = b2 * m_second.array() + (1.0f - b2) * delta.square();
        break;
    }
    case Kind::FedYogi: {
        const float b2 = static_cast<float>(m_spec.beta2);
        // sign(0) = 0: v is left unchanged where v == Delta^2.
        m_second.array() -=
            (1.0f - b2) * delta.square() * (m_second.array() - delta.square()).sign();
        break;
    }
    }
    const float b1 = static_cast<float>(m_spec.beta1);
    const float tau = static_cast<float>(m_spec.tau);
    m_first.array() = b1 * m_first.array() + (1.0f - b1) * delta;
    global.array() += lr * m_first.array() / (m_second.array().sqrt() + tau);
}

} // namespace wfl
