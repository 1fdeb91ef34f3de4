#include "federation-helper.h"

#include "aggregator.h"
#include "learning-task.h"

#include "ns3/abort.h"
#include "ns3/node.h"
#include "ns3/pointer.h"

namespace wfl
{

FederationHelper::FederationHelper()
{
    m_serverFactory.SetTypeId(FederatedServer::GetTypeId());
    m_clientFactory.SetTypeId(FederatedClient::GetTypeId());
    m_aggregatorFactory.SetTypeId(IdealAggregator::GetTypeId());
}

void
FederationHelper::SetServerAttribute(const std::string& name, const ns3::AttributeValue& value)
{
    m_serverFactory.Set(name, value);
}

void
FederationHelper::SetClientAttribute(const std::string& name, const ns3::AttributeValue& value)
{
    m_clientFactory.Set(name, value);
}

void
FederationHelper::SetAggregatorType(const std::string& typeId)
{
    m_aggregatorFactory.SetTypeId(typeId);
}

void
FederationHelper::SetAggregatorAttribute(const std::string& name, const ns3::AttributeValue& value)
{
    m_aggregatorFactory.Set(name, value);
}

void
FederationHelper::SetAggregator(ns3::Ptr<Aggregator> aggregator)
{
    m_aggregator = aggregator;
}

FederationApps
FederationHelper::Install(ns3::Ptr<ns3::Node> serverNode,
                          const ns3::NodeContainer& clientNodes,
                          std::shared_ptr<LearningTask> task) const
{
    NS_ABORT_MSG_IF(clientNodes.GetN() != task->GetPartition().size(),
                    "FederationHelper::Install: " << clientNodes.GetN() << " client nodes but "
                                                  << task->GetPartition().size() << " partitions");
    FederationApps apps;
    apps.server = m_serverFactory.Create<FederatedServer>();
    apps.server->SetAttribute("Aggregator",
                              ns3::PointerValue(m_aggregator ? m_aggregator
                                                             : m_aggregatorFactory.Create<Aggregator>()));
    apps.server->Setup(task);
    serverNode->AddApplication(apps.server);
    for (uint32_t k = 0; k < clientNodes.GetN(); ++k)
    {
        ns3::Ptr<FederatedClient> client = m_clientFactory.Create<FederatedClient>();
        client->Setup(k, task);
        clientNodes.Get(k)->AddApplication(client);
        apps.server->AddClient(client);
        apps.clients.push_back(client);
    }
    return apps;
}

} // namespace wfl
