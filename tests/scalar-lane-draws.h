// A scalar reference of UniformLanes' sequence (model/numeric/uniform-lanes.h),
// written from its contract with one Rng per lane, for tests that check the
// vector generator, or a quantizer that uses it, bit for bit.
#ifndef WFL_TEST_SCALAR_LANE_DRAWS_H
#define WFL_TEST_SCALAR_LANE_DRAWS_H

#include "random.h"
#include "uniform-lanes.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace wfltest
{

/// Draw j: group g = j div 16, r = j mod 16; lane r mod 8's g-th output, its
/// low 32 bits for r < 8 and its high 32 bits for r >= 8, as (half >> 8) 2^-24.
class ScalarLaneDraws
{
  public:
    /// Lanes seeded from the next 8 outputs of `parent`, in lane order.
    explicit ScalarLaneDraws(wfl::Rng& parent)
    {
        for (size_t l = 0; l < wfl::UniformLanes::kLanes; ++l)
        {
            m_lanes.emplace_back(parent.NextU64());
        }
    }

    float Next()
    {
        const size_t r = m_drawn++ % wfl::UniformLanes::kGroup;
        const size_t lane = r % wfl::UniformLanes::kLanes;
        if (r < wfl::UniformLanes::kLanes)
        {
            m_outputs[lane] = m_lanes[lane].NextU64();
        }
        const auto half = static_cast<uint32_t>(r < wfl::UniformLanes::kLanes ? m_outputs[lane] : m_outputs[lane] >> 32);
        return std::ldexp(static_cast<float>(half >> 8), -24);
    }

  private:
    std::vector<wfl::Rng> m_lanes;
    uint64_t m_outputs[wfl::UniformLanes::kLanes] = {};
    size_t m_drawn = 0;
};

} // namespace wfltest

#endif
