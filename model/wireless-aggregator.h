/*
 * Common ground of the aggregation stages that cross a wireless uplink:
 * the multiple-access channel, small-scale fading, large-scale links, the
 * clients' power and energy budgets, and the run seed for the shared
 * randomness (fading, noise, codes).
 */
#ifndef WFL_WIRELESS_AGGREGATOR_H
#define WFL_WIRELESS_AGGREGATOR_H

#include "aggregator.h"
#include "fading-model.h"
#include "multiple-access-channel.h"
#include "radio-links.h"

#include <complex>
#include <vector>

namespace wfl
{

class WirelessAggregator : public Aggregator
{
  public:
    enum PowerLimit
    {
        AVERAGE, ///< MaxPowerDbm bounds the mean power over each coherence block
        PEAK,    ///< MaxPowerDbm bounds every symbol
    };

    static ns3::TypeId GetTypeId();

    ns3::Ptr<MultipleAccessChannel> GetChannel() const
    {
        return m_channel;
    }

    /// Transmit power limit P_max of every client, W (block mean or symbol, see PowerLimit).
    double MaxPowerW() const;

    double EnergyBudgetJ() const
    {
        return m_energyBudgetJ;
    }

  protected:
    void DoDispose() override;
    /// Create the default channel and fading model where none was set.
    void EnsureParts();

    /// Small-scale gains of `client` in `round`, one per coherence block,
    /// from the stream ("fading", client, round).
    std::vector<std::complex<double>> DrawFading(uint32_t client, uint32_t round, size_t blocks) const;
    /// Path loss of `client` now, dB (0 without links or in normalized mode).
    double PathLossDb(uint32_t client) const;

    uint64_t m_seed = 1;
    PowerLimit m_powerLimit = AVERAGE;
    uint32_t m_coherenceUses = 0;
    double m_maxPowerDbm = 23.0;
    double m_energyBudgetJ = 0.01;
    ns3::Ptr<MultipleAccessChannel> m_channel;
    ns3::Ptr<FadingModel> m_fading;
    ns3::Ptr<RadioLinks> m_links;
};

} // namespace wfl

#endif
