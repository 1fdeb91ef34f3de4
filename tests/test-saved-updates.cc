/*
 * Saved client updates (trace.save-updates; helper/update-trace-sink.h):
 * the saved vector is bit for bit the one the compressor received, it does
 * not depend on the thread count, it survives a killed run, wfl-compress
 * replays it (whole or one tensor), and bad keys are one-line errors (exit 2).
 */
#include "digital-aggregator.h"
#include "federation-helper.h"
#include "hdf5-trace-sink.h"
#include "learning-task.h"
#include "qsgd-compressor.h"
#include "scenario-runner.h"
#include "test-util.h"
#include "trace-keys.h"
#include "update-trace-sink.h"

#include "ns3/enum.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <sys/wait.h>
#include <unistd.h>

using namespace wfl;

namespace
{

/// A saved update as float32, read with the file's own type (no conversion).
std::vector<float>
ReadSaved(const std::string& path, uint32_t round, uint32_t client)
{
    H5::H5File file(path, H5F_ACC_RDONLY);
    H5::DataSet ds = file.openDataSet("/updates/" + SavedRoundName(round) + "/" + SavedClientName(client));
    EXPECT_EQ(ds.getDataType(), H5::PredType::IEEE_F32LE);
    hsize_t n = 0;
    ds.getSpace().getSimpleExtentDims(&n);
    std::vector<float> v(n);
    ds.read(v.data(), H5::PredType::NATIVE_FLOAT);
    return v;
}

bool
Exists(const std::string& path, const std::string& object)
{
    H5::H5File file(path, H5F_ACC_RDONLY);
    return file.nameExists(object);
}

int64_t
IntAttribute(const std::string& path, const std::string& object, const std::string& name)
{
    H5::H5File file(path, H5F_ACC_RDONLY);
    H5::Group group = file.openGroup(object);
    int64_t value = -1;
    group.openAttribute(name).read(H5::PredType::NATIVE_INT64, &value);
    return value;
}

/// QSGD that keeps a copy of every vector it is asked to encode, by (round, client).
class RecordingQsgd : public QsgdCompressor
{
  public:
    RecordingQsgd()
        : QsgdCompressor(Params{64, 2, QuantizerNorm::LINF})
    {
    }

    CompressedMessage Encode(const float* g,
                             size_t dim,
                             const CompressionContext& context,
                             ClientState* state) const override
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex); // Encode runs on the workers
            m_seen[{context.round, context.client}] = std::vector<float>(g, g + dim);
        }
        return QsgdCompressor::Encode(g, dim, context, state);
    }

    mutable std::mutex m_mutex;
    mutable std::map<std::pair<uint32_t, uint32_t>, std::vector<float>> m_seen;
};

ScenarioConfig
FedSgdConfig()
{
    ScenarioConfig c;
    c.dataset = "synthetic";
    c.syntheticDim = 16;
    c.syntheticClasses = 5;
    c.syntheticTrain = 2000;
    c.syntheticTest = 200;
    c.clients = 6;
    c.rounds = 6;
    c.model.kind = "mlp";
    c.model.hidden = {12};
    c.training.learningRate = 0.2;
    c.training.localSteps = 1;
    c.training.localEpochs = 0;
    c.threads = 2;
    return c;
}

} // namespace

