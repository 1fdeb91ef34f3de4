/*
 * What the server of an over-the-air round can estimate or choose without
 * per-client feedback (power.coordination = blind): the active weight W from
 * a block's pilot, and the common receive scale c it broadcasts.
 */
#ifndef WFL_PILOT_ESTIMATE_H
#define WFL_PILOT_ESTIMATE_H

namespace wfl
{

/**
 * One block's pilot as the server sees it. Each active client k sends
 * w_k beta precoded by c / h_k, so
 *
 *   Re(y_pilot) = c beta W + n,   n ~ N(0, sigma^2 / 2),
 *
 * and W_hat = Re(y_pilot) / (c beta) = W + e with e ~ N(0, s^2),
 * s^2 = sigma^2 / (2 c^2 beta^2), a variance the server knows.
 */
struct PilotObservation
{
    double received = 0.0;    ///< Re(y_pilot), sqrt(W)
    double scale = 0.0;       ///< c
    double amplitude = 0.0;   ///< beta, the pilot amplitude of a unit weight
    double noisePowerW = 0.0; ///< sigma^2 per complex use
};

/// How the server turns W_hat into the weight it divides by.
struct PilotEstimateOptions
{
    bool equalWeights = false; ///< every scheduled weight is 1: round W_hat to a count >= 1
    double minWeight = 0.0;    ///< smallest scheduled weight: W_hat is clamped to it
    bool correctBias = true;   ///< apply the second-order correction below
};

/**
 * The weight W_eff the server divides by (c W_eff is the block's divisor).
 *
 * Dividing by a noisy W_hat is biased: E[1/W_hat] = (1/W)(1 + s^2/W^2 + O(s^4/W^4)).
 * With correctBias, 1/W_eff = (1/W_hat)(1 - s^2/W_hat^2), whose mean is
 * 1/W + O(s^4/W^5); the factor is floored at 1/2 where s is not small
 * against W_hat (the expansion no longer holds there).
 */
double EffectiveActiveWeight(const PilotObservation& pilot, const PilotEstimateOptions& options);

/// Standard deviation s of W_hat (0 without noise or without a pilot).
double PilotWeightDeviation(const PilotObservation& pilot);

/**
 * Blind mode: the common receive scale c of one block that a nominal client
 * can afford: ||u|| = G spread evenly over the data (its block energy is
 * G^2 rho, rho the block's share of the data uses, plus the pilot's
 * f G^2 rho), fading power `gainThreshold` and the weakest scheduled path
 * loss. Under a peak limit its peak symbol power is taken as
 * max(1, 2 ln L) times its mean, the peak-to-average ratio of L Gaussian-like
 * symbols. Each client still checks its own budget and stays silent if it
 * cannot meet c, so this choice only sets how many transmit.
 */
struct NominalClient
{
    double normBound = 0.0;       ///< G
    double dataShare = 0.0;       ///< rho: the block's data uses over all data uses
    double pilotFraction = 0.0;   ///< f (0 without a pilot)
    double blockUses = 1.0;       ///< L, uses of the block (pilot included)
    double energyBudgetJ = 0.0;   ///< the block's share of the energy budget
    double maxPowerW = 0.0;       ///< P_max
    bool peakLimit = false;       ///< P_max bounds every symbol
    double useSeconds = 1e-6;     ///< Ts
    double gainAbs = 0.0;         ///< sqrt(gainThreshold) times the weakest path-loss amplitude
};

double BlindScale(const NominalClient& nominal);

} // namespace wfl

#endif
