#include "update-trace-sink.h"

#include "federated-server.h"
#include "trace-keys.h"

#include "ns3/callback.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace wfl
{
namespace
{

std::string
Padded(const char* prefix, uint32_t value)
{
    char text[32];
    std::snprintf(text, sizeof(text), "%s%04u", prefix, value);
    return text;
}

void
WriteStrings(H5::Group& group, const std::string& name, const std::vector<std::string>& values)
{
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    type.setCset(H5T_CSET_UTF8);
    const hsize_t dims[1] = {values.size()};
    H5::DataSet dataset = group.createDataSet(name, type, H5::DataSpace(1, dims));
    std::vector<const char*> pointers;
    for (const std::string& v : values)
    {
        pointers.push_back(v.c_str());
    }
    dataset.write(pointers.data(), type);
}

void
WriteInt64s(H5::Group& group, const std::string& name, const std::vector<int64_t>& values)
{
    const hsize_t dims[1] = {values.size()};
    H5::DataSet dataset = group.createDataSet(name, H5::PredType::STD_I64LE, H5::DataSpace(1, dims));
    dataset.write(values.data(), H5::PredType::NATIVE_INT64);
}

} // namespace

std::string
SavedRoundName(uint32_t round)
{
    return Padded("round_", round);
}

std::string
SavedClientName(uint32_t client)
{
    return Padded("client_", client);
}

UpdateTraceSink::UpdateTraceSink(TraceFile& file, UpdateSaving saving)
    : m_file(file),
      m_saving(std::move(saving)),
      m_pending(m_saving.rounds.begin(), m_saving.rounds.end())
{
    H5::Group updates = m_file.Group("/updates");
    int64_t numParams = 0;
    for (const TensorLayout& t : m_saving.layout)
    {
        numParams += static_cast<int64_t>(t.Size());
    }
    WriteStringAttribute(updates, "rounds", FormatRoundList(m_saving.rounds));
    WriteInt64Attribute(updates, "clients", m_saving.clients);
    WriteInt64Attribute(updates, "num_params", numParams);
    WriteFloat64Attribute(updates, "learning_rate", m_saving.learningRate);
    WriteFloat64Attribute(updates, "lr_decay", m_saving.learningRateDecay);
    WriteInt64Attribute(updates, "fedsgd", m_saving.fedSgd ? 1 : 0);
    WriteStringAttribute(updates, "description",
                         "client updates u = w_client - w_global (float32) as the uplink received them; "
                         "fedsgd = 1: u = -lr_t g up to float rounding, lr_t = learning_rate * "
                         "lr_decay^(round-1) (README, Saved updates)");
    WriteLayout();
    m_file.Flush();
}

void
UpdateTraceSink::WriteLayout()
{
    H5::Group group = m_file.Group("/updates/layout");
    std::vector<std::string> names, shapes;
    std::vector<int64_t> offsets, sizes;
    for (const TensorLayout& t : m_saving.layout)
    {
        names.push_back(t.name);
        offsets.push_back(static_cast<int64_t>(t.offset));
        sizes.push_back(static_cast<int64_t>(t.Size()));
        std::string shape;
        for (size_t d : t.shape)
        {
            shape += (shape.empty() ? "" : ",") + std::to_string(d);
        }
        shapes.push_back(shape);
    }
    WriteStrings(group, "name", names);
    WriteInt64s(group, "offset", offsets);
    WriteInt64s(group, "size", sizes);
    WriteStrings(group, "shape", shapes);
}

void
UpdateTraceSink::ConnectTo(ns3::Ptr<Aggregator> uplink, ns3::Ptr<FederatedServer> server)
{
    uplink->TraceConnectWithoutContext("Contributions",
                                       ns3::MakeCallback(&UpdateTraceSink::OnContributions, this));
    server->TraceConnectWithoutContext("RoundCompleted",
                                       ns3::MakeCallback(&UpdateTraceSink::OnRoundCompleted, this));
}

void
UpdateTraceSink::WriteRound(uint32_t round, size_t contributors, size_t saved)
{
    H5::Group group = m_file.Group("/updates/" + SavedRoundName(round));
    const double lr = m_saving.learningRate * std::pow(m_saving.learningRateDecay, static_cast<double>(round) - 1.0);
    WriteInt64Attribute(group, "round", round);
    WriteFloat64Attribute(group, "learning_rate", lr);
    WriteInt64Attribute(group, "contributors", static_cast<int64_t>(contributors));
    WriteInt64Attribute(group, "saved", static_cast<int64_t>(saved));
    m_pending.erase(round);
}

void
UpdateTraceSink::OnContributions(uint32_t round, const std::vector<ClientContribution>& contributions)
{
    if (m_pending.count(round) == 0)
    {
        return;
    }
    // The lowest client indices, whatever order the contributions come in.
    std::vector<const ClientContribution*> chosen;
    for (const ClientContribution& c : contributions)
    {
        chosen.push_back(&c);
    }
    std::sort(chosen.begin(), chosen.end(), [](const auto* a, const auto* b) { return a->client < b->client; });
    chosen.resize(std::min<size_t>(chosen.size(), m_saving.clients));
    const std::string path = "/updates/" + SavedRoundName(round);
    WriteRound(round, contributions.size(), chosen.size());
    H5::Group group = m_file.Group(path);
    for (const ClientContribution* c : chosen)
    {
        const hsize_t dims[1] = {static_cast<hsize_t>(c->update->size())};
        H5::DataSet dataset =
            group.createDataSet(SavedClientName(c->client), H5::PredType::IEEE_F32LE, H5::DataSpace(1, dims));
        dataset.write(c->update->data(), H5::PredType::NATIVE_FLOAT);
        WriteInt64Attribute(dataset, "round", round);
        WriteInt64Attribute(dataset, "client", c->client);
        WriteFloat64Attribute(dataset, "weight", c->weight);
    }
    m_file.Flush();
}

void
UpdateTraceSink::OnRoundCompleted(const RoundRecord& record)
{
    // A saved round in which no update reached the server (all idle or late)
    // says so in the file instead of being missing.
    if (m_pending.count(record.round) > 0)
    {
        WriteRound(record.round, 0, 0);
        m_file.Flush();
    }
}

} // namespace wfl