// The vector saved for (round, client) is bit for bit the one the compressor's
// Encode received in that round; rounds not asked for are not saved, and each
// saved round keeps exactly the `clients` lowest-indexed senders.
// Break tried: writing the vector with one entry nudged by one ulp
// (std::nextafter) before saving -> the memcmp fails; any single-bit
// difference in any entry is caught (bitwise comparison).
TEST(SavedUpdates, SavedVectorIsExactlyWhatTheCompressorReceived)
{
    ScenarioConfig config = FedSgdConfig();
    std::shared_ptr<LearningTask> task = MakeLearningTask(config);
    const ParameterLayout layout =
        MakeModel<float>(config.model, static_cast<int>(task->Data().train.Dim()), task->Data().train.numClasses)
            ->Layout();
    ns3::NodeContainer server(1);
    ns3::NodeContainer clients(config.clients);
    auto recorder = std::make_shared<RecordingQsgd>();
    auto pipe = ns3::CreateObjectWithAttributes<DigitalAggregator>("Link", ns3::EnumValue(DigitalAggregator::PIPE));
    pipe->SetCompressor(recorder);
    pipe->SetLayout(layout);
    FederationHelper helper;
    helper.SetServerAttribute("Rounds", ns3::UintegerValue(config.rounds));
    helper.SetServerAttribute("ClientsPerRound", ns3::UintegerValue(4)); // a different subset each round
    helper.SetAggregator(pipe);
    FederationApps apps = helper.Install(server.Get(0), clients, task);

    const std::string path = wfltest::MakeTempDir("saved") + "/run.h5";
    const std::vector<uint32_t> rounds{2, 3, 5};
    {
        RunMetadata metadata;
        Hdf5TraceSink sink(path, false, metadata);
        sink.ConnectTo(apps.server);
        UpdateSaving saving;
        saving.rounds = rounds;
        saving.clients = 3;
        saving.layout = layout;
        saving.learningRate = config.training.learningRate;
        UpdateTraceSink updates(sink.File(), saving);
        updates.ConnectTo(pipe, apps.server);
        ns3::Simulator::Run();
        ns3::Simulator::Destroy();
        sink.MarkComplete();
    }
    size_t compared = 0;
    for (uint32_t round = 1; round <= config.rounds; ++round)
    {
        const bool asked = std::find(rounds.begin(), rounds.end(), round) != rounds.end();
        EXPECT_EQ(Exists(path, "/updates/" + SavedRoundName(round)), asked) << round;
        if (!asked)
        {
            continue;
        }
        std::vector<uint32_t> senders; // ascending: the map is ordered by (round, client)
        for (const auto& [key, g] : recorder->m_seen)
        {
            if (key.first == round)
            {
                senders.push_back(key.second);
            }
        }
        ASSERT_EQ(senders.size(), 4u);
        EXPECT_EQ(IntAttribute(path, "/updates/" + SavedRoundName(round), "saved"), 3);
        EXPECT_EQ(IntAttribute(path, "/updates/" + SavedRoundName(round), "contributors"), 4);
        for (size_t i = 0; i < senders.size(); ++i)
        {
            const std::string name = "/updates/" + SavedRoundName(round) + "/" + SavedClientName(senders[i]);
            ASSERT_EQ(Exists(path, name), i < 3) << name;
            if (i < 3)
            {
                const std::vector<float>& seen = recorder->m_seen.at({round, senders[i]});
                const std::vector<float> saved = ReadSaved(path, round, senders[i]);
                ASSERT_EQ(saved.size(), seen.size());
                EXPECT_EQ(std::memcmp(saved.data(), seen.data(), seen.size() * sizeof(float)), 0) << name;
                ++compared;
            }
        }
    }
    EXPECT_EQ(compared, 9u);
    // The layout tiles the vector in parameter order.
    const std::vector<std::string> names = ReadStringColumn(path, "/updates/layout/name");
    const std::vector<double> offsets = ReadColumn(path, "/updates/layout/offset");
    ASSERT_EQ(names.size(), layout.size());
    for (size_t i = 0; i < layout.size(); ++i)
    {
        EXPECT_EQ(names[i], layout[i].name);
        EXPECT_EQ(offsets[i], static_cast<double>(layout[i].offset));
    }
}

// Same scenario and seed with run.threads 1 and 2: the saved updates are
// bit-identical (training runs on the workers, the sink on the main thread).
// The uplink is digital QSGD, so every round after the first also depends on
// the compressor's draws. Break tried: seeding the client batch shuffle with
// the worker index -> the vectors differ; any bit in any entry is caught.
TEST(SavedUpdates, SavedVectorsDoNotDependOnTheThreadCount)
{
    const std::string dir = wfltest::MakeTempDir("saved-threads");
    for (const char* threads : {"1", "2"})
    {
        const auto result = wfltest::Run(wfltest::SyntheticRunArgs(
            dir + "/t" + threads + ".h5", {{"run.threads", threads},
                                           {"learner.model", "mlp"},
                                           {"learner.hidden", "16"},
                                           {"learner.local-steps", "1"},
                                           {"coding.scheme", "digital"},
                                           {"compression.link", "pipe"},
                                           {"save-updates", "1,4-8"},
                                           {"trace.save-clients", "5"}}));
        ASSERT_EQ(result.exitCode, 0) << result.err;
    }
    size_t compared = 0;
    for (uint32_t round : {1u, 4u, 5u, 6u, 7u, 8u})
    {
        for (uint32_t client = 0; client < 5; ++client)
        {
            const std::vector<float> one = ReadSaved(dir + "/t1.h5", round, client);
            const std::vector<float> two = ReadSaved(dir + "/t2.h5", round, client);
            ASSERT_EQ(one.size(), two.size());
            ASSERT_FALSE(one.empty());
            EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)), 0) << round << " " << client;
            ++compared;
        }
    }
    EXPECT_EQ(compared, 30u);
    EXPECT_FALSE(Exists(dir + "/t1.h5", "/updates/" + SavedRoundName(2)));
    EXPECT_EQ(ReadRootAttribute(dir + "/t1.h5", "complete"), "1");
}

