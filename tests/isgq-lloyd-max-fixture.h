/*
 * The factors the deterministic-ISGQ tests share (test-isgq-codebook-fit.cc,
 * test-isgq-lloyd-max.cc).
 */
#ifndef WFL_TESTS_ISGQ_LLOYD_MAX_FIXTURE_H
#define WFL_TESTS_ISGQ_LLOYD_MAX_FIXTURE_H

#include "compressor.h"
#include "random.h"

#include <algorithm>
#include <cstdint>

namespace wfltest
{

/// X = ReLU(Gaussian) [B x in] (about half exact zeros), Delta Gaussian [B x out].
inline wfl::LayerFactors
MakeFactors(Eigen::Index batch, Eigen::Index in, Eigen::Index out, uint64_t seed)
{
    wfl::Rng rng(seed, "isgq-lloyd-max-factors");
    wfl::LayerFactors f{0, Eigen::MatrixXf(batch, in), Eigen::MatrixXf(batch, out)};
    for (Eigen::Index i = 0; i < f.input.size(); ++i)
    {
        f.input.data()[i] = std::max(0.0F, static_cast<float>(rng.Normal()));
    }
    for (Eigen::Index i = 0; i < f.error.size(); ++i)
    {
        f.error.data()[i] = static_cast<float>(rng.Normal());
    }
    return f;
}

} // namespace wfltest

#endif
