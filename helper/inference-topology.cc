#include "inference-topology.h"

#include "ns3/error-model.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/mobility-helper.h"
#include "ns3/neighbor-cache-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/string.h"
#include "ns3/wifi-helper.h"
#include "ns3/wifi-mac-helper.h"
#include "ns3/wifi-net-device.h"
#include "ns3/wifi-phy.h"
#include "ns3/yans-wifi-helper.h"

#include <cmath>
#include <sstream>

namespace wfl
{
namespace
{

using ns3::Ptr;

void
CountBytes(LinkCounters* counters, uint64_t* bytes, Ptr<const ns3::Packet> packet)
{
    *bytes += packet->GetSize();
    counters->streamWireBytes += counters->counting ? packet->GetSize() : 0;
}

void
CountWifiBytes(LinkCounters* counters, uint64_t* bytes, Ptr<const ns3::Packet> packet, double /*txPowerW*/)
{
    CountBytes(counters, bytes, packet);
}

void
CountDrop(LinkCounters* counters, Ptr<const ns3::Packet> /*packet*/)
{
    counters->phyRxDrops += counters->counting ? 1 : 0;
}

void
CountWifiDrop(LinkCounters* counters, Ptr<const ns3::Packet> packet, ns3::WifiPhyRxfailureReason /*reason*/)
{
    CountDrop(counters, packet);
}

/// Packet-unit loss with probability `rate`, on its own stream, disabled until EnableLoss.
Ptr<ns3::RateErrorModel>
LossModel(double rate, InferenceTopology& topo, int64_t& stream)
{
    auto em = ns3::CreateObject<ns3::RateErrorModel>();
    em->SetUnit(ns3::RateErrorModel::ERROR_UNIT_PACKET);
    em->SetRate(rate);
    stream += em->AssignStreams(stream);
    em->Disable();
    topo.lossModels.push_back(em);
    return em;
}

/// A dedicated link between every pair i < j, each its own /30 subnet.
void
BuildPointToPoint(const InferenceSimConfig& config, InferenceTopology& topo, LinkCounters& counters, int64_t& stream)
{
    const int n = static_cast<int>(topo.nodes.GetN());
    ns3::PointToPointHelper p2p;
    const auto bps = static_cast<uint64_t>(std::llround(config.rateMbps * 1e6));
    p2p.SetDeviceAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(bps)));
    const auto delayNs = static_cast<int64_t>(std::llround(config.delayUs * 1e3));
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(ns3::NanoSeconds(delayNs)));
    ns3::Ipv4AddressHelper address("10.0.0.0", "255.255.255.252");
    for (int i = 0; i < n; ++i)
    {
        for (int j = i + 1; j < n; ++j)
        {
            auto devices = p2p.Install(topo.nodes.Get(static_cast<uint32_t>(i)),
                                       topo.nodes.Get(static_cast<uint32_t>(j)));
            auto interfaces = address.Assign(devices);
            address.NewNetwork();
            const int ends[2] = {i, j};
            for (uint32_t e = 0; e < 2; ++e)
            {
                const int self = ends[e];
                const int other = ends[1 - e];
                auto dev = ns3::DynamicCast<ns3::PointToPointNetDevice>(devices.Get(e));
                dev->SetReceiveErrorModel(LossModel(config.lossRate, topo, stream));
                uint64_t* bytes = &counters.wireBytes[static_cast<size_t>(self)][static_cast<size_t>(other)];
                dev->TraceConnectWithoutContext("PhyTxBegin", ns3::MakeBoundCallback(&CountBytes, &counters, bytes));
                dev->TraceConnectWithoutContext("PhyRxDrop", ns3::MakeBoundCallback(&CountDrop, &counters));
                topo.peer[static_cast<size_t>(other)][static_cast<size_t>(self)] = interfaces.GetAddress(e);
                topo.owner[interfaces.GetAddress(e).Get()] = self;
            }
        }
    }
}

