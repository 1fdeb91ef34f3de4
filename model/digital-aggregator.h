/*
 * Digital baseline: orthogonal access (TDMA) over the same spectrum.
 *
 * The slot has TotalUses complex channel uses (by default the uses an rlc
 * slot with the same coding ratio would take) split equally among the
 * participants. Client k sends at P_k = min(P_max, E / (Ts S_k)) and gets
 * B_k = floor(S_k log2(1 + P_k |h_k|^2 / sigma^2)) bits (Shannon, rate
 * adapted to its channel); its update is quantized to fit B_k (unbiased
 * QSGD with sparsification, see stochastic-quantizer.h). A client that
 * cannot fit even the 32-bit scale is dropped for the round. The server
 * averages the decoded updates it received, weighted by sample counts.
 */
#ifndef WFL_DIGITAL_AGGREGATOR_H
#define WFL_DIGITAL_AGGREGATOR_H

#include "wireless-aggregator.h"

namespace wfl
{

class DigitalAggregator : public WirelessAggregator
{
  public:
    static ns3::TypeId GetTypeId();

  private:
    AggregationResult DoAggregate(uint32_t round,
                                  const std::vector<ClientContribution>& contributions) override;

    uint64_t m_totalUses = 0;
    double m_ratio = 0.1;
};

} // namespace wfl

#endif
