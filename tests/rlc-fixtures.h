/*
 * Helpers shared by the random-linear-code and stochastic-quantizer tests
 * (test-rlc*.cc, test-stochastic-quantizer.cc).
 */
#ifndef WFL_RLC_FIXTURES_H
#define WFL_RLC_FIXTURES_H

#include "random.h"

#include <Eigen/Dense>

namespace rlctest
{

/// n standard normals drawn from `rng`.
inline Eigen::VectorXd
RandomVector(wfl::Rng& rng, size_t n)
{
    Eigen::VectorXd v(static_cast<Eigen::Index>(n));
    for (Eigen::Index i = 0; i < v.size(); ++i)
    {
        v(i) = rng.Normal();
    }
    return v;
}

} // namespace rlctest

#endif
