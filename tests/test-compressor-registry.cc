/*
 * The compressor registry: a compressor's keys reach --help, INI and command
 * line parsing, the stored configuration and the inert-key rules from its
 * registration alone. A test-only compressor, registered here and nowhere
 * else, shows it.
 */
#include "compressor-registry.h"
#include "input-error.h"
#include "scenario-config.h"
#include "scenario-runner.h"
#include "test-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>

using namespace wfl;

namespace
{

/// Sends `widgets` bits and decodes to gain * g_0 in every coordinate.
class DummyCompressor : public Compressor
{
  public:
    struct Params
    {
        uint32_t widgets = 7;
        double gain = 0.5;
        bool loud = false;
    };

    explicit DummyCompressor(const Params& p)
        : m_params(p)
    {
        if (p.widgets == 13)
        {
            throw std::invalid_argument("widgets = 13: unlucky, expected anything else in [1, 99]");
        }
    }

    CompressedMessage Encode(const float*, size_t, const CompressionContext&, ClientState*) const override
    {
        CompressedMessage m;
        m.bitsRaw = m_params.widgets;
        m.bitsEntropy = m_params.gain;
        return m;
    }

    void Decode(const CompressedMessage&, size_t dim, const CompressionContext&, float* out) const override
    {
        std::fill(out, out + dim, static_cast<float>(m_params.gain));
    }

  private:
    Params m_params;
};

/// Records what the uplink passes in the context (Encode runs on several threads).
std::atomic<int> gLayoutTensors{-1};
std::atomic<int> gFactorLayers{-1};
std::atomic<int> gFactorBatch{-1};

class ProbeCompressor : public Compressor
{
  public:
    struct Params
    {
        uint32_t unused = 0;
    };

    explicit ProbeCompressor(const Params&)
    {
    }

    CompressedMessage Encode(const float*, size_t, const CompressionContext& c, ClientState*) const override
    {
        gLayoutTensors = c.layout ? static_cast<int>(c.layout->size()) : 0;
        gFactorLayers = c.factors ? static_cast<int>(c.factors->size()) : 0;
        gFactorBatch = c.factors && !c.factors->empty() ? static_cast<int>(c.factors->front().input.rows()) : 0;
        CompressedMessage m;
        m.bitsRaw = 1.0;
        return m;
    }

    void Decode(const CompressedMessage&, size_t dim, const CompressionContext&, float* out) const override
    {
        std::fill(out, out + dim, 0.0f);
    }
};

// The whole registration of the test-only compressor: nothing else names its keys.
const bool kRegistered = [] {
    using P = DummyCompressor::Params;
    RegisterCompressor(Register<DummyCompressor>(
        "dummy", "test-only compressor",
        {UnsignedParam("widgets", "widgets", 1, 99, &P::widgets, "how many widgets the dummy sends"),
         // The gain acts only when loud: OnlyIf makes it an inert-key rule.
         OnlyIf(RealParam("gain", "", 0.0, 1.0, false, &P::gain, "the dummy's gain"), "compression.loud = true",
                "loud", [](const P& p, const CompressorRunFacts&) { return p.loud; }),
         FlagParam("loud", &P::loud, "whether the dummy shouts")}));
    RegisterCompressor(Register<ProbeCompressor>("probe", "test-only: records its context", {}));
    return true;
}();

ParsedArguments
Parse(std::vector<std::string> args)
{
    args.insert(args.begin(), "wfl-run");
    std::vector<const char*> argv;
    for (const std::string& a : args)
    {
        argv.push_back(a.c_str());
    }
    return ParseArguments(static_cast<int>(argv.size()), argv.data());
}

std::string
ErrorOf(std::vector<std::string> args)
{
    try
    {
        Parse(std::move(args));
    }
    catch (const InputError& e)
    {
        return e.what();
    }
    return "";
}

} // namespace

