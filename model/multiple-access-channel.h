/*
 * Multiple-access channel (MAC) of one uplink slot with over-the-air sum:
 *
 *   y = sum_k h_k (.) x_k + z,   z ~ CN(0, sigma^2 I)   over s complex channel uses,
 *
 * where h_k holds one gain per coherence block (path-loss amplitude times
 * small-scale fading) and x_k are transmit symbols in sqrt(W). One complex
 * channel use carries two real symbols; a use lasts 1 / BandwidthHz.
 *
 * Noise: thermal, sigma^2 = -174 dBm/Hz + 10 log10(B) + NF. In normalized mode
 * (textbook comparisons) sigma^2 = P_ref / 10^(SnrDb / 10), so SnrDb is the SNR
 * per channel use of a symbol sent at the reference power P_ref (the clients'
 * power limit) over unit gain.
 */
#ifndef WFL_MULTIPLE_ACCESS_CHANNEL_H
#define WFL_MULTIPLE_ACCESS_CHANNEL_H

#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/traced-callback.h"

#include <Eigen/Dense>

#include <complex>
#include <vector>

namespace wfl
{

class Rng;

class MultipleAccessChannel : public ns3::Object
{
  public:
    static ns3::TypeId GetTypeId();

    /// Signature of the SlotCompleted trace: channel uses, transmitters, noise power (W).
    typedef void (*SlotCompletedCallback)(uint64_t uses, uint32_t transmitters, double noiseW);

    /// Noise power per complex channel use, W.
    double NoisePowerW() const;
    /// Duration of one channel use, 1 / bandwidth.
    ns3::Time ChannelUseDuration() const;
    double ChannelUseSeconds() const;
    bool IsNormalized() const
    {
        return m_normalized;
    }

    /// Start a slot of `uses` complex channel uses (clears the received signal).
    void BeginSlot(size_t uses);
    /**
     * Add h (.) x to the slot. gains[b] applies to uses [b*coherenceUses,
     * (b+1)*coherenceUses); coherenceUses = 0 means one gain for the whole slot.
     */
    void Transmit(const Eigen::VectorXcd& x,
                  const std::vector<std::complex<double>>& gains,
                  size_t coherenceUses);
    /// Add the noise from `noise` and return y.
    const Eigen::VectorXcd& EndSlot(Rng& noise);
    /// Mean received signal power per use of the last slot, before noise, W.
    double LastSignalPowerW() const
    {
        return m_lastSignalPowerW;
    }

  private:
    double m_bandwidthHz = 1e6;
    double m_noiseFigureDb = 7.0;
    bool m_normalized = false;
    double m_snrDb = 10.0;
    double m_referencePowerW = 1.0;
    bool m_noiseless = false;
    double m_lastSignalPowerW = 0.0;
    Eigen::VectorXcd m_received;
    uint32_t m_transmitters = 0;
    ns3::TracedCallback<uint64_t, uint32_t, double> m_slotCompletedTrace;
};

} // namespace wfl

#endif