// A run killed after round 5 was announced keeps rounds 1-5 of its saved
// updates, bit-identical to those of a run that completed 5 rounds.
// Break tried: keeping the saved rounds in memory and writing them when the
// sink is destroyed (at a normal end) -> the killed file has none, fails.
// Not caught: dropping only the sink's own flush, since the round tables'
// flush at the end of the same round writes the updates too (this test kills
// after a round was announced, not between aggregation and the round's end).
TEST(SavedUpdates, KilledRunKeepsEverySavedRound)
{
    const std::string dir = wfltest::MakeTempDir("saved-kill");
    const std::map<std::string, std::string> keys{
        {"learner.local-steps", "1"}, {"run.eval-every", "1"}, {"trace.save-clients", "2"}};
    auto killedKeys = keys;
    killedKeys["run.rounds"] = "100000";
    killedKeys["trace.save-updates"] = "1-100000";
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    const int devnull = open("/dev/null", O_WRONLY);
    const pid_t pid = wfltest::Spawn(wfltest::SyntheticRunArgs(dir + "/killed.h5", killedKeys), fds[1], devnull);
    close(devnull);
    close(fds[1]);
    std::string seen;
    char c;
    while (seen.find("round 5/") == std::string::npos && read(fds[0], &c, 1) == 1)
    {
        seen += c;
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    close(fds[0]);
    ASSERT_NE(seen.find("round 5/"), std::string::npos) << seen;

    auto fullKeys = keys;
    fullKeys["run.rounds"] = "5";
    fullKeys["trace.save-updates"] = "1-5";
    const auto result = wfltest::Run(wfltest::SyntheticRunArgs(dir + "/full.h5", fullKeys));
    ASSERT_EQ(result.exitCode, 0) << result.err;
    for (uint32_t round = 1; round <= 5; ++round)
    {
        for (uint32_t client = 0; client < 2; ++client)
        {
            const std::vector<float> killed = ReadSaved(dir + "/killed.h5", round, client);
            const std::vector<float> full = ReadSaved(dir + "/full.h5", round, client);
            ASSERT_EQ(killed.size(), full.size());
            EXPECT_EQ(std::memcmp(killed.data(), full.data(), full.size() * sizeof(float)), 0) << round;
        }
    }
    EXPECT_EQ(ReadRootAttribute(dir + "/killed.h5", "complete"), "0");
}

// wfl-compress replays a saved update: the whole vector with its stored
// layout, or one tensor alone, which gives the same study as that slice
// written to its own file. Break tried: slicing from offset + 1 -> the
// rel_error and bits differ; any shift of the slice is caught.
TEST(SavedUpdates, WflCompressReplaysASavedUpdateAndOneTensorOfIt)
{
    const std::string dir = wfltest::MakeTempDir("saved-replay");
    const std::string trace = dir + "/run.h5";
    const auto run = wfltest::Run(wfltest::SyntheticRunArgs(
        trace, {{"learner.model", "mlp"}, {"learner.hidden", "24"}, {"learner.local-steps", "1"},
                {"save-updates", "3"}, {"trace.save-clients", "3"}}));
    ASSERT_EQ(run.exitCode, 0) << run.err;
    const std::string input = trace + ":/updates/round_0003/client_0002";
    const std::vector<float> g = ReadSaved(trace, 3, 2);
    // dense1.weight of the 32-24-10 mlp (synthetic defaults): 24 x 10 entries.
    const std::vector<std::string> names = ReadStringColumn(trace, "/updates/layout/name");
    const std::vector<double> offsets = ReadColumn(trace, "/updates/layout/offset");
    const std::vector<double> sizes = ReadColumn(trace, "/updates/layout/size");
    ASSERT_EQ(names.size(), 4u);
    EXPECT_EQ(names[2], "dense1.weight");
    const size_t offset = static_cast<size_t>(offsets[2]);
    const size_t size = static_cast<size_t>(sizes[2]);
    EXPECT_EQ(size, 24u * 10u);
    {
        H5::H5File slice(dir + "/slice.h5", H5F_ACC_TRUNC);
        const hsize_t dims[1] = {size};
        H5::DataSet ds = slice.createDataSet("g", H5::PredType::IEEE_F32LE, H5::DataSpace(1, dims));
        ds.write(g.data() + offset, H5::PredType::NATIVE_FLOAT);
    }
    const std::vector<std::string> study{"--compression.scheme", "qsgd", "--compression.levels", "1",
                                         "--draws", "50"};
    auto compress = [&](std::vector<std::string> args) {
        args.insert(args.begin(), WFL_COMPRESS_BINARY);
        args.insert(args.end(), study.begin(), study.end());
        const auto result = wfltest::Run(args);
        EXPECT_EQ(result.exitCode, 0) << result.err;
        return result.out;
    };
    const std::string whole = compress({input});
    EXPECT_NE(whole.find("\"dim\": " + std::to_string(g.size())), std::string::npos) << whole;
    std::string tensor = compress({input, "--tensor", "dense1.weight"});
    const std::string alone = compress({dir + "/slice.h5:/g"});
    const std::string tag = "\"tensor\": \"dense1.weight\", ";
    ASSERT_NE(tensor.find(tag), std::string::npos) << tensor;
    tensor.erase(tensor.find(tag), tag.size());
    EXPECT_EQ(tensor, alone);

    // Bad --tensor uses are one-line errors with exit code 2.
    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{input, "--tensor", "dense9.weight"},
          std::vector<std::string>{dir + "/slice.h5:/g", "--tensor", "dense1.weight"},
          std::vector<std::string>{trace + ":/rounds/train_loss", "--tensor", "dense1.weight"},
          std::vector<std::string>{input, "--tensor", ""}})
    {
        std::vector<std::string> args{WFL_COMPRESS_BINARY};
        args.insert(args.end(), bad.begin(), bad.end());
        const auto result = wfltest::Run(args);
        EXPECT_EQ(result.exitCode, 2) << bad[0] << " " << bad[2];
        EXPECT_NE(result.err.find("--tensor"), std::string::npos) << result.err;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    }
}

