/*
 * The HDF5 result of wfl-repurpose (repurpose-study.h; layout in
 * docs/repurpose.md, "wfl-repurpose"). Written whole at the end, to
 * PATH.partial first, without object modification times, so equal studies
 * give equal bytes apart from the /timing datasets.
 */
#include "repurpose-study.h"

#include "input-error.h"
#include "shortest-double.h"
#include "trace-file.h"

#include <H5Cpp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WFL_VERSION
#define WFL_VERSION "unknown"
#endif

namespace wfl
{
namespace
{

/// Creation properties without modification times (byte-identical reruns).
H5::DSetCreatPropList
NoTimes()
{
    H5::DSetCreatPropList props;
    H5Pset_obj_track_times(props.getId(), false);
    return props;
}

H5::Group
NewGroup(H5::Group& parent, const std::string& name)
{
    H5::PropList props(H5Pcreate(H5P_GROUP_CREATE));
    H5Pset_obj_track_times(props.getId(), false);
    const hid_t id = H5Gcreate2(parent.getId(), name.c_str(), H5P_DEFAULT, props.getId(), H5P_DEFAULT);
    if (id < 0)
    {
        throw H5::GroupIException("NewGroup", "cannot create group " + name);
    }
    return H5::Group(id);
}

H5::DataSet
Doubles(H5::Group& g, const std::string& name, const std::vector<double>& v, std::vector<hsize_t> dims = {})
{
    if (dims.empty())
    {
        dims = {v.size()};
    }
    H5::DataSet ds = g.createDataSet(name, H5::PredType::IEEE_F64LE,
                                     H5::DataSpace(static_cast<int>(dims.size()), dims.data()), NoTimes());
    if (!v.empty())
    {
        ds.write(v.data(), H5::PredType::NATIVE_DOUBLE);
    }
    return ds;
}

template <typename T>
H5::DataSet
Ints(H5::Group& g, const std::string& name, const std::vector<T>& v, std::vector<hsize_t> dims = {})
{
    const std::vector<int64_t> wide(v.begin(), v.end());
    if (dims.empty())
    {
        dims = {wide.size()};
    }
    H5::DataSet ds = g.createDataSet(name, H5::PredType::STD_I64LE,
                                     H5::DataSpace(static_cast<int>(dims.size()), dims.data()), NoTimes());
    if (!wide.empty())
    {
        ds.write(wide.data(), H5::PredType::NATIVE_INT64);
    }
    return ds;
}

void
Describe(H5::DataSet ds, const std::string& units, const std::string& description)
{
    WriteStringAttribute(ds, "units", units);
    WriteStringAttribute(ds, "description", description);
}

double
MaxOf(const std::vector<double>& v)
{
    double m = 0.0;
    for (double x : v)
    {
        m = std::max(m, x);
    }
    return m;
}

/// One column of /results: name, units, description, value of a row.
struct Column
{
    const char* name;
    const char* units;
    const char* description;
    double (*value)(const RepurposeStudy&, const RepurposeRow&);
    bool integer;
};

const std::vector<Column>&
ResultColumns()
{
    static const std::vector<Column> columns{
        {"method", "1", "index into the root attribute methods", [](const RepurposeStudy&, const RepurposeRow& r) {
             return double(r.method); }, true},
        {"workers", "1", "K", [](const RepurposeStudy&, const RepurposeRow& r) { return double(r.workers); }, true},
        {"setting", "1", "index into /settings (-1: naive and direct, independent of the setting)",
         [](const RepurposeStudy&, const RepurposeRow& r) { return double(r.setting); }, true},
        {"setting_value", "1", "budget fraction or rho of the setting (NaN for naive and direct)",
         [](const RepurposeStudy& s, const RepurposeRow& r) {
             return r.setting < 0 ? std::numeric_limits<double>::quiet_NaN() : s.settings[size_t(r.setting)]; },
         false},
        {"test_accuracy", "1", "top-1 accuracy of the restructured network on the test images",
         [](const RepurposeStudy&, const RepurposeRow& r) { return r.accuracy; }, false},
        {"accuracy_loss_points", "%", "100 x (original - restructured test accuracy)",
         [](const RepurposeStudy& s, const RepurposeRow& r) { return 100.0 * (s.originalAccuracy - r.accuracy); },
         false},
        {"cross_bytes", "B", "worker-to-worker activation bytes per inference (4 B each)",
         [](const RepurposeStudy&, const RepurposeRow& r) { return double(r.traffic.CrossBytes()); }, true},
        {"source_bytes", "B", "source-to-worker input bytes per inference (4 B each)",
         [](const RepurposeStudy&, const RepurposeRow& r) { return double(r.traffic.SourceBytes()); }, true},
        {"cross_activations", "1", "activations sent between workers per inference",
         [](const RepurposeStudy&, const RepurposeRow& r) { return double(r.traffic.crossActivations); }, true},
        {"max_worker_flops", "FLOP", "largest per-worker FLOPs per inference (2 per kept weight + 1 per neuron)",
         [](const RepurposeStudy&, const RepurposeRow& r) { return MaxOf(r.traffic.flops); }, false},
        {"total_flops", "FLOP", "FLOPs per inference summed over the workers",
         [](const RepurposeStudy&, const RepurposeRow& r) {
             double t = 0.0;
             for (double f : r.traffic.flops) t += f;
             return t; }, false}};
    return columns;
}

/// Per simulated link rate r (inference.rate-mbps): latency_s_<r>mbps and
/// its companions, one value per row (plot_repurpose.py finds latency_*).
void
WriteInferenceColumns(H5::Group& results, const RepurposeStudy& study)
{
    struct Stat
    {
        const char* prefix;
        const char* units;
        const char* description;
        double (*value)(const InferenceSimResult&);
    };
    static const Stat stats[] = {
        {"latency_s_", "s", "mean simulated latency of one inference (source's first send to last logit back)",
         [](const InferenceSimResult& x) { return x.meanLatencyS; }},
        {"p95_latency_s_", "s", "95th percentile of the simulated latency",
         [](const InferenceSimResult& x) { return x.p95LatencyS; }},
        {"throughput_per_s_", "1/s", "inferences per second of the simulated request stream",
         [](const InferenceSimResult& x) { return x.throughputPerS; }},
        {"wire_bytes_", "B", "bytes on the medium per inference (headers, ACKs, retransmissions included)",
         [](const InferenceSimResult& x) { return double(x.wireBytesPerInference); }},
        {"payload_bytes_", "B", "application bytes the receivers counted per inference (activations + logits)",
         [](const InferenceSimResult& x) { return double(x.payloadBytesPerInference); }},
        {"retransmitted_segments_", "1", "TCP segments sent again over the whole simulated stream",
         [](const InferenceSimResult& x) { return double(x.retransmittedSegments); }}};
    for (size_t i = 0; i < study.rates.size(); ++i)
    {
        const std::string suffix = ShortestDouble(study.rates[i]) + "mbps";
        for (const Stat& stat : stats)
        {
            std::vector<double> v;
            for (const RepurposeRow& r : study.rows)
            {
                v.push_back(stat.value(r.inference[i]));
            }
            Describe(Doubles(results, stat.prefix + suffix, v), stat.units, stat.description);
        }
    }
}

void
WriteRow(H5::Group& rows, size_t index, const RepurposeRow& r)
{
    char name[16];
    std::snprintf(name, sizeof(name), "%05zu", index);
    H5::Group g = NewGroup(rows, name);
    Describe(Doubles(g, "worker_flops", r.traffic.flops), "FLOP", "per worker, per inference");
    H5::Group assignment = NewGroup(g, "assignment");
    H5::Group traffic = NewGroup(g, "traffic");
    std::vector<long> kept, cross, crossActs, sourceActs;
    const size_t K = static_cast<size_t>(r.workers);
    for (size_t l = 0; l < r.assignment.size(); ++l)
    {
        const std::string layer = "layer" + std::to_string(l);
        Describe(Ints(assignment, layer, r.assignment[l]), "1", "worker of each output neuron (original order)");
        const LayerTraffic& t = r.traffic.layers[l];
        std::vector<long> counts(K * (K + 1), 0);
        for (size_t k = 0; k < K; ++k)
        {
            for (size_t p = 0; p <= K; ++p)
            {
                counts[k * (K + 1) + p] = static_cast<long>(t.needs[k][p].size());
            }
        }
        Describe(Ints(traffic, layer, counts, {K, K + 1}), "1",
                 "activations worker k (row) receives from node p (column; p = K is the source)");
        kept.push_back(t.keptWeights);
        cross.push_back(t.crossWeights);
        crossActs.push_back(t.crossActivations);
        sourceActs.push_back(t.sourceActivations);
    }
    H5::Group layers = NewGroup(g, "layers");
    Describe(Ints(layers, "kept_weights", kept), "1", "weights the mask keeps, per layer");
    Describe(Ints(layers, "cross_weights", cross), "1", "kept weights whose input is on another worker");
    Describe(Ints(layers, "cross_activations", crossActs), "1", "activations sent between workers");
    Describe(Ints(layers, "source_activations", sourceActs), "1", "activations sent by the source");
    if (!r.history.empty())
    {
        H5::Group h = NewGroup(g, "history");
        std::vector<double> layer, iteration, units, mse, rel, objective, cost;
        for (const IterationRecord& it : r.history)
        {
            layer.push_back(it.layer);
            iteration.push_back(it.iteration);
            units.push_back(double(it.crossUnits));
            mse.push_back(it.mse);
            rel.push_back(it.relativeError);
            objective.push_back(it.objective);
            cost.push_back(it.assignmentCost);
        }
        Describe(Ints(h, "layer", layer), "1", "layer of the iterate");
        Describe(Ints(h, "iteration", iteration), "1", "alternation index within the layer");
        Describe(Ints(h, "cross_units", units), "1", "kept cross units (repurpose.unit)");
        Describe(Doubles(h, "mse", mse), "Z^2", "mean over samples of ||Z - Z_hat||^2");
        Describe(Doubles(h, "relative_error", rel), "1", "||Z - Z_hat||_F^2 / ||Z||_F^2");
        Describe(Doubles(h, "objective", objective), "Z^2", "mse + max(rho, 0) x cross_units");
        Describe(Doubles(h, "assignment_cost", cost), "1", "incoming + outgoing cost of the assignment");
        Describe(Ints(g, "chosen_iteration", r.chosenIteration), "1", "iterate kept, per layer");
    }
}

void
WriteFile(const std::string& partial, const std::string& commandLine, const RepurposeToolConfig& config,
          const RepurposeStudy& study)
{
    H5::Exception::dontPrint();
    H5::H5File file(partial, H5F_ACC_TRUNC);
    H5::Group root = file.openGroup("/");
    WriteStringAttribute(root, "tool", "wfl-repurpose");
    WriteFloat64Attribute(root, "format_version", 1);
    WriteStringAttribute(root, "wfl_version", WFL_VERSION);
    WriteStringAttribute(root, "command_line", commandLine);
    WriteStringAttribute(root, "config", RepurposeIni(config));
    WriteStringAttribute(root, "model_path", config.model);
    WriteStringAttribute(root, "model_kind", study.model.spec.model.kind);
    std::string widths;
    for (int w : study.widths)
    {
        widths += (widths.empty() ? "" : "-") + std::to_string(w);
    }
    WriteStringAttribute(root, "dense_widths", widths);
    WriteStringAttribute(root, "dataset", study.model.dataset);
    WriteFloat64Attribute(root, "original_accuracy", study.originalAccuracy);
    WriteFloat64Attribute(root, "test_samples", double(study.testSamples));
    WriteFloat64Attribute(root, "calibration_samples", double(study.calibrationSamples));
    WriteStringAttribute(root, "methods", "naive,direct,magnitude,repurpose");
    WriteStringAttribute(root, "setting_kind", study.rhoSettings ? "rho" : "budget_fraction");
    WriteStringAttribute(root, "input", config.input);
    Describe(Doubles(root, "settings", study.settings), study.rhoSettings ? "Z^2" : "1",
             study.rhoSettings ? "rho per setting" : "cross budget per layer as a fraction of the naive split's");
    H5::Group results = NewGroup(root, "results");
    for (const Column& c : ResultColumns())
    {
        std::vector<double> v;
        for (const RepurposeRow& r : study.rows)
        {
            v.push_back(c.value(study, r));
        }
        Describe(c.integer ? Ints(results, c.name, v) : Doubles(results, c.name, v), c.units, c.description);
    }
    WriteInferenceColumns(results, study);
    H5::Group timing = NewGroup(root, "timing");
    std::vector<double> wall, cpu;
    for (const RepurposeRow& r : study.rows)
    {
        wall.push_back(r.wallSeconds);
        cpu.push_back(r.cpuSeconds);
    }
    Describe(Doubles(timing, "restructure_wall_s", wall), "s", "wall time of the restructuring (0 for baselines)");
    Describe(Doubles(timing, "restructure_cpu_s", cpu), "s", "CPU time of the restructuring thread");
    H5::Group rows = NewGroup(root, "rows");
    for (size_t i = 0; i < study.rows.size(); ++i)
    {
        WriteRow(rows, i, study.rows[i]);
    }
    file.close();
}

} // namespace

void
WriteRepurposeResult(const std::string& path, bool overwrite, const std::string& commandLine,
                     const RepurposeToolConfig& config, const RepurposeStudy& study)
{
    if (!overwrite && access(path.c_str(), F_OK) == 0)
    {
        throw InputError("output: " + path + " already exists; choose another path or pass --overwrite");
    }
    const std::string partial = path + ".partial";
    try
    {
        WriteFile(partial, commandLine, config, study);
    }
    catch (const H5::Exception& e)
    {
        unlink(partial.c_str());
        throw InputError("output: cannot write " + path + " (" + e.getDetailMsg() + ")");
    }
    if (std::rename(partial.c_str(), path.c_str()) != 0)
    {
        const std::string reason = std::strerror(errno);
        unlink(partial.c_str());
        throw InputError("output: cannot create " + path + " (" + reason + ")");
    }
}

} // namespace wfl
