/*
 * wfl-sweep --dry-run refuses a plan before anything runs: a point that sets
 * a key without effect, a compressor key inert under another of its keys,
 * one model file for several points.
 */
#include "sweep-fixtures.h"
#include "test-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace wfl;
using namespace sweeptest;

TEST(Sweep, DryRunRejectsAPointThatSetsAKeyWithoutEffect)
{
    const std::string out = wfltest::MakeTempDir("sweep-inert");
    // channel.normalized acts on rlc, not on the exact average: the ideal
    // point is invalid, and the message names it and both keys.
    const auto bad = wfltest::Run({kSweep, "--grid", "coding.scheme=rlc,ideal", "--set",
                                   "channel.normalized=true", "--out", out, "--dry-run"});
    EXPECT_EQ(bad.exitCode, 2) << bad.err;
    EXPECT_NE(bad.err.find("point 1 (coding.scheme=ideal seed=1)"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("channel.normalized has no effect unless coding.scheme"), std::string::npos)
        << bad.err;
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
    // Given only where it acts, the same sweep is valid.
    const auto lines = DryRun({kSweep, "--grid", "coding.scheme=rlc,ideal", "--set",
                               "channel.normalized=true if coding.scheme=rlc,analog", "--out", out});
    EXPECT_EQ(lines.size(), 2u);
    // A condition must name a swept or set key.
    const auto unknown = wfltest::Run({kSweep, "--grid", "coding.scheme=rlc,ideal", "--set",
                                       "channel.normalized=true if channel.fading=none", "--out", out,
                                       "--dry-run"});
    EXPECT_EQ(unknown.exitCode, 2);
    EXPECT_NE(unknown.err.find("channel.fading is neither swept"), std::string::npos) << unknown.err;
}

// A compressor key inert under another key of its compressor (OnlyIf in
// helper/compressor-list.cc) is checked per point too: QCS's beta without
// weighted feedback. Break tried: the generated conditional rows always
// holding (scenario-rules.cc) -> the first sweep passes the dry run (fails).
TEST(Sweep, DryRunRejectsACompressorKeyInertUnderAnotherOfItsKeys)
{
    const std::string out = wfltest::MakeTempDir("sweep-inert-compressor");
    const std::vector<std::string> base{kSweep, "--set", "coding.scheme=digital", "--set", "compression.scheme=qcs",
                                        "--grid", "compression.feedback=weighted,none", "--out", out};
    std::vector<std::string> bad = base;
    bad.insert(bad.end(), {"--set", "compression.beta=0.5", "--dry-run"});
    const auto result = wfltest::Run(bad);
    EXPECT_EQ(result.exitCode, 2) << result.err;
    EXPECT_NE(result.err.find("point 1 (compression.feedback=none seed=1)"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("compression.beta has no effect unless compression.feedback = weighted"),
              std::string::npos)
        << result.err;
    std::vector<std::string> good = base;
    good.insert(good.end(), {"--set", "compression.beta=0.5 if compression.feedback=weighted"});
    EXPECT_EQ(DryRun(good).size(), 2u);
}

// One trace.save-model file for several points would be overwritten or, as
// before this check, make the second point fail after the first had run: the
// plan is refused before anything runs, naming the key, the file and both
// points. Per-point files (a conditional set) are accepted. Break tried:
// RejectSharedModelFiles not called -> the dry run lists 2 points (fails).
TEST(Sweep, DryRunRejectsOneModelFileForSeveralPoints)
{
    const std::string out = wfltest::MakeTempDir("sweep-save-model");
    const auto bad = wfltest::Run({kSweep, "--grid", "run.rounds=1,2", "--set",
                                   "trace.save-model=" + out + "/model.h5", "--out", out, "--dry-run"});
    EXPECT_EQ(bad.exitCode, 2) << bad.err;
    EXPECT_NE(bad.err.find("trace.save-model = " + out + "/model.h5: the same file for points 0 and 1"),
              std::string::npos)
        << bad.err;
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
    const auto lines = DryRun({kSweep, "--grid", "run.rounds=1,2", "--set",
                               "trace.save-model=" + out + "/low.h5 if run.rounds=1", "--set",
                               "trace.save-model=" + out + "/high.h5 if run.rounds=2", "--out", out});
    EXPECT_EQ(lines.size(), 2u);
}
