/*
 * wfl-repurpose end to end (issue 11, item 5): --help, bad input (exit 2, one
 * line naming the key), a tiny saved MLP producing the HDF5 result with the
 * expected datasets and values, and determinism (same input, same bytes
 * apart from the /timing datasets).
 */
#include "test-util.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <iterator>

using namespace wfltest;

namespace
{

/// A tiny MLP 784-16-10 trained one round on 2000 Fashion-MNIST images, saved
/// once per test binary.
const std::string&
TinyModel()
{
    static const std::string path = [] {
        const std::string dir = MakeTempDir("repurpose-tool-model");
        const ProcessResult r = wfltest::Run({WFL_RUN_BINARY, "--data.clients", "1", "--run.rounds", "1",
                                     "--data.train-samples", "2000", "--data.test-samples", "200",
                                     "--learner.model", "mlp", "--learner.hidden", "16", "--learner.local-epochs",
                                     "1", "--output", dir + "/trace.h5", "--trace.save-model", dir + "/mlp.h5"});
        EXPECT_EQ(r.exitCode, 0) << r.err;
        return dir + "/mlp.h5";
    }();
    return path;
}

ProcessResult
Tool(const std::vector<std::string>& args)
{
    std::vector<std::string> argv{WFL_REPURPOSE_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return wfltest::Run(argv);
}

std::vector<std::string>
TinyArgs(const std::string& output)
{
    return {TinyModel(), "--workers", "2,3", "--repurpose.budget", "0,0.5", "--repurpose.calibration", "300",
            "--data.test-samples", "300", "--output", output};
}

std::string
FileBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Overwrite the /timing datasets with zeros in place (same size, same layout).
void
ZeroTiming(const std::string& path)
{
    H5::H5File f(path, H5F_ACC_RDWR);
    for (const char* name : {"/timing/restructure_wall_s", "/timing/restructure_cpu_s"})
    {
        H5::DataSet ds = f.openDataSet(name);
        std::vector<double> zeros(static_cast<size_t>(ds.getSpace().getSimpleExtentNpoints()), 0.0);
        ds.write(zeros.data(), H5::PredType::NATIVE_DOUBLE);
    }
}

} // namespace

TEST(RepurposeTool, HelpListsKeysWithUnitsAndRanges)
{
    const ProcessResult r = Tool({"--help"});
    EXPECT_EQ(r.exitCode, 0);
    for (const char* text : {"repurpose.workers", "repurpose.budget", "repurpose.rho", "repurpose.calibration",
                             "[1, 1024]", "fraction", "Exit codes"})
    {
        EXPECT_NE(r.out.find(text), std::string::npos) << text;
    }
}

// Each bad input exits 2 with one line naming the key (or the file).
TEST(RepurposeTool, BadInputExitsTwoWithOneLine)
{
    const std::string dir = MakeTempDir("repurpose-tool-bad");
    std::ofstream(dir + "/bad.ini") << "[repurpose]\nworkerz = 2\n";
    std::ofstream(dir + "/junk.h5") << "junk";
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{TinyModel(), "--repurpose.workers", "0"}, "repurpose.workers"},
        {{TinyModel(), "--repurpose.budget", "1.5"}, "repurpose.budget"},
        {{TinyModel(), "--repurpose.iterations", "x"}, "repurpose.iterations"},
        {{TinyModel(), "--repurpose.bogus", "1"}, "--repurpose.bogus"},
        {{TinyModel(), "--repurpose.budget", "0.1", "--repurpose.rho", "1"}, "repurpose.rho"},
        {{TinyModel(), "--config", dir + "/bad.ini"}, "repurpose.workerz"},
        {{dir + "/junk.h5", "--output", dir + "/o.h5"}, dir + "/junk.h5"},
        {{TinyModel(), "--repurpose.calibration", "60001"}, "repurpose.calibration"},
        {{}, "MODEL"}};
    for (const auto& [args, key] : cases)
    {
        const ProcessResult r = Tool(args);
        EXPECT_EQ(r.exitCode, 2) << key << ": " << r.err;
        EXPECT_NE(r.err.find(key), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    }
}

