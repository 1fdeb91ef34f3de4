/*
 * ns-3 style helper that puts a federated-learning server and its clients on
 * nodes: configure the parts through Attributes, Install, then run the
 * simulator.
 *
 *   FederationHelper fl;
 *   fl.SetServerAttribute("Rounds", UintegerValue(20));
 *   fl.SetAggregatorType("wfl::IdealAggregator");
 *   FederationApps apps = fl.Install(serverNode, clientNodes, task);
 */
#ifndef WFL_FEDERATION_HELPER_H
#define WFL_FEDERATION_HELPER_H

#include "federated-client.h"
#include "aggregator.h"
#include "federated-server.h"

#include "ns3/node-container.h"
#include "ns3/object-factory.h"

#include <memory>
#include <string>
#include <vector>

namespace wfl
{

class LearningTask;

struct FederationApps
{
    ns3::Ptr<FederatedServer> server;
    std::vector<ns3::Ptr<FederatedClient>> clients; ///< clients[k] trains partition k
};

class FederationHelper
{
  public:
    FederationHelper();

    void SetServerAttribute(const std::string& name, const ns3::AttributeValue& value);
    void SetClientAttribute(const std::string& name, const ns3::AttributeValue& value);
    /// TypeId name of the aggregation stage (a subclass of wfl::Aggregator).
    void SetAggregatorType(const std::string& typeId);
    void SetAggregatorAttribute(const std::string& name, const ns3::AttributeValue& value);
    /// Use this aggregator object instead of creating one from the type.
    void SetAggregator(ns3::Ptr<Aggregator> aggregator);

    /**
     * Install the server on `serverNode` and client k on clientNodes.Get(k).
     * The number of client nodes must equal the task's number of partitions.
     */
    FederationApps Install(ns3::Ptr<ns3::Node> serverNode,
                           const ns3::NodeContainer& clientNodes,
                           std::shared_ptr<LearningTask> task) const;

  private:
    ns3::ObjectFactory m_serverFactory;
    ns3::ObjectFactory m_clientFactory;
    ns3::ObjectFactory m_aggregatorFactory;
    ns3::Ptr<Aggregator> m_aggregator;
};

} // namespace wfl

#endif