/// One ad-hoc 802.11a channel; nodes on a circle of radius 5 m (all in range).
void
BuildWifi(const InferenceSimConfig& config, InferenceTopology& topo, LinkCounters& counters, int64_t& stream)
{
    const int n = static_cast<int>(topo.nodes.GetN());
    topo.wifiRateMbps = ClosestWifiRateMbps(config.rateMbps);
    std::ostringstream mode;
    mode << "OfdmRate" << topo.wifiRateMbps << "Mbps";
    ns3::WifiHelper wifi;
    wifi.SetStandard(ns3::WIFI_STANDARD_80211a);
    // Control frames (ACKs) at the lowest mandatory rate, 6 Mb/s.
    wifi.SetRemoteStationManager("ns3::ConstantRateWifiManager", "DataMode", ns3::StringValue(mode.str()),
                                 "ControlMode", ns3::StringValue("OfdmRate6Mbps"));
    ns3::YansWifiChannelHelper channelHelper = ns3::YansWifiChannelHelper::Default();
    Ptr<ns3::YansWifiChannel> channel = channelHelper.Create();
    stream += channelHelper.AssignStreams(channel, stream);
    ns3::YansWifiPhyHelper phy;
    phy.SetChannel(channel);
    ns3::WifiMacHelper mac;
    mac.SetType("ns3::AdhocWifiMac");
    ns3::NetDeviceContainer devices = wifi.Install(phy, mac, topo.nodes);
    stream += wifi.AssignStreams(devices, stream);

    ns3::MobilityHelper mobility;
    auto positions = ns3::CreateObject<ns3::ListPositionAllocator>();
    for (int i = 0; i < n; ++i)
    {
        const double angle = 2.0 * M_PI * i / n;
        positions->Add(ns3::Vector(5.0 * std::cos(angle), 5.0 * std::sin(angle), 0.0));
    }
    mobility.SetPositionAllocator(positions);
    mobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
    mobility.Install(topo.nodes);

    ns3::Ipv4AddressHelper address("10.0.0.0", "255.255.255.0");
    auto interfaces = address.Assign(devices);
    // Static ARP entries: at start every node would broadcast an ARP request
    // at once, unacknowledged broadcasts collide, and after 3 failed tries ARP
    // marks the neighbour dead for 100 s (ArpCache::DeadTimeout).
    ns3::NeighborCacheHelper neighbours;
    neighbours.PopulateNeighborCache(interfaces);
    for (int i = 0; i < n; ++i)
    {
        auto phyOf = ns3::DynamicCast<ns3::WifiNetDevice>(devices.Get(static_cast<uint32_t>(i)))->GetPhy();
        phyOf->SetPostReceptionErrorModel(LossModel(config.lossRate, topo, stream));
        uint64_t* bytes = &counters.wireBytes[static_cast<size_t>(i)][static_cast<size_t>(i)];
        phyOf->TraceConnectWithoutContext("PhyTxBegin", ns3::MakeBoundCallback(&CountWifiBytes, &counters, bytes));
        phyOf->TraceConnectWithoutContext("PhyRxDrop", ns3::MakeBoundCallback(&CountWifiDrop, &counters));
        const auto addr = interfaces.GetAddress(static_cast<uint32_t>(i));
        topo.owner[addr.Get()] = i;
        for (int from = 0; from < n; ++from)
        {
            topo.peer[static_cast<size_t>(from)][static_cast<size_t>(i)] = addr;
        }
    }
}

} // namespace

void
InferenceTopology::EnableLoss() const
{
    for (const auto& em : lossModels)
    {
        em->Enable();
    }
}

InferenceTopology
BuildInferenceTopology(const InferenceSimConfig& config, int nodeCount, LinkCounters& counters, int64_t& stream)
{
    InferenceTopology topo;
    topo.nodes.Create(static_cast<uint32_t>(nodeCount));
    ns3::InternetStackHelper internet;
    internet.Install(topo.nodes);
    stream += internet.AssignStreams(topo.nodes, stream);
    const size_t n = static_cast<size_t>(nodeCount);
    topo.peer.assign(n, std::vector<ns3::Ipv4Address>(n));
    counters.wireBytes.assign(n, std::vector<uint64_t>(n, 0));
    if (config.network == "p2p")
    {
        BuildPointToPoint(config, topo, counters, stream);
    }
    else
    {
        BuildWifi(config, topo, counters, stream);
    }
    return topo;
}

} // namespace wfl
