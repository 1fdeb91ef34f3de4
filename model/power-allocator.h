/*
 * Power allocation for over-the-air aggregation, one coherence block at a time.
 *
 * Client k sends x_k = p_k s_k, where s_k are its coded symbols and p_k its
 * precoder. Inverting policies use p_k = c / h_k, so the server receives
 * c * sum_{k active} s_k + z and divides by the common scale c. Budgets are
 * hard: with peak symbol power P_k (W), block energy E_k (J) and use
 * duration Ts, client k can afford any c up to
 *
 *   c_k = |h_k| min( sqrt(P_k) / max_i |s_k,i| , sqrt(E_k / (Ts ||s_k||^2)) ),
 *
 * (with the mean power over the block, ||s_k||^2 / uses, in place of the peak
 * when the limit is on average power), so c = min over the active clients of
 * c_k never breaks a budget.
 * docs/power-allocation.md derives the mse-optimal rule.
 */
#ifndef WFL_POWER_ALLOCATOR_H
#define WFL_POWER_ALLOCATOR_H

#include "ns3/object.h"

#include <vector>

namespace wfl
{

/// What the allocator knows about one client in one block.
struct PowerCandidate
{
    double gainAbs = 0.0;        ///< |h|, path-loss amplitude times small-scale fading
    double fadingPower = 0.0;    ///< |f|^2, small-scale fading power (mean 1)
    double peakSymbolAbs = 0.0;  ///< max_i |s_i| over the block (pilot included)
    double symbolEnergy = 0.0;   ///< sum_i |s_i|^2 over the block
    double uses = 1.0;           ///< channel uses of the block
    bool peakLimit = false;      ///< maxPowerW bounds every symbol (else the block mean)
    double maxPowerW = 0.0;      ///< peak transmit power limit
    double energyBudgetJ = 0.0;  ///< energy the client may spend in this block
    double weight = 1.0;         ///< its FedAvg weight in the sum
    double updateNorm2 = 0.0;    ///< ||u_k||^2 (block share), reported for the mse-optimal rule

    /// Largest common receive scale c this client can support (see file comment).
    double MaxScale(double useSeconds) const;
    /// Largest transmit amplitude a within the power limit (mean a^2 ||s||^2 / uses
    /// <= P, or every |a s_i|^2 <= P with peakLimit) and Ts a^2 ||s||^2 <= E.
    double MaxAmplitude(double useSeconds) const;
};

/**
 * Block-level facts the server has when it allocates one coherence block
 * (filled by the over-the-air aggregator). Energies are this block's share
 * of the round's: the fraction of the data uses the block carries.
 */
struct AllocationContext
{
    double useSeconds = 1e-6; ///< Ts, duration of one channel use (s)
    double noisePowerW = 0.0; ///< sigma^2, noise power per complex use at the receiver (W)
    /// Decoded noise energy per unit noise power and per unit c W_A: the noise term of
    /// the block is noisePowerW * noiseGain / (c^2 W_A^2) (update units^2). Both analog
    /// and rlc decode sigma^2 / 2 per real coordinate kept, so this is D / 2 times the
    /// block's share of the data uses (padding discarded by the decoder is not counted).
    double noiseGain = 0.0;
    /// p: E||T^T T g - g||^2 = p ||g||^2 for the round's code (dimensionless; 0 for
    /// analog); see RlcProjectionFactor.
    double projectionFactor = 0.0;
    /// The server's estimate of ||g_bar||^2, the squared norm of the mean update
    /// (g_k = u_k / w_k), for this block's share (update units^2). 0 when it has none
    /// (first round): the rule then treats the updates as pure spread.
    double aggregateNorm2 = 0.0;
};

struct PowerDecision
{
    /// true: p_k = c / h_k for active clients, server divides by c.
    /// false: p_k = amplitude[k] (no CSI), server divides by the received pilot.
    bool inversion = true;
    double scale = 0.0;            ///< c (inversion)
    std::vector<bool> active;      ///< per candidate
    std::vector<double> amplitude; ///< per candidate (no inversion)
};

class PowerAllocator : public ns3::Object
{
  public:
    static ns3::TypeId GetTypeId();

    PowerDecision Allocate(const std::vector<PowerCandidate>& candidates,
                           const AllocationContext& context) const;

  private:
    virtual PowerDecision DoAllocate(const std::vector<PowerCandidate>& candidates,
                                     const AllocationContext& context) const = 0;
};

/// Every client at full power with no CSI; server scales by the pilot.
/// Biased by fading (phases and gains do not align); for comparison.
class FullPowerAllocator : public PowerAllocator
{
  public:
    static ns3::TypeId GetTypeId();

  private:
    PowerDecision DoAllocate(const std::vector<PowerCandidate>& candidates,
                             const AllocationContext& context) const override;
};

/// Channel inversion of every client; c set by the weakest one.
class InversionPowerAllocator : public PowerAllocator
{
  public:
    static ns3::TypeId GetTypeId();

  private:
    PowerDecision DoAllocate(const std::vector<PowerCandidate>& candidates,
                             const AllocationContext& context) const override;
};

/// Truncated inversion (BAA): clients with |f|^2 < GainThreshold stay silent.
class TruncatedInversionPowerAllocator : public PowerAllocator
{
  public:
    static ns3::TypeId GetTypeId();

  private:
    PowerDecision DoAllocate(const std::vector<PowerCandidate>& candidates,
                             const AllocationContext& context) const override;
    double m_gainThreshold = 0.1;
};

/**
 * Chooses the active set A and c = min_A c_k per block to minimise the
 * expected error J(A) of the estimate against the weighted average of all
 * participants: noise, rlc's projection and the clients left out
 * (mse-optimal-rule.h, docs/power-allocation.md). It needs each candidate's
 * c_k, w_k and ||u_k||^2, i.e. a feedback exchange before the block.
 */
class MseOptimalPowerAllocator : public PowerAllocator
{
  public:
    static ns3::TypeId GetTypeId();

  private:
    PowerDecision DoAllocate(const std::vector<PowerCandidate>& candidates,
                             const AllocationContext& context) const override;
};

} // namespace wfl

#endif
