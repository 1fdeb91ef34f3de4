/*
 * One simulated stream of parallel inferences: the per-node protocol of
 * docs/repurpose.md "Inference over ns-3". Each ordered pair of nodes that
 * exchanges activations has one persistent TCP connection; a message is a
 * run of bytes on it, and since every node sends in (request, layer) order
 * the receiver splits the stream into messages by their known sizes (the
 * restructured model fixes them), so no framing bytes are needed.
 */
#ifndef WFL_INFERENCE_RUN_H
#define WFL_INFERENCE_RUN_H

#include "inference-sim.h"
#include "inference-topology.h"

#include "ns3/ptr.h"
#include "ns3/sequence-number.h"
#include "ns3/socket.h"

#include <cstdint>
#include <vector>

namespace ns3
{
class TcpHeader;
class TcpSocketBase;
} // namespace ns3

namespace wfl
{

class InferenceRun
{
  public:
    /// The traffic and config must be valid (ValidateInferenceConfig) and outlive the run.
    InferenceRun(const NetworkTraffic& traffic, int workers, const InferenceSimConfig& config);

    /// Build the network, connect, simulate every request; Simulator::Destroy is left to the caller.
    void Run();

    InferenceSimResult Result() const;

  private:
    struct Message
    {
        int layer;      ///< layer whose input it carries; L = logits
        uint64_t bytes; ///< > 0
    };

    struct Connection
    {
        int from = 0;
        int to = 0;
        std::vector<Message> pattern; ///< what one request puts on it, in send order
        ns3::Ptr<ns3::Socket> tx;
        uint64_t pendingTx = 0;  ///< bytes handed over but not yet accepted by TCP
        uint32_t rxRequest = 0;  ///< receiver's position in the stream
        size_t rxIndex = 0;
        uint64_t rxBytes = 0;
        bool txSeen = false;     ///< highestTx is valid
        ns3::SequenceNumber32 highestTx; ///< end of the highest data segment sent
    };

    struct Worker
    {
        uint32_t request = 0;
        int layer = 0;
        bool busy = false;
        bool started = false; ///< has begun `request` (sent the inputs it holds)
    };

    const std::vector<int>& Needs(int layer, int worker, int from) const;
    void BuildConnections();
    void OpenConnections();
    void OnConnected(int conn, ns3::Ptr<ns3::Socket> socket);
    void OnConnectFailed(int conn, ns3::Ptr<ns3::Socket> socket);
    void OnAccept(ns3::Ptr<ns3::Socket> socket, const ns3::Address& from);
    void OnReceive(int conn, ns3::Ptr<ns3::Socket> socket);
    void OnSendSpace(int conn, ns3::Ptr<ns3::Socket> socket, uint32_t available);
    void OnTcpTx(int conn, ns3::Ptr<const ns3::Packet> packet, const ns3::TcpHeader& header,
                 ns3::Ptr<const ns3::TcpSocketBase> socket);
    void Send(int from, int to, uint64_t bytes);
    void Pump(Connection& c);
    void Consume(Connection& c, uint64_t bytes);
    void Deliver(const Connection& c, uint32_t request, int layer);
    void Issue(uint32_t request);
    void Complete(uint32_t request);
    void TryAdvance(int worker);
    void FinishCompute(int worker);
    void SendOutputs(int worker, int layer);

    const NetworkTraffic& m_traffic;
    const int m_workers;
    const int m_layers;
    const InferenceSimConfig& m_config;
    LinkCounters m_counters;
    InferenceTopology m_topo;
    std::vector<Connection> m_conns;
    std::vector<std::vector<int>> m_connIndex; ///< [from][to], -1 = no messages
    std::vector<ns3::Ptr<ns3::Socket>> m_sockets; ///< listeners and accepted sockets
    int m_connected = 0;
    std::vector<int> m_logits;                    ///< per worker
    std::vector<std::vector<int>> m_needCount;    ///< [worker][layer]: senders it waits for
    std::vector<std::vector<uint32_t>> m_received; ///< [worker][request * L + layer]
    std::vector<Worker> m_state;
    std::vector<bool> m_issued;
    std::vector<double> m_issueTime;
    std::vector<int> m_logitsArrived;
    int m_logitSenders = 0;
    std::vector<double> m_latency;
    uint32_t m_completed = 0;
    double m_firstIssue = 0;
    double m_lastCompletion = 0;
    uint64_t m_retransmitted = 0;
    std::vector<std::vector<uint64_t>> m_payload; ///< [from][to]
};

} // namespace wfl

#endif