// Break tried: skipping the dummy's key in AddCompressionKeys -> missing from
// --help and parsing reports it unknown (both tests fail).
TEST(CompressorRegistry, ADummyCompressorsKeysAppearInHelpParsingAndStoredConfig)
{
    ASSERT_TRUE(kRegistered);
    std::ostringstream help;
    PrintKeyTable(help);
    EXPECT_NE(help.str().find("compression.widgets"), std::string::npos) << help.str();
    EXPECT_NE(help.str().find("dummy: how many widgets the dummy sends"), std::string::npos);
    EXPECT_NE(help.str().find("[1, 99]"), std::string::npos);
    EXPECT_NE(help.str().find("dummy: test-only compressor"), std::string::npos);

    const ParsedArguments parsed = Parse({"--coding.scheme", "digital", "--compression.scheme", "dummy",
                                          "--compression.widgets", " 12", "--compression.link", "pipe"});
    // The stored configuration of a trace is ResolvedKeys and ToIni (scenario-runner.cc).
    const auto resolved = ResolvedKeys(parsed.config);
    EXPECT_EQ(resolved.at("compression.widgets"), "12");
    EXPECT_EQ(resolved.at("compression.gain"), "0.5"); // the Params default
    EXPECT_EQ(resolved.at("compression.loud"), "false");
    const std::string ini = ToIni(parsed.config);
    EXPECT_NE(ini.find("[compression]\n"), std::string::npos) << ini;
    EXPECT_NE(ini.find("\nwidgets = 12\n"), std::string::npos) << ini;
    // Other schemes' keys are written as inert comments under dummy.
    EXPECT_NE(ini.find("# norm = l2  (no effect unless compression.scheme = qsgd)"), std::string::npos) << ini;
    EXPECT_NE(ini.find("# levels = 0  (no effect unless compression.scheme = qsgd, dqsg, ndqsg, isgq, isgq-lloyd-max or qcs)"),
              std::string::npos)
        << ini;

    // The factory gets the parsed values.
    const auto dummy = BuildCompressor("dummy", parsed.config.compressionValues);
    EXPECT_EQ(dummy->Encode(nullptr, 0, CompressionContext{}, nullptr).bitsRaw, 12.0);
    EXPECT_EQ(BuildCompressor("dummy", {})->Encode(nullptr, 0, CompressionContext{}, nullptr).bitsRaw, 7.0);

    // An INI file reads the same keys.
    const std::string dir = wfltest::MakeTempDir("registry");
    const std::string path = dir + "/s.ini";
    {
        std::ofstream file(path);
        file << "[coding]\nscheme = digital\n[compression]\nscheme = dummy\nwidgets = 3\n";
    }
    EXPECT_EQ(ResolvedKeys(Parse({path}).config).at("compression.widgets"), "3");
}

