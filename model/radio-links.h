/*
 * Large-scale links between the clients and the server: node positions from
 * ns-3 mobility and path loss from any ns-3 PropagationLossModel.
 */
#ifndef WFL_RADIO_LINKS_H
#define WFL_RADIO_LINKS_H

#include "ns3/mobility-model.h"
#include "ns3/object.h"
#include "ns3/propagation-loss-model.h"

#include <vector>

namespace wfl
{

class RadioLinks : public ns3::Object
{
  public:
    static ns3::TypeId GetTypeId();

    void SetServer(ns3::Ptr<ns3::MobilityModel> server);
    /// Client k's mobility (index = client index).
    void AddClient(ns3::Ptr<ns3::MobilityModel> client);
    /// Without a loss model every link has 0 dB loss (normalized mode).
    void SetPropagationLoss(ns3::Ptr<ns3::PropagationLossModel> loss);

    /// Path loss of client k now, dB (>= 0 for passive models).
    double PathLossDb(uint32_t client) const;

  private:
    void DoDispose() override;

    ns3::Ptr<ns3::MobilityModel> m_server;
    std::vector<ns3::Ptr<ns3::MobilityModel>> m_clients;
    ns3::Ptr<ns3::PropagationLossModel> m_loss;
};

} // namespace wfl

#endif
