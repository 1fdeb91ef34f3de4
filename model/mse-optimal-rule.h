/*
 * The mathematics of the mse-optimal power rule (docs/power-allocation.md):
 * the expected error J(A) of keeping a set A of clients in one coherence
 * block, the search for the set that minimises it, the projection factor of
 * the random linear code, and the server's estimate of ||g_bar||^2 from what
 * it received in the previous round.
 *
 * Notation (per block; every energy is this block's share of the round's):
 *   g_k = u_k / w_k   client k's update, w_k its FedAvg weight
 *   model: g_k = g_bar + e_k, e_k independent, zero mean, E||e_k||^2 = v
 *   G = ||g_bar||^2, W = sum_all w_k, S = sum_all w_k^2
 *   A kept: c_A = min_A c_k, W_A = sum_A w_k, S_A = sum_A w_k^2
 *
 *   J(A) = N0 / (c_A^2 W_A^2)                                   noise
 *        + p (G + v S_A / W_A^2)                                projection
 *        + v (S_A / W_A^2 - 2 S_A / (W_A W) + S / W^2)          clients left out
 */
#ifndef WFL_MSE_OPTIMAL_RULE_H
#define WFL_MSE_OPTIMAL_RULE_H

#include <cstddef>
#include <vector>

namespace wfl
{

/// The three terms of J(A); each is an expected squared error (update units^2).
struct MseTerms
{
    double noise = 0.0;
    double projection = 0.0;
    double exclusion = 0.0;

    double Total() const
    {
        return noise + projection + exclusion;
    }
};

/// What J(A) needs besides the set itself (docs/power-allocation.md, section 2).
struct MseCostModel
{
    double noiseEnergy = 0.0;        ///< N0 = sigma^2 * noiseGain: decoded noise energy at c W_A = 1
    double projectionFactor = 0.0;   ///< p: E||T^T T g - g||^2 = p ||g||^2 (0 for analog)
    double commonNorm2 = 0.0;        ///< G = ||g_bar||^2
    double spread = 0.0;             ///< v = E||g_k - g_bar||^2, the same for every client
    double totalWeight = 0.0;        ///< W = sum of all participants' weights (> 0)
    double totalSquaredWeight = 0.0; ///< S = sum of their squared weights

    /// The terms of J for a set with common scale c > 0, W_A > 0 and S_A.
    MseTerms Evaluate(double scale, double activeWeight, double activeSquaredWeight) const;

    double Error(double scale, double activeWeight, double activeSquaredWeight) const
    {
        return Evaluate(scale, activeWeight, activeSquaredWeight).Total();
    }

    /// J of the set marked in `active` (infinity for an empty set).
    double ErrorOf(const std::vector<bool>& active,
                   const std::vector<double>& scales,
                   const std::vector<double>& weights) const;
};

/**
 * The set minimising J among the clients with scale > 0 (all false if none).
 *
 * For each threshold t (clients by scale descending) the candidates are
 * C_t = {k : c_k >= c_t}, with the noise term at c_t <= c_A; within C_t the
 * sets scanned are the j lightest clients, j = 1..|C_t|: M (M + 1) / 2 sets.
 * This is the exact minimum of J whenever the best subset of every C_t is
 * such a prefix by weight. That is not proved; tests/test-power-allocator-search.cc
 * checks it against enumeration of all subsets (docs/power-allocation.md
 * gives the agreement). Cost O(M^2) time, O(M) memory.
 */
std::vector<bool> ChooseMseOptimalSet(const std::vector<double>& scales,
                                      const std::vector<double>& weights,
                                      const MseCostModel& model);

/**
 * p of a bucketed random linear code for an update whose energy is spread
 * over its D coordinates in proportion to their number: the mean over
 * buckets, weighted by n_r, of (n_r - 1)(n - k) / (k (n - 1)), where n_r
 * real coordinates of a bucket of n carry data and k of its n rows are kept
 * (chosen without replacement). n/k - 1 when every bucket is full.
 */
double RlcProjectionFactor(size_t dim, size_t bucket, size_t rows);

/// One coherence block of the previous round as the server received it (inversion).
struct ReceivedBlock
{
    double receivedEnergy = 0.0;      ///< sum of |y_i|^2 over the block's data uses (W, per use)
    double dataUses = 0.0;            ///< complex data uses of the block
    double share = 0.0;               ///< the block's fraction of the round's data uses
    double scale = 0.0;               ///< c of the block (<= 0: nobody sent, block ignored)
    double activeWeight = 0.0;        ///< W_A, known from the feedback exchange
    double activeSquaredWeight = 0.0; ///< S_A
    double activeUpdateNorm2 = 0.0;   ///< sum over A of ||u_k||^2 (whole update, reported)
};

/**
 * The server's estimate of G = ||g_bar||^2 from one round's received data:
 *
 *   G_hat = sum_b [ (E_b - sigma^2 L_b) / c_b^2 - share_b sum_A ||u_k||^2 ]
 *           / sum_b share_b (W_A^2 - S_A)
 *
 * Since E||T u||^2 = ||u||^2 and E||z||^2 = sigma^2 L_b, the numerator has
 * expectation sum_b share_b sum_{j != l in A} w_j w_l <g_j, g_l>: G_hat is the
 * weighted mean inner product between different clients' updates, unbiased
 * for G under the independent-deviation model (exactly so for one block).
 * Returns a negative value when no block had two or more clients.
 */
double EstimateCommonNorm2(const std::vector<ReceivedBlock>& blocks, double noisePowerW);

} // namespace wfl

#endif
