#include "sweep-index.h"

#include "evaluation.h"
#include "input-error.h"
#include "scenario-runner.h"
#include "sweep-runner.h"
#include "trace-reader.h"

#include <H5Cpp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace wfl
{
namespace
{

bool
Exists(const std::string& path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

void
WriteStrings(H5::Group& group, const std::string& name, const std::vector<std::string>& values)
{
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    type.setCset(H5T_CSET_UTF8);
    const hsize_t size[1] = {values.size()};
    H5::DataSet ds = group.createDataSet(name, type, H5::DataSpace(1, size));
    std::vector<const char*> raw;
    for (const std::string& v : values)
    {
        raw.push_back(v.c_str());
    }
    if (!values.empty())
    {
        ds.write(raw.data(), type);
    }
}

template <typename T>
void
WriteNumbers(H5::Group& group, const std::string& name, const std::vector<T>& values)
{
    const bool isDouble = std::is_floating_point<T>::value;
    const hsize_t size[1] = {values.size()};
    H5::DataSet ds = group.createDataSet(
        name, isDouble ? H5::PredType::IEEE_F64LE : H5::PredType::STD_I64LE, H5::DataSpace(1, size));
    if (!values.empty())
    {
        ds.write(values.data(), isDouble ? H5::PredType::NATIVE_DOUBLE : H5::PredType::NATIVE_INT64);
    }
}

void
WriteAttribute(H5::H5File& file, const std::string& name, const std::string& value)
{
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    type.setCset(H5T_CSET_UTF8);
    file.createAttribute(name, type, H5::DataSpace(H5S_SCALAR)).write(type, value);
}

template <typename T>
void
WriteAttribute(H5::H5File& file, const std::string& name, T value)
{
    const bool isDouble = std::is_floating_point<T>::value;
    file.createAttribute(name, isDouble ? H5::PredType::IEEE_F64LE : H5::PredType::STD_I64LE,
                         H5::DataSpace(H5S_SCALAR))
        .write(isDouble ? H5::PredType::NATIVE_DOUBLE : H5::PredType::NATIVE_INT64, &value);
}

double
SumFinite(const std::vector<double>& values)
{
    double sum = 0.0;
    for (double v : values)
    {
        sum += std::isfinite(v) ? v : 0.0;
    }
    return sum;
}

/// The last evaluated round's /rounds/test_top_class_share (accuracy[i] is
/// NaN in rounds without evaluation), or NaN. A trace written before the
/// column existed has every other column, so its absence reads as unknown;
/// a corrupt file has already failed on the columns read before.
double
FinalTopClassShare(const std::string& trace, const std::vector<double>& accuracy)
{
    std::vector<double> share;
    try
    {
        share = ReadColumn(trace, "/rounds/test_top_class_share");
    }
    catch (const TraceReadError&)
    {
        return NAN;
    }
    for (size_t i = std::min(share.size(), accuracy.size()); i-- > 0;)
    {
        if (!std::isnan(accuracy[i]))
        {
            return share[i];
        }
    }
    return NAN;
}

} // namespace

PointSummary
SummarizePoint(const std::string& outDir, const SweepPoint& point, double targetAccuracy)
{
    PointSummary s;
    const std::string base = outDir + "/points/" + point.id;
    const std::string trace = base + ".h5";
    if (Exists(base + ".failed"))
    {
        std::ifstream failed(base + ".failed");
        std::string line;
        std::getline(failed, line);
        s.exitCode = std::strtoll(line.c_str(), nullptr, 10);
        std::ostringstream rest;
        rest << failed.rdbuf();
        s.error = rest.str();
        s.status = "failed";
    }
    if (!Exists(trace))
    {
        return s;
    }
    try
    {
        H5::Exception::dontPrint();
        const std::string end = TraceEndStatus(trace);
        if (end == "complete")
        {
            s.status = "complete";
            s.exitCode = 0;
        }
        else if (end == "diverged")
        {
            // Finished, with its own status: neither a failure nor a complete run.
            s.status = "diverged";
            s.exitCode = kExitDiverged;
            s.divergedRound = std::strtoll(ReadRootAttribute(trace, "diverged_round").c_str(), nullptr, 10);
        }
        else if (s.status != "failed")
        {
            s.status = "incomplete";
        }
        std::vector<double> rounds = ReadColumn(trace, "/rounds/round");
        std::vector<double> accuracy = ReadColumn(trace, "/rounds/test_accuracy");
        std::vector<double> nmse = ReadColumn(trace, "/rounds/nmse");
        std::vector<double> simTime = ReadColumn(trace, "/rounds/sim_time_s");
        // A killed run may leave one column a row longer: keep the flushed rows.
        const size_t rows = std::min({rounds.size(), accuracy.size(), nmse.size(), simTime.size()});
        for (auto* column : {&rounds, &accuracy, &nmse, &simTime})
        {
            column->resize(rows);
        }
        s.finalRound = rounds.empty() ? 0 : static_cast<int64_t>(rounds.back());
        s.simTimeS = simTime.empty() ? NAN : simTime.back();
        for (size_t i = 0; i < accuracy.size(); ++i)
        {
            if (std::isnan(accuracy[i]))
            {
                continue;
            }
            s.finalAccuracy = accuracy[i];
            s.bestAccuracy = std::isnan(s.bestAccuracy) ? accuracy[i] : std::max(s.bestAccuracy, accuracy[i]);
            if (std::isnan(s.roundsToTarget) && accuracy[i] >= targetAccuracy)
            {
                s.roundsToTarget = rounds[i];
            }
        }
        s.finalTopClassShare = FinalTopClassShare(trace, accuracy);
        auto sumRows = [&](const char* column) {
            std::vector<double> values = ReadColumn(trace, column);
            values.resize(std::min(values.size(), rows));
            return SumFinite(values);
        };
        s.totalEnergyJ = sumRows("/rounds/energy_j");
        s.totalChannelUses = sumRows("/rounds/channel_uses");
        s.totalAirtimeS = sumRows("/rounds/airtime_s");
        s.totalBits = sumRows("/rounds/bits");
        std::vector<double> active = ReadColumn(trace, "/rounds/active_clients");
        active.resize(std::min(active.size(), rows));
        s.roundsWithUpdates = static_cast<int64_t>(std::count_if(active.begin(), active.end(), [](double a) { return a > 0.0; }));
        double sum = 0.0;
        size_t count = 0;
        for (double v : nmse)
        {
            if (std::isfinite(v))
            {
                sum += v;
                ++count;
            }
        }
        s.meanNmse = count > 0 ? sum / static_cast<double>(count) : NAN;
    }
    catch (const TraceReadError&)
    {
        s.status = s.status == "failed" ? "failed" : "incomplete"; // unreadable: run it again
    }
    return s;
}

SweepIndexCounts
WriteSweepIndex(const std::string& outDir,
                const SweepSpec& spec,
                const std::vector<SweepPoint>& points,
                const SweepIndexInfo& info)
{
    std::vector<PointSummary> summaries;
    for (const SweepPoint& point : points)
    {
        summaries.push_back(SummarizePoint(outDir, point, info.targetAccuracy));
    }
    const std::string path = outDir + "/index.h5";
    const std::string temporary = path + ".tmp";
    size_t complete = 0;
    size_t failed = 0;
    size_t diverged = 0;
    size_t noUpdate = 0;
    size_t nearConstant = 0;
    {
        H5::Exception::dontPrint();
        H5::H5File file(temporary, H5F_ACC_TRUNC);
        std::string axes;
        for (const SweepAxis& axis : spec.axes)
        {
            axes += (axes.empty() ? "" : ",") + axis.key;
        }
        for (const PointSummary& s : summaries)
        {
            complete += s.status == "complete";
            failed += s.status == "failed";
            diverged += s.status == "diverged";
            // The two warnings of run-diagnosis.h, by the same rules.
            const bool finished = s.status == "complete" && s.finalRound > 0;
            noUpdate += finished && s.roundsWithUpdates == 0;
            nearConstant += finished && s.roundsWithUpdates > 0 && s.finalTopClassShare >= kNearConstantShare;
        }
        WriteAttribute(file, "schema_version", kSweepIndexSchemaVersion);
        WriteAttribute(file, "kind", std::string("wfl-sweep-index"));
        WriteAttribute(file, "axes", axes);
        WriteAttribute(file, "base_config", info.baseConfig);
        WriteAttribute(file, "command_line", info.commandLine);
        WriteAttribute(file, "target_accuracy", info.targetAccuracy);
        WriteAttribute(file, "points", static_cast<int64_t>(points.size()));
        WriteAttribute(file, "complete_points", static_cast<int64_t>(complete));
        WriteAttribute(file, "failed_points", static_cast<int64_t>(failed));
        WriteAttribute(file, "diverged_points", static_cast<int64_t>(diverged));
        WriteAttribute(file, "no_update_points", static_cast<int64_t>(noUpdate));
        WriteAttribute(file, "near_constant_points", static_cast<int64_t>(nearConstant));

        H5::Group group = file.createGroup("points");
        auto strings = [&](const std::string& name, auto get) {
            std::vector<std::string> v;
            for (size_t i = 0; i < points.size(); ++i)
            {
                v.push_back(get(points[i], summaries[i]));
            }
            WriteStrings(group, name, v);
        };
        auto numbers = [&](const std::string& name, auto get) {
            std::vector<decltype(get(points[0], summaries[0]))> v;
            for (size_t i = 0; i < points.size(); ++i)
            {
                v.push_back(get(points[i], summaries[i]));
            }
            WriteNumbers(group, name, v);
        };
        using P = SweepPoint;
        using S = PointSummary;
        strings("id", [](const P& p, const S&) { return p.id; });
        strings("status", [](const P&, const S& s) { return s.status; });
        strings("error", [](const P&, const S& s) { return s.error; });
        strings("trace", [](const P& p, const S&) { return PointTracePath(p); });
        numbers("exit_code", [](const P&, const S& s) { return s.exitCode; });
        numbers("seed", [](const P& p, const S&) { return static_cast<int64_t>(p.seed); });
        numbers("final_accuracy", [](const P&, const S& s) { return s.finalAccuracy; });
        numbers("best_accuracy", [](const P&, const S& s) { return s.bestAccuracy; });
        numbers("final_top_class_share", [](const P&, const S& s) { return s.finalTopClassShare; });
        numbers("rounds_with_updates", [](const P&, const S& s) { return s.roundsWithUpdates; });
        numbers("rounds_to_target", [](const P&, const S& s) { return s.roundsToTarget; });
        numbers("final_round", [](const P&, const S& s) { return s.finalRound; });
        numbers("diverged_round", [](const P&, const S& s) { return s.divergedRound; });
        numbers("total_energy_j", [](const P&, const S& s) { return s.totalEnergyJ; });
        numbers("total_channel_uses", [](const P&, const S& s) { return s.totalChannelUses; });
        numbers("total_airtime_s", [](const P&, const S& s) { return s.totalAirtimeS; });
        numbers("total_bits", [](const P&, const S& s) { return s.totalBits; });
        numbers("mean_nmse", [](const P&, const S& s) { return s.meanNmse; });
        numbers("sim_time_s", [](const P&, const S& s) { return s.simTimeS; });

        H5::Group axesGroup = group.createGroup("axes");
        H5::Group numericGroup = group.createGroup("axes_numeric");
        for (size_t a = 0; a < spec.axes.size(); ++a)
        {
            std::vector<std::string> text;
            std::vector<double> numeric;
            bool allNumeric = true;
            for (const SweepPoint& p : points)
            {
                const std::string& value = p.axisValues[a].second;
                text.push_back(value);
                // "": a conditional axis that does not apply to the point (NaN).
                char* end = nullptr;
                const double x = value.empty() ? NAN : std::strtod(value.c_str(), &end);
                allNumeric = allNumeric && (value.empty() || *end == '\0');
                numeric.push_back(x);
            }
            WriteStrings(axesGroup, spec.axes[a].key, text);
            if (allNumeric)
            {
                WriteNumbers(numericGroup, spec.axes[a].key, numeric);
            }
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0)
    {
        throw InputError("out: cannot write " + path);
    }
    return {complete, diverged, failed, noUpdate, nearConstant};
}

} // namespace wfl
