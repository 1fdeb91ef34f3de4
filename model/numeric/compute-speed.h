/*
 * Per-client compute speeds of heterogeneous devices: a client at speed v
 * takes ComputeTime / v of simulated time for its local training.
 */
#ifndef WFL_COMPUTE_SPEED_H
#define WFL_COMPUTE_SPEED_H

#include <string>
#include <vector>

namespace wfl
{

class Rng;

/// Accepted names, in the order the key table lists them.
const std::vector<std::string>& ComputeSpeedDistributions();

/**
 * One client's speed, drawn once per run.
 *  - lognormal: v = exp(spread * N(0, 1)), median 1;
 *  - uniform: v uniform in [1 - spread, 1 + spread] (spread < 1);
 *  - shifted-exponential: time = ComputeTime (1 + spread * Exp(1)), i.e.
 *    v = 1 / (1 + spread * E), the straggler model of Lee et al. (2018).
 * spread = 0 gives 1 for every distribution.
 * @throws InputError for an unknown distribution or a spread it cannot take.
 */
double DrawComputeSpeed(const std::string& distribution, double spread, Rng& rng);

/// @throws InputError (keys learner.compute-distribution, learner.compute-spread)
/// when the pair is invalid; DrawComputeSpeed accepts every pair this accepts.
void ValidateComputeSpeed(const std::string& distribution, double spread);

} // namespace wfl

#endif
