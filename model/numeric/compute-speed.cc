#include "compute-speed.h"

#include "input-error.h"
#include "random.h"
#include "shortest-double.h"

#include <algorithm>
#include <cmath>

namespace wfl
{

const std::vector<std::string>&
ComputeSpeedDistributions()
{
    static const std::vector<std::string> names{"lognormal", "uniform", "shifted-exponential"};
    return names;
}

void
ValidateComputeSpeed(const std::string& distribution, double spread)
{
    const auto& names = ComputeSpeedDistributions();
    if (std::find(names.begin(), names.end(), distribution) == names.end())
    {
        std::string accepted;
        for (const std::string& name : names)
        {
            accepted += (accepted.empty() ? "" : ", ") + name;
        }
        throw InputError("learner.compute-distribution = '" + distribution +
                         "': expected one of " + accepted);
    }
    if (!(spread >= 0.0) || !std::isfinite(spread))
    {
        throw InputError("learner.compute-spread = " + ShortestDouble(spread) +
                         ": expected a finite value >= 0");
    }
    if (distribution == "uniform" && spread >= 1.0)
    {
        throw InputError("learner.compute-spread = " + ShortestDouble(spread) +
                         ": uniform speeds [1 - spread, 1 + spread] need a spread in [0, 1)");
    }
}

double
DrawComputeSpeed(const std::string& distribution, double spread, Rng& rng)
{
    ValidateComputeSpeed(distribution, spread);
    if (distribution == "uniform")
    {
        return 1.0 + spread * (2.0 * rng.Uniform() - 1.0);
    }
    if (distribution == "shifted-exponential")
    {
        // Exp(1) by inversion; 1 - U lies in (0, 1].
        return 1.0 / (1.0 + spread * -std::log(1.0 - rng.Uniform()));
    }
    return std::exp(spread * rng.Normal());
}

} // namespace wfl
