/*
 * The error-feedback memory of a client (EF-SGD's residual e, top-k's
 * memory m, PowerSGD's error): what was not sent, added to the next update.
 */
#ifndef WFL_RESIDUAL_STATE_H
#define WFL_RESIDUAL_STATE_H

#include "compressor.h"

#include <Eigen/Dense>

#include <stdexcept>
#include <string>

namespace wfl
{

struct ResidualState : ClientState
{
    Eigen::VectorXf residual; ///< length D, zero at the start
};

/// The residual of `state` (a ResidualState of length dim), or throws naming `who`.
inline Eigen::VectorXf&
ResidualOf(ClientState* state, size_t dim, const char* who)
{
    auto* r = dynamic_cast<ResidualState*>(state);
    if (r == nullptr || static_cast<size_t>(r->residual.size()) != dim)
    {
        throw std::invalid_argument(std::string(who) + ": client state missing or of the wrong dimension");
    }
    return r->residual;
}

} // namespace wfl

#endif