// Break tried: an always-true generated rule -> the widgets-under-qsgd case
// parses without error, and --print-config no longer marks qsgd's keys inert.
TEST(CompressorRegistry, CompressionKeysAreInertOutsideTheirSchemesAndRangesComeFromTheRegistration)
{
    EXPECT_EQ(ErrorOf({"--coding.scheme", "digital", "--compression.widgets", "3"}),
              "compression.widgets has no effect unless compression.scheme = dummy (it is qsgd); remove it or "
              "set compression.scheme = dummy");
    EXPECT_EQ(ErrorOf({"--coding.scheme", "rlc", "--compression.levels", "3"}),
              "compression.levels has no effect unless coding.scheme = digital (it is rlc); remove it or set "
              "coding.scheme = digital");
    EXPECT_EQ(ErrorOf({"--coding.scheme", "digital", "--compression.scheme", "dummy", "--compression.widgets",
                       "100"}),
              "compression.widgets = '100': expected an integer in [1, 99]");
    EXPECT_EQ(ErrorOf({"--coding.scheme", "digital", "--compression.scheme", "nope"}),
              "compression.scheme = 'nope': expected one of qsgd | terngrad | signsgd | ef-sign | topk | "
              "random-sparsification | powersgd | dqsg | ndqsg | isgq | isgq-lloyd-max | qcs | dummy | probe");
    EXPECT_EQ(ErrorOf({"--coding.scheme", "digital", "--compression.bits", "100"}),
              "compression.bits has no effect unless compression.link = pipe (it is tdma); remove it or set "
              "compression.link = pipe");
    // The pipe has no channel.
    EXPECT_EQ(ErrorOf({"--coding.scheme", "digital", "--compression.link", "pipe", "--channel.snr-db", "3"}),
              "channel.snr-db has no effect unless compression.link = tdma (it is pipe); remove it or set "
              "compression.link = tdma");
    EXPECT_EQ(ErrorOf({"--coding.scheme", "digital", "--compression.levels", "4", "--compression.norm", "linf",
                       "--compression.bucket", "512"}),
              "");
    // The constructor's own check becomes an InputError naming the scheme.
    EXPECT_THROW(BuildCompressor("dummy", {{"widgets", "13"}}), InputError);
    EXPECT_EQ(ErrorOf({"--coding.scheme", "digital", "--compression.scheme", "dummy", "--compression.widgets", "13"}),
              "compression.scheme = dummy: widgets = 13: unlucky, expected anything else in [1, 99]");
    EXPECT_EQ(ErrorOf({"--coding.scheme", "digital", "--compression.scheme", "dummy", "--compression.loud", "yes"}),
              "compression.loud = 'yes': expected one of false | true");
    const auto table = InertRuleTable();
    EXPECT_NE(std::find(table.begin(), table.end(), "compression.widgets: only if compression.scheme = dummy"),
              table.end());
}

