#include "hdf5-trace-sink.h"

#include "federated-server.h"

#include "ns3/callback.h"

#include <ctime>

#ifndef WFL_VERSION
#define WFL_VERSION "unknown"
#endif

namespace wfl
{

std::string
UtcNow()
{
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

Hdf5TraceSink::Hdf5TraceSink(const std::string& path, bool overwrite, const RunMetadata& metadata)
    : m_file(path, overwrite)
{
    m_file.SetAttribute("schema_version", kTraceSchemaVersion);
    m_file.SetAttribute("wfl_version", std::string(WFL_VERSION));
    m_file.SetAttribute("config", metadata.configIni);
    m_file.SetAttribute("seed", static_cast<int64_t>(metadata.seed));
    m_file.SetAttribute("command_line", metadata.commandLine);
    m_file.SetAttribute("dataset", metadata.dataset);
    m_file.SetAttribute("model", metadata.model);
    m_file.SetAttribute("num_params", metadata.numParams);
    m_file.SetAttribute("coding_scheme", metadata.codingScheme);
    m_file.SetAttribute("max_power_w", metadata.maxPowerW);
    m_file.SetAttribute("power_limit", metadata.powerLimit);
    m_file.SetAttribute("energy_budget_j", metadata.energyBudgetJ);
    m_file.SetAttribute("noise_power_w", metadata.noisePowerW);
    m_file.SetAttribute("start_time_utc", UtcNow());
    m_file.SetAttribute("end_time_utc", std::string());
    m_file.SetAttribute("complete", int64_t{0});
    WriteRunStatus("incomplete", 0);
    m_file.SetGroupAttributes("config", metadata.config);

    using T = ColumnType;
    m_file.AddTable("rounds",
                    {{"round", T::Int64, "1", "round index, from 1"},
                     {"sim_time_s", T::Float64, "s", "ns-3 clock at the end of the round"},
                     {"test_accuracy", T::Float64, "1", "top-1 test accuracy (NaN if not evaluated)"},
                     {"test_loss", T::Float64, "nat", "mean test cross-entropy (NaN if not evaluated)"},
                     {"train_loss", T::Float64, "nat", "sample-weighted mean local training loss"},
                     {"test_top_class_share", T::Float64, "1",
                      "largest share of the test images given one class: 1/C for an even spread "
                      "over C classes, >= 0.9 for a collapsed model (NaN if not evaluated)"},
                     {"participants", T::Int64, "1", "clients that trained (not idle)"},
                     {"stragglers", T::Int64, "1", "clients that missed the round deadline"},
                     {"channel_uses", T::Int64, "1", "complex channel uses of the uplink"},
                     {"airtime_s", T::Float64, "s", "uplink airtime"},
                     {"mean_rx_snr_db", T::Float64, "dB",
                      "received signal power over noise power (NaN for ideal)"},
                     {"energy_j", T::Float64, "J", "transmit energy of all clients"},
                     {"nmse", T::Float64, "1",
                      "||g_hat - g_avg||^2 / ||g_avg||^2 against the exact average"},
                     {"active_clients", T::Int64, "1", "clients that transmitted"},
                     {"bits", T::Float64, "bit", "payload bits of all clients (digital)"},
                     {"bits_entropy", T::Float64, "bit",
                      "the same messages at their empirical entropy (digital)"},
                     {"data_uses", T::Int64, "1", "channel uses carrying update symbols (over the air)"},
                     {"pilot_uses", T::Int64, "1", "pilot channel uses, one per coherence block if any"},
                     {"feedback_uses", T::Int64, "1",
                      "report channel uses: feedback-uses x scheduled clients x blocks"},
                     {"receive_scale", T::Float64, "sqrt(W)",
                      "common receive scale c of the first coherence block (inverting policies)"},
                     {"average_norm", T::Float64, "1",
                      "||g_avg||, norm of the exact weighted average update (beside the channel)"},
                     {"noise_power_w", T::Float64, "W", "noise power sigma^2 per complex channel use"},
                     {"active_weight", T::Float64, "1",
                      "W: sum of w_k (over the mean scheduled weight) of the clients that sent "
                      "in the first block"},
                     {"active_weight_estimate", T::Float64, "1",
                      "the weight the server divided by in the first block: W with feedback, the "
                      "pilot's estimate when blind"},
                     {"clipped_clients", T::Int64, "1",
                      "clients whose ||w_k g_k|| was clipped to power.norm-bound (blind)"},
                     {"failed_messages", T::Float64, "1",
                      "digital messages decoded with a wrong entry, seen beside the channel "
                      "(NDQSG's wrong coset members; NaN where a scheme cannot fail)"},
                     {"wrong_entries", T::Float64, "1",
                      "entries decoded wrongly in those messages (NaN likewise)"}});
    m_file.AddTable("clients",
                    {{"round", T::Int64, "1", "round index"},
                     {"client", T::Int64, "1", "client index"},
                     {"samples", T::Int64, "1", "local training samples (FedAvg weight)"},
                     {"local_loss", T::Float64, "nat", "mean mini-batch loss of local training"},
                     {"fading_abs", T::Float64, "1", "|h| small-scale, first coherence block"},
                     {"path_loss_db", T::Float64, "dB", "large-scale path loss"},
                     {"tx_energy_j", T::Float64, "J", "transmit energy in the round"},
                     {"power_w", T::Float64, "W",
                      "largest mean transmit power over a coherence block it sent in"},
                     {"peak_power_w", T::Float64, "W", "largest transmitted symbol power"},
                     {"active", T::Int64, "1", "1 if it transmitted (not truncated or dropped)"},
                     {"bits", T::Float64, "bit", "payload bits (digital): raw, rate header included"},
                     {"bits_entropy", T::Float64, "bit",
                      "the same message at its empirical entropy, header included (digital)"},
                     {"straggler", T::Int64, "1", "1 if it missed the deadline (update unused)"}});
    m_file.AddTable("timing",
                    {{"round", T::Int64, "1", "round index"},
                     {"wall_round_s", T::Float64, "s", "the whole round except evaluation"},
                     {"wall_train_s", T::Float64, "s", "local training, summed over clients"},
                     {"wall_encode_s", T::Float64, "s", "coding at the clients (over the air)"},
                     {"wall_channel_s", T::Float64, "s", "power allocation and channel"},
                     {"wall_decode_s", T::Float64, "s", "decoding at the server"},
                     {"wall_aggregate_s", T::Float64, "s", "whole aggregation stage"},
                     {"wall_eval_s", T::Float64, "s", "test-set evaluation"}});
    m_file.Publish();
}

void
Hdf5TraceSink::ConnectTo(ns3::Ptr<FederatedServer> server)
{
    server->TraceConnectWithoutContext(
        "RoundCompleted",
        ns3::MakeCallback(&Hdf5TraceSink::OnRoundCompleted, this));
}

void
Hdf5TraceSink::OnRoundCompleted(const RoundRecord& record)
{
    const AggregationResult& up = record.uplink;
    m_file.Table("rounds").Append({{static_cast<double>(record.round)},
                                   {record.simTimeS},
                                   {record.testAccuracy},
                                   {record.testLoss},
                                   {record.trainLoss},
                                   {record.testTopClassShare},
                                   {static_cast<double>(record.participants)},
                                   {static_cast<double>(record.stragglers)},
                                   {static_cast<double>(up.channelUses)},
                                   {up.airtime.GetSeconds()},
                                   {up.meanRxSnrDb},
                                   {up.energyJ},
                                   {up.nmse},
                                   {static_cast<double>(up.activeClients)},
                                   {up.bits},
                                   {up.bitsEntropy},
                                   {static_cast<double>(up.dataUses)},
                                   {static_cast<double>(up.pilotUses)},
                                   {static_cast<double>(up.feedbackUses)},
                                   {up.receiveScale},
                                   {up.averageNorm},
                                   {up.noisePowerW},
                                   {up.activeWeight},
                                   {up.activeWeightEstimate},
                                   {static_cast<double>(up.clippedClients)},
                                   {up.failedMessages},
                                   {up.wrongEntries}});
    std::vector<std::vector<double>> clients(13);
    for (const ClientRecord& c : record.clients)
    {
        const std::vector<double> row{static_cast<double>(record.round),
                                      static_cast<double>(c.client),
                                      static_cast<double>(c.samples),
                                      c.localLoss,
                                      c.link.fadingAbs,
                                      c.link.pathLossDb,
                                      c.link.txEnergyJ,
                                      c.link.powerW,
                                      c.link.peakPowerW,
                                      c.link.active ? 1.0 : 0.0,
                                      c.link.bits,
                                      c.link.bitsEntropy,
                                      c.straggler ? 1.0 : 0.0};
        for (size_t i = 0; i < row.size(); ++i)
        {
            clients[i].push_back(row[i]);
        }
    }
    m_file.Table("clients").Append(clients);
    m_file.Table("timing").Append({{static_cast<double>(record.round)},
                                   {record.wallRoundS},
                                   {record.wallTrainS},
                                   {up.wallEncodeS},
                                   {up.wallChannelS},
                                   {up.wallDecodeS},
                                   {record.wallAggregateS},
                                   {record.wallEvalS}});
    m_file.Flush();
}

void
Hdf5TraceSink::MarkComplete()
{
    m_file.SetAttribute("end_time_utc", UtcNow());
    m_file.SetAttribute("complete", int64_t{1});
    WriteRunStatus("complete", 0);
    m_file.Flush();
}

// ---- How the run ended (root attributes status, diverged, diverged_round) ----
// Kept apart from the per-round columns above. `complete` stays the flag old
// readers know: 1 only after every configured round; a diverged run keeps 0.

void
Hdf5TraceSink::MarkDiverged(uint32_t round)
{
    m_file.SetAttribute("end_time_utc", UtcNow());
    WriteRunStatus("diverged", round);
    m_file.Flush();
}

void
Hdf5TraceSink::WriteModel(const SavedModel& model)
{
    WriteModelGroup(m_file.CreateGroup("model"), model);
    m_file.Flush();
}

void
Hdf5TraceSink::WriteRunStatus(const std::string& status, uint32_t divergedRound)
{
    m_file.SetAttribute("status", status);
    m_file.SetAttribute("diverged", int64_t{divergedRound > 0 ? 1 : 0});
    m_file.SetAttribute("diverged_round", static_cast<int64_t>(divergedRound));
}

} // namespace wfl
