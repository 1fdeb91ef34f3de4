// The TCP side of InferenceRun: one connection per ordered node pair that
// carries messages, opened before the stream; the byte counts the receivers see.
#include "inference-run.h"

#include "ns3/boolean.h"
#include "ns3/inet-socket-address.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"
#include "ns3/tcp-header.h"
#include "ns3/tcp-socket-base.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace wfl
{
namespace
{

constexpr uint16_t kPort = 9000;
/// Largest TCP payload per segment: 1500-byte IP MTU - 20 (IPv4) - 32 (TCP
/// with the timestamp option ns-3 sends by default).
constexpr uint32_t kSegmentBytes = 1448;
/// Quiet time between the last handshake and the first request, so that
/// handshake frames are not counted as inference traffic.
constexpr double kSettleS = 0.1;
/// Receivers' delayed-ACK timeout, ms (Linux's TCP_DELACK_MIN).
constexpr int64_t kDelAckMs = 40;

} // namespace

void
InferenceRun::OpenConnections()
{
    const auto tcp = ns3::TcpSocketFactory::GetTypeId();
    const int nodes = m_workers + 1;
    for (int n = 0; n < nodes; ++n)
    {
        auto listener = ns3::Socket::CreateSocket(m_topo.nodes.Get(static_cast<uint32_t>(n)), tcp);
        // Accepted sockets are copies of the listener: the receivers' delayed
        // ACK timeout is Linux's minimum, 40 ms (ns-3: 200 ms, which equals
        // the minimum RTO and makes retransmissions fire before the ACK).
        listener->SetAttribute("DelAckTimeout", ns3::TimeValue(ns3::MilliSeconds(kDelAckMs)));
        listener->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kPort));
        listener->Listen();
        listener->SetAcceptCallback(ns3::MakeNullCallback<bool, ns3::Ptr<ns3::Socket>, const ns3::Address&>(),
                                    ns3::MakeCallback(&InferenceRun::OnAccept, this));
        m_sockets.push_back(listener);
    }
    for (size_t i = 0; i < m_conns.size(); ++i)
    {
        Connection& c = m_conns[i];
        const int id = static_cast<int>(i);
        c.tx = ns3::Socket::CreateSocket(m_topo.nodes.Get(static_cast<uint32_t>(c.from)), tcp);
        c.tx->SetAttribute("SegmentSize", ns3::UintegerValue(kSegmentBytes));
        c.tx->SetAttribute("TcpNoDelay", ns3::BooleanValue(true)); // a message goes out at once
        c.tx->SetAttribute("MinRto", ns3::TimeValue(ns3::Seconds(m_config.tcpMinRtoMs * 1e-3)));
        c.tx->TraceConnectWithoutContext("Tx", ns3::MakeCallback(&InferenceRun::OnTcpTx, this, id));
        c.tx->SetConnectCallback(ns3::MakeCallback(&InferenceRun::OnConnected, this, id),
                                 ns3::MakeCallback(&InferenceRun::OnConnectFailed, this, id));
        c.tx->SetSendCallback(ns3::MakeCallback(&InferenceRun::OnSendSpace, this, id));
        c.tx->Bind();
        const auto& peer = m_topo.peer[static_cast<size_t>(c.from)][static_cast<size_t>(c.to)];
        c.tx->Connect(ns3::InetSocketAddress(peer, kPort));
    }
}

void
InferenceRun::OnConnected(int /*conn*/, ns3::Ptr<ns3::Socket> /*socket*/)
{
    if (++m_connected == static_cast<int>(m_conns.size()))
    {
        ns3::Simulator::Schedule(ns3::Seconds(kSettleS), &InferenceRun::Issue, this, 0U);
    }
}

void
InferenceRun::OnConnectFailed(int conn, ns3::Ptr<ns3::Socket> /*socket*/)
{
    const Connection& c = m_conns[static_cast<size_t>(conn)];
    throw std::runtime_error("inference simulation: TCP connection " + std::to_string(c.from) + " -> " +
                             std::to_string(c.to) + " failed");
}

void
InferenceRun::OnAccept(ns3::Ptr<ns3::Socket> socket, const ns3::Address& from)
{
    const auto peer = ns3::InetSocketAddress::ConvertFrom(from).GetIpv4();
    const int sender = m_topo.owner.at(peer.Get());
    int receiver = -1;
    for (uint32_t n = 0; n < m_topo.nodes.GetN(); ++n)
    {
        receiver = m_topo.nodes.Get(n) == socket->GetNode() ? static_cast<int>(n) : receiver;
    }
    const int conn = m_connIndex.at(static_cast<size_t>(sender)).at(static_cast<size_t>(receiver));
    if (conn < 0)
    {
        throw std::logic_error("inference simulation: unexpected connection");
    }
    socket->SetRecvCallback(ns3::MakeCallback(&InferenceRun::OnReceive, this, conn));
    m_sockets.push_back(socket);
}

void
InferenceRun::OnReceive(int conn, ns3::Ptr<ns3::Socket> socket)
{
    Connection& c = m_conns[static_cast<size_t>(conn)];
    while (auto packet = socket->Recv())
    {
        const uint64_t size = packet->GetSize();
        m_payload[static_cast<size_t>(c.from)][static_cast<size_t>(c.to)] += size;
        Consume(c, size);
    }
}

void
InferenceRun::OnSendSpace(int conn, ns3::Ptr<ns3::Socket> /*socket*/, uint32_t /*available*/)
{
    Pump(m_conns[static_cast<size_t>(conn)]);
}

/// A data segment that does not extend the highest sequence sent is a retransmission.
void
InferenceRun::OnTcpTx(int conn,
                      ns3::Ptr<const ns3::Packet> packet,
                      const ns3::TcpHeader& header,
                      ns3::Ptr<const ns3::TcpSocketBase> /*socket*/)
{
    if (packet->GetSize() == 0)
    {
        return;
    }
    Connection& c = m_conns[static_cast<size_t>(conn)];
    const ns3::SequenceNumber32 end = header.GetSequenceNumber() + packet->GetSize();
    if (c.txSeen && end <= c.highestTx)
    {
        ++m_retransmitted;
        return;
    }
    c.txSeen = true;
    c.highestTx = end;
}

void
InferenceRun::Send(int from, int to, uint64_t bytes)
{
    const int conn = m_connIndex[static_cast<size_t>(from)][static_cast<size_t>(to)];
    Connection& c = m_conns[static_cast<size_t>(conn)];
    c.pendingTx += bytes;
    Pump(c);
}

/// Hand TCP as much of the pending bytes as its send buffer takes.
void
InferenceRun::Pump(Connection& c)
{
    while (c.pendingTx > 0)
    {
        const uint64_t room = c.tx->GetTxAvailable();
        if (room == 0)
        {
            return;
        }
        const auto n = static_cast<uint32_t>(std::min(room, c.pendingTx));
        if (c.tx->Send(ns3::Create<ns3::Packet>(n)) < 0)
        {
            return;
        }
        c.pendingTx -= n;
    }
}

} // namespace wfl