// A key declared with OnlyIf is inert, and an error when given, unless the
// other key of its compressor that it depends on allows it; the message names
// both keys. Breaks tried: a generated conditional row that always holds ->
// the dummy, both qcs and the first ndqsg case parse without error and
// --print-config no longer marks beta (5 failures); the NDQSG predicate
// written ceil(f P) <= P -> fine-fraction 1 of 10 clients parses (1 failure);
// written ceil(f P) < P - 1 -> fine-fraction 0.9 (one nested client) is
// reported inert (1 failure): the boundary is exact to one client;
// RunFacts without the adam condition -> the isgq adam case parses (1 failure).
TEST(CompressorRegistry, AKeyInertUnderAnotherKeyOfItsCompressorIsAnError)
{
    const std::vector<std::string> digital{"--coding.scheme", "digital", "--compression.link", "pipe"};
    auto with = [&](std::vector<std::string> more) {
        std::vector<std::string> args = digital;
        args.insert(args.end(), more.begin(), more.end());
        return ErrorOf(args);
    };
    // The generic mechanism, on the test-only compressor.
    EXPECT_EQ(with({"--compression.scheme", "dummy", "--compression.gain", "0.25"}),
              "compression.gain has no effect unless compression.loud = true (compression.scheme is dummy, "
              "compression.loud is false); remove it or set compression.loud = true");
    EXPECT_EQ(with({"--compression.scheme", "dummy", "--compression.gain", "0.25", "--compression.loud", "true"}), "");
    // QCS: beta weighs the residual only under weighted feedback.
    EXPECT_EQ(with({"--compression.scheme", "qcs", "--compression.beta", "0.5"}),
              "compression.beta has no effect unless compression.feedback = weighted (compression.scheme is qcs, "
              "compression.feedback is none); remove it or set compression.feedback = weighted");
    EXPECT_NE(with({"--compression.scheme", "qcs", "--compression.beta", "0.5", "--compression.feedback", "unit"}),
              "");
    EXPECT_EQ(with({"--compression.scheme", "qcs", "--compression.beta", "0.5", "--compression.feedback",
                    "weighted"}),
              "");
    // NDQSG: rho acts only if some client is nested, ceil(f P) < P.
    EXPECT_EQ(with({"--data.clients", "10", "--compression.scheme", "ndqsg", "--compression.coarse-ratio", "3",
                    "--compression.fine-fraction", "1"}),
              "compression.coarse-ratio has no effect unless compression.fine-fraction <= 1 - 1 / data.clients "
              "(some client nested) (compression.scheme is ndqsg, compression.fine-fraction is 1, data.clients is "
              "10); remove it or set compression.fine-fraction <= 1 - 1 / data.clients (some client nested)");
    EXPECT_EQ(with({"--data.clients", "10", "--compression.scheme", "ndqsg", "--compression.coarse-ratio", "3",
                    "--compression.fine-fraction", "0.9"}),
              "");
    // ISGQ: zero-symbol and always-factor act only on factored layers, which
    // exist only under FedSGD (a run fact, RunFacts).
    EXPECT_EQ(with({"--compression.scheme", "isgq", "--compression.always-factor", "true"}),
              "compression.always-factor has no effect unless FedSGD (learner.local-epochs = 0, learner.local-steps "
              "= 1, learner.optimizer sgd or momentum, learner.weight-decay = 0: clients send dense-layer factors) "
              "(compression.scheme is isgq, learner.local-epochs is 0, learner.local-steps is 10, learner.optimizer "
              "is sgd, learner.weight-decay is 0); remove it or set FedSGD (learner.local-epochs = 0, "
              "learner.local-steps = 1, learner.optimizer sgd or momentum, learner.weight-decay = 0: clients send "
              "dense-layer factors)");
    EXPECT_NE(with({"--compression.scheme", "isgq", "--compression.zero-symbol", "false", "--learner.local-steps",
                    "1", "--learner.optimizer", "adam"}),
              "");
    EXPECT_EQ(with({"--compression.scheme", "isgq", "--compression.zero-symbol", "false", "--learner.local-steps",
                    "1"}),
              "");
    // Left at its default, an inert key is no error, and --print-config marks it.
    const ParsedArguments parsed = Parse({"--coding.scheme", "digital", "--compression.scheme", "qcs"});
    EXPECT_NE(ToIni(parsed.config).find("# beta = 0  (no effect unless compression.feedback = weighted)"),
              std::string::npos)
        << ToIni(parsed.config);
    const auto table = InertRuleTable();
    EXPECT_NE(std::find(table.begin(), table.end(), "compression.beta: only if compression.feedback = weighted"),
              table.end());
}

// A run with the digital uplink hands every compressor the learner's layout,
// and the dense layers' factors exactly when a client sends one gradient step
// (learner.local-steps = 1, local-epochs = 0). Break tried: not setting
// keepFactors in the runner -> factor count 0 (fails).
TEST(CompressorRegistry, TheUplinkPassesLayoutAlwaysAndFactorsOnlyForFedSgd)
{
    const std::string dir = wfltest::MakeTempDir("probe");
    for (const char* steps : {"1", "3"})
    {
        gLayoutTensors = gFactorLayers = gFactorBatch = -1;
        std::vector<std::string> args = wfltest::SyntheticRunArgs(dir + "/p" + steps + ".h5",
                                                                  {{"coding.scheme", "digital"},
                                                                   {"compression.scheme", "probe"},
                                                                   {"compression.link", "pipe"},
                                                                   {"learner.model", "mlp"},
                                                                   {"learner.hidden", "16"},
                                                                   {"learner.batch", "8"},
                                                                   {"learner.local-steps", steps},
                                                                   {"run.rounds", "2"}});
        args.erase(args.begin());
        const ParsedArguments parsed = Parse(args);
        RunScenario(parsed, nullptr);
        EXPECT_EQ(gLayoutTensors, 4) << steps; // mlp: two dense layers, weight and bias
        EXPECT_EQ(gFactorLayers, std::string(steps) == "1" ? 2 : 0) << steps;
        EXPECT_EQ(gFactorBatch, std::string(steps) == "1" ? 8 : 0) << steps;
    }
}