// Round lists: ranges and single rounds, merged and in canonical text.
TEST(SavedUpdates, RoundListsParseAndPrintCanonically)
{
    ScenarioConfig c;
    c.rounds = 100;
    const KeySpec* key = nullptr;
    for (const KeySpec& k : ScenarioKeys())
    {
        key = k.name == "trace.save-updates" ? &k : key;
    }
    ASSERT_NE(key, nullptr);
    key->apply(" 7, 1-3 ,2-4,10,9 ", c);
    EXPECT_EQ(c.saveUpdateRounds, (std::vector<uint32_t>{1, 2, 3, 4, 7, 9, 10}));
    EXPECT_EQ(key->show(c), "1-4,7,9-10");
    key->apply("", c);
    EXPECT_TRUE(c.saveUpdateRounds.empty());
    EXPECT_EQ(FormatRoundList({5}), "5");
}

// Bad values of the keys: one line naming the key and the accepted range,
// exit code 2, including values valid alone that cannot take effect here.
TEST(SavedUpdates, BadKeysAreOneLineErrorsWithExitCode2)
{
    const std::string dir = wfltest::MakeTempDir("saved-bad");
    struct Case
    {
        std::map<std::string, std::string> keys;
        std::string expected; ///< in the message
    };
    const std::vector<Case> cases{
        {{{"trace.save-updates", "0"}}, "trace.save-updates = '0': expected"},
        {{{"trace.save-updates", "3-1"}}, "A <= B"},
        {{{"trace.save-updates", "2,,3"}}, "trace.save-updates = '2,,3'"},
        {{{"trace.save-updates", "1,"}}, "trace.save-updates = '1,'"},
        {{{"trace.save-updates", "x"}}, "trace.save-updates = 'x'"},
        {{{"save-updates", "9"}}, "round 9 is beyond run.rounds = 8 (accepted: rounds in [1, 8])"},
        {{{"trace.save-updates", "1-3"}, {"trace.save-clients", "0"}}, "trace.save-clients = '0': expected"},
        {{{"trace.save-updates", "1-3"}, {"trace.save-clients", "6"}},
         "trace.save-clients = 6: only 5 clients are sampled per round"},
        {{{"trace.save-updates", "1-3"}, {"trace.save-clients", "3"}, {"server.clients-per-round", "2"}},
         "accepted: [1, 2]"},
        {{{"trace.save-clients", "2"}}, "trace.save-clients has no effect unless trace.save-updates is not empty"},
    };
    for (const Case& c : cases)
    {
        const auto result = wfltest::Run(wfltest::SyntheticRunArgs(dir + "/run.h5", c.keys));
        EXPECT_EQ(result.exitCode, 2) << c.expected;
        EXPECT_NE(result.err.find(c.expected), std::string::npos) << result.err;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    }
}
