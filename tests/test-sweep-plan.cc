/*
 * wfl-sweep's plan (sweep-plan.h), in process: grid expansion, stable point
 * ids, conditional sets and axes.
 */
#include "sweep-plan.h"
#include "test-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

using namespace wfl;

TEST(SweepPlan, RangesAndListsExpand)
{
    EXPECT_EQ(ExpandAxisValues("x", "-10:5:10"), (std::vector<std::string>{"-10", "-5", "0", "5", "10"}));
    EXPECT_EQ(ExpandAxisValues("x", "0.1:0.1:0.3"), (std::vector<std::string>{"0.1", "0.2", "0.3"}));
    EXPECT_EQ(ExpandAxisValues("x", "rlc, digital"), (std::vector<std::string>{"rlc", "digital"}));
    EXPECT_NE(wfltest::InputErrorOf([] { ExpandAxisValues("x", "1:0:3"); }).find("STEP > 0"),
              std::string::npos);
    EXPECT_NE(wfltest::InputErrorOf([] { ParseShard("3/3"); }).find("--shard"), std::string::npos);
    EXPECT_EQ(ParseShard("2/5"), (std::pair<size_t, size_t>{2, 5}));
}

TEST(SweepPlan, PointIdsAreStableAcrossOrderingsAndSpelling)
{
    SweepSpec a;
    a.axes = {ParseAxis("learner.lr=0.1,0.2"), ParseAxis("data.clients=3,4")};
    a.seeds = {1, 2};
    a.sets = {{"data.dataset", "synthetic"}};
    SweepSpec b = a;
    std::reverse(b.axes.begin(), b.axes.end());
    b.axes[1] = ParseAxis("learner.lr=0.10,2e-1"); // same numbers, other spelling
    std::set<std::string> idsA;
    std::set<std::string> idsB;
    for (const SweepPoint& p : ExpandSweep(a))
    {
        idsA.insert(p.id);
    }
    for (const SweepPoint& p : ExpandSweep(b))
    {
        idsB.insert(p.id);
    }
    EXPECT_EQ(idsA.size(), 8u);
    EXPECT_EQ(idsA, idsB);
    // A different seed or value is a different point.
    SweepSpec c = a;
    c.seeds = {3};
    for (const SweepPoint& p : ExpandSweep(c))
    {
        EXPECT_EQ(idsA.count(p.id), 0u);
    }
    // Bad values are rejected naming the key, before anything runs.
    SweepSpec bad = a;
    bad.axes.push_back(ParseAxis("learner.model=cnn2"));
    EXPECT_NE(wfltest::InputErrorOf([&] { ExpandSweep(bad); }).find("learner.model"), std::string::npos);
}

TEST(SweepPlan, ConditionalSetsApplyOnlyWhereTheirConditionHolds)
{
    SweepSpec spec;
    spec.axes = {ParseAxis("coding.scheme=analog,rlc,digital")};
    spec.sets = {{"power.policy", "truncated if coding.scheme=analog,rlc"},
                 {"coding.ratio", "0.5 if coding.scheme=rlc,digital"}};
    const std::vector<SweepPoint> points = ExpandSweep(spec);
    ASSERT_EQ(points.size(), 3u);
    EXPECT_EQ(points[0].config.powerPolicy, "truncated");
    EXPECT_EQ(points[0].config.codingRatio, 0.1); // the default: not given to analog
    EXPECT_EQ(points[1].config.powerPolicy, "truncated");
    EXPECT_EQ(points[1].config.codingRatio, 0.5);
    EXPECT_EQ(points[2].config.powerPolicy, "inversion");
    EXPECT_EQ(points[2].config.codingRatio, 0.5);
}

TEST(SweepPlan, ConditionalAxisAppliesOnlyWhereItsConditionHoldsAndPointsAreNotRepeated)
{
    // The ideal uplink has no SNR: it appears once per seed, without the key.
    // Checked by keeping the repeated combinations: 12 points, repeated ids.
    SweepSpec spec;
    spec.axes = {ParseAxis("coding.scheme=ideal,rlc"),
                 ParseAxis("channel.snr-db=0,10,20 if coding.scheme=rlc")};
    spec.sets = {{"channel.normalized", "true if coding.scheme=rlc"}};
    spec.seeds = {1, 2};
    EXPECT_EQ(spec.axes[1].conditionKey, "coding.scheme");
    EXPECT_EQ(spec.axes[1].values, (std::vector<std::string>{"0", "10", "20"}));
    const std::vector<SweepPoint> points = ExpandSweep(spec);
    ASSERT_EQ(points.size(), 2u + 6u);
    std::set<std::string> ids;
    for (const SweepPoint& p : points)
    {
        ids.insert(p.id);
        const bool ideal = p.config.codingScheme == "ideal";
        EXPECT_EQ(p.axisValues[1].second.empty(), ideal);
        EXPECT_EQ(p.config.normalized, ideal ? "false" : "true");
    }
    EXPECT_EQ(ids.size(), points.size());
    EXPECT_EQ(points[0].config.snrDb, ScenarioConfig().snrDb);
    EXPECT_EQ(points[2].config.snrDb, 0.0);
    EXPECT_EQ(points[7].config.snrDb, 20.0);
    // Without the condition the ideal points would set the SNR: an error.
    spec.axes[1] = ParseAxis("channel.snr-db=0,10,20");
    EXPECT_NE(wfltest::InputErrorOf([&] { ExpandSweep(spec); }).find("channel.snr-db has no effect"),
              std::string::npos);
}

// Two conditional sets of one key, and a conditional axis of that key, each
// act where their condition holds. Catches the file's sets being merged into a
// map by key (the second set of compression.levels silently dropped, and every
// set of a key swept under a condition dropped): dqsg kept its default 3 levels.
TEST(SweepPlan, SetsOfOneKeyWithDifferentConditionsAllApply)
{
    const std::vector<SweepAxis> axes = {
        ParseAxis("compression.scheme=qsgd,dqsg,ndqsg"),
        ParseAxis("compression.levels=1,15 if compression.scheme=ndqsg")};
    SweepSpec spec;
    spec.axes = axes;
    spec.sets = MergeSets({{"coding.scheme", "digital"},
                           {"compression.levels", "0 if compression.scheme=qsgd"},
                           {"compression.levels", "32767 if compression.scheme=dqsg"},
                           {"compression.bucket", "512 if compression.scheme=qsgd"}},
                          {{"compression.bucket", "256 if compression.scheme=qsgd,dqsg"}}, axes);
    const std::vector<SweepPoint> points = ExpandSweep(spec);
    ASSERT_EQ(points.size(), 4u);
    EXPECT_EQ(points[0].config.compressionValues.at("levels"), "0");
    EXPECT_EQ(points[1].config.compressionValues.at("levels"), "32767");
    EXPECT_EQ(points[2].config.compressionValues.at("levels"), "1");
    EXPECT_EQ(points[3].config.compressionValues.at("levels"), "15");
    // The command line's set replaced the file's set of the same key.
    EXPECT_EQ(points[0].config.compressionValues.at("bucket"), "256");
    EXPECT_EQ(points[1].config.compressionValues.at("bucket"), "256");
    // A key swept without a condition drops its sets.
    const std::vector<SweepAxis> everywhere = {ParseAxis("compression.levels=1,2")};
    EXPECT_TRUE(MergeSets({{"compression.levels", "3"}}, {{"compression.levels", "4"}}, everywhere).empty());
}
