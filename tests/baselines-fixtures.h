/*
 * Shared helpers of the baseline-compressor tests (test-baselines*.cc).
 */
#ifndef WFL_BASELINES_FIXTURES_H
#define WFL_BASELINES_FIXTURES_H

#include "compressor.h"
#include "random.h"

#include <Eigen/Dense>

#include <cmath>
#include <vector>

namespace wfltest
{

/// Context of (seed, round, client) with an optional budget and layout.
inline wfl::CompressionContext
Context(uint64_t seed,
        uint32_t round,
        uint32_t client = 0,
        const wfl::ParameterLayout* layout = nullptr,
        double budget = std::numeric_limits<double>::infinity())
{
    wfl::CompressionContext c;
    c.seed = seed;
    c.round = round;
    c.client = client;
    c.layout = layout;
    c.bitBudget = budget;
    return c;
}

/// Encode g with `state` and decode the message alone.
inline Eigen::VectorXf
RoundTrip(const wfl::Compressor& compressor,
          const Eigen::VectorXf& g,
          const wfl::CompressionContext& context,
          wfl::ClientState* state,
          wfl::CompressedMessage* keep = nullptr)
{
    wfl::CompressedMessage m = compressor.Encode(g.data(), static_cast<size_t>(g.size()), context, state);
    Eigen::VectorXf out = Eigen::VectorXf::Zero(g.size());
    if (m.fits)
    {
        compressor.Decode(m, static_cast<size_t>(g.size()), context, out.data());
    }
    if (keep != nullptr)
    {
        *keep = std::move(m);
    }
    return out;
}

/// A vector of n standard normals from the stream (seed, name, index).
inline Eigen::VectorXf
Gaussian(size_t n, uint64_t seed, const char* name, uint64_t index = 0)
{
    wfl::Rng rng(seed, name, index);
    Eigen::VectorXf v(static_cast<Eigen::Index>(n));
    for (Eigen::Index i = 0; i < v.size(); ++i)
    {
        v[i] = static_cast<float>(rng.Normal());
    }
    return v;
}

/// A small layout: bias {5}, dense weight {40, 30}, conv kernel {8, 3, 3, 3}.
inline wfl::ParameterLayout
SmallLayout()
{
    wfl::ParameterLayout layout(3);
    layout[0] = {"dense.bias", {5}, 0};
    layout[1] = {"dense.weight", {40, 30}, 5};
    layout[2] = {"conv.weight", {8, 3, 3, 3}, 1205};
    return layout; // D = 5 + 1200 + 216 = 1421
}

} // namespace wfltest

#endif
