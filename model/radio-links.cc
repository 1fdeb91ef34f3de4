#include "radio-links.h"

#include "ns3/abort.h"

namespace wfl
{

NS_OBJECT_ENSURE_REGISTERED(RadioLinks);

ns3::TypeId
RadioLinks::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("wfl::RadioLinks")
                                 .SetParent<ns3::Object>()
                                 .SetGroupName("Wfl")
                                 .AddConstructor<RadioLinks>();
    return tid;
}

void
RadioLinks::SetServer(ns3::Ptr<ns3::MobilityModel> server)
{
    m_server = server;
}

void
RadioLinks::AddClient(ns3::Ptr<ns3::MobilityModel> client)
{
    m_clients.push_back(client);
}

void
RadioLinks::SetPropagationLoss(ns3::Ptr<ns3::PropagationLossModel> loss)
{
    m_loss = loss;
}

double
RadioLinks::PathLossDb(uint32_t client) const
{
    if (!m_loss)
    {
        return 0.0;
    }
    NS_ABORT_MSG_IF(!m_server || client >= m_clients.size(), "no link for client " << client);
    // Loss = tx - rx for a 0 dBm probe.
    return -m_loss->CalcRxPower(0.0, m_clients[client], m_server);
}

void
RadioLinks::DoDispose()
{
    m_server = nullptr;
    m_clients.clear();
    m_loss = nullptr;
    ns3::Object::DoDispose();
}

} // namespace wfl