// The result holds one row per (method, K, setting) with the expected values:
// naive = the original network split (same accuracy; MLP 784-16-10 with a source
// input: every worker needs the hidden activations it does not compute,
// (K - 1) x 16 activations = 64 B at K = 2 and 128 B at K = 3); direct and
// budget 0 send nothing between workers.
// Break tried: cross_bytes written as activations (without the 4 B each) -> fails.
TEST(RepurposeTool, TinyMlpEndToEnd)
{
    const std::string dir = MakeTempDir("repurpose-tool-run");
    const ProcessResult r = Tool(TinyArgs(dir + "/r.h5"));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const std::string f = dir + "/r.h5";
    const std::vector<double> method = ReadColumn(f, "/results/method");
    const std::vector<double> workers = ReadColumn(f, "/results/workers");
    const std::vector<double> setting = ReadColumn(f, "/results/setting");
    const std::vector<double> accuracy = ReadColumn(f, "/results/test_accuracy");
    const std::vector<double> cross = ReadColumn(f, "/results/cross_bytes");
    ASSERT_EQ(method.size(), 12u); // 2 K x (naive, direct, 2 settings x (magnitude, repurpose))
    EXPECT_EQ(ReadColumn(f, "/timing/restructure_wall_s").size(), 12u);
    EXPECT_EQ(ReadColumn(f, "/settings"), (std::vector<double>{0.0, 0.5}));
    const double original = std::stod(ReadRootAttribute(f, "original_accuracy"));
    EXPECT_EQ(ReadRootAttribute(f, "dense_widths"), "784-16-10");
    for (size_t i = 0; i < method.size(); ++i)
    {
        const double k = workers[i];
        if (method[i] == 0)
        {
            EXPECT_EQ(accuracy[i], original);
            EXPECT_EQ(cross[i], 4 * (k - 1) * 16);
        }
        if (method[i] == 1 || (method[i] >= 2 && setting[i] == 0))
        {
            EXPECT_EQ(cross[i], 0) << "row " << i;
        }
        const std::string row = "/rows/" + std::string(5 - std::to_string(i).size(), '0') + std::to_string(i);
        EXPECT_EQ(ReadColumn(f, row + "/worker_flops").size(), size_t(k));
        EXPECT_EQ(ReadColumn(f, row + "/assignment/layer0").size(), 16u);
        if (method[i] == 3)
        {
            EXPECT_FALSE(ReadColumn(f, row + "/history/objective").empty());
        }
    }
}

// The ns-3 latency columns (inference.rate-mbps, default 100,10): one per rate,
// the carried payload equal to what the masks imply, and the slower link never
// faster. Break tried: the 10 Mb/s column written from the 100 Mb/s simulation
// -> naive's latencies are equal (fails); logits dropped from the payload
// (fails by 40 B per row).
TEST(RepurposeTool, LatencyColumnsFromTheInferenceSimulation)
{
    const std::string dir = MakeTempDir("repurpose-tool-latency");
    const ProcessResult r = Tool(TinyArgs(dir + "/r.h5"));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const std::string f = dir + "/r.h5";
    const std::vector<double> method = ReadColumn(f, "/results/method");
    const std::vector<double> cross = ReadColumn(f, "/results/cross_bytes");
    const std::vector<double> source = ReadColumn(f, "/results/source_bytes");
    const std::vector<double> fast = ReadColumn(f, "/results/latency_s_100mbps");
    const std::vector<double> slow = ReadColumn(f, "/results/latency_s_10mbps");
    const std::vector<double> payload = ReadColumn(f, "/results/payload_bytes_100mbps");
    ASSERT_EQ(fast.size(), method.size());
    ASSERT_EQ(slow.size(), method.size());
    for (size_t i = 0; i < method.size(); ++i)
    {
        EXPECT_GT(fast[i], 0.0) << "row " << i;
        EXPECT_GT(slow[i], fast[i]) << "row " << i;
        EXPECT_EQ(payload[i], cross[i] + source[i] + 4 * 10) << "row " << i; // + 10 float32 logits
    }
    // Without rates no simulation runs and no latency column is written.
    std::vector<std::string> args = TinyArgs(dir + "/none.h5");
    args.insert(args.end(), {"--inference.rate-mbps", ""});
    ASSERT_EQ(Tool(args).exitCode, 0);
    EXPECT_THROW(ReadColumn(dir + "/none.h5", "/results/latency_s_100mbps"), std::exception);
}

// Same input, same bytes (modification times are off; the /timing datasets, the
// only measured values, are zeroed in place in both files before comparing; the
// two runs write the same relative path from different directories, since the
// command line is recorded).
// Break tried: leaving HDF5's object time tracking on (datasets and groups) -> the files differ
// (hence the pause of 1 s between the runs: the times have 1 s resolution).
TEST(RepurposeTool, SameInputSameBytes)
{
    const std::string dir = MakeTempDir("repurpose-tool-determinism");
    std::vector<std::string> files;
    for (const char* sub : {"/a", "/b"})
    {
        ASSERT_EQ(mkdir((dir + sub).c_str(), 0777), 0);
        std::vector<std::string> argv{WFL_REPURPOSE_BINARY};
        const std::vector<std::string> args = TinyArgs("r.h5");
        argv.insert(argv.end(), args.begin(), args.end());
        ASSERT_EQ(chdir((dir + sub).c_str()), 0);
        ASSERT_EQ(wfltest::Run(argv).exitCode, 0);
        files.push_back(dir + sub + "/r.h5");
        ZeroTiming(files.back());
        // HDF5 object times have 1 s resolution: the second run starts in a later second.
        sleep(1);
    }
    const std::string a = FileBytes(files[0]);
    EXPECT_FALSE(a.empty());
    EXPECT_TRUE(a == FileBytes(files[1]));
}
