/*
 * The digital baseline's slot: the same spectrum as rlc at one coding ratio
 * (unit level and end to end through wfl-run) and the server's schedule of
 * the slot's uses among the scheduled clients.
 */
#include "digital-fixtures.h"
#include "over-the-air-aggregator.h"
#include "power-allocator.h"
#include "slot-budget.h"
#include "test-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

using namespace wfl;
using namespace digitaltest;

/*
 * Equal spectrum: RlcSlotBudget reproduces the uses the rlc aggregator
 * reports in channel_uses for every (D, ratio, bucket, coherence) below and
 * both coordinations (feedback: report uses per scheduled client and block,
 * no pilot; blind: one pilot per block, no reports), and the digital slot
 * takes exactly Total() of them. A one-use error anywhere (e.g. a pilot too
 * many, a report per active instead of per scheduled client, or ceil instead
 * of round for k) fails it.
 */
TEST(Digital, SlotHasExactlyTheUsesOfAnRlcSlot)
{
    // Issue 9's example: 8,610 parameters at ratio 0.1, bucket 4096, one block:
    // 3 buckets x 410 rows = 1230 real symbols = 615 uses, plus one pilot (blind)
    // or 20 clients x 16 report uses (feedback).
    SlotOverhead blind;
    blind.pilot = true;
    const SlotBudget example = RlcSlotBudget(8610, 0.1, 4096, blind);
    EXPECT_EQ(example.dataUses, 615u);
    EXPECT_EQ(example.pilotUses, 1u);
    EXPECT_EQ(example.feedbackUses, 0u);
    EXPECT_EQ(example.Total(), 616u);
    SlotOverhead feedback;
    feedback.usesPerReport = 16;
    feedback.scheduledClients = 20;
    EXPECT_EQ(RlcSlotBudget(8610, 0.1, 4096, feedback).Total(), 615u + 320u);

    // Three clients scheduled, two transmit: reports are sized by the schedule.
    const std::vector<ScheduledClient> scheduled{{0, 1.0}, {1, 1.0}, {2, 1.0}};
    for (const Eigen::Index dim : {1, 3, 100, 1000, 8610})
    {
        const auto updates = MakeUpdates(2, dim, static_cast<uint64_t>(dim));
        for (const uint32_t bucket : {4u, 100u, 256u, 4096u})
        {
            for (const double ratio : {0.01, 0.1, 0.37, 1.0})
            {
                for (const uint32_t coherence : {0u, 2u, 7u, 64u})
                {
                    for (const bool isBlind : {false, true})
                    {
                        SlotOverhead overhead;
                        overhead.coherenceUses = coherence;
                        overhead.pilot = isBlind;
                        overhead.usesPerReport = isBlind ? 0 : 3;
                        overhead.scheduledClients = scheduled.size();
                        auto rlc = ns3::CreateObjectWithAttributes<OverTheAirAggregator>(
                            "Coding", ns3::EnumValue(OverTheAirAggregator::RLC), "CodingRatio",
                            ns3::DoubleValue(ratio), "BucketLength", ns3::UintegerValue(bucket),
                            "CoherenceUses", ns3::UintegerValue(coherence));
                        rlc->SetAttribute("Coordination",
                                          ns3::EnumValue(isBlind ? OverTheAirAggregator::BLIND
                                                                 : OverTheAirAggregator::FEEDBACK));
                        rlc->SetAttribute("FeedbackUses", ns3::UintegerValue(3));
                        rlc->SetAttribute("NormBound", ns3::DoubleValue(10.0));
                        rlc->SetAttribute("PowerAllocator",
                                          ns3::PointerValue(ns3::CreateObject<TruncatedInversionPowerAllocator>()));
                        rlc->SetAttribute("Channel", ns3::PointerValue(Channel(true)));
                        auto digital = Digital(Channel(true), 0);
                        digital->SetAttribute("CodingRatio", ns3::DoubleValue(ratio));
                        digital->SetAttribute("BucketLength", ns3::UintegerValue(bucket));
                        digital->SetAttribute("CoherenceUses", ns3::UintegerValue(coherence));
                        digital->SetAttribute("FeedbackUses", ns3::UintegerValue(isBlind ? 0 : 3));
                        digital->SetAttribute("MatchPilots", ns3::BooleanValue(isBlind));
                        const uint64_t expected =
                            RlcSlotBudget(static_cast<size_t>(dim), ratio, bucket, overhead).Total();
                        const std::string tag = "D " + std::to_string(dim) + " n " + std::to_string(bucket) +
                                                " ratio " + std::to_string(ratio) + " L " +
                                                std::to_string(coherence) + (isBlind ? " blind" : " feedback");
                        EXPECT_EQ(rlc->Aggregate(1, Contributions(updates), scheduled).channelUses, expected) << tag;
                        EXPECT_EQ(digital->Aggregate(1, Contributions(updates), scheduled).channelUses, expected)
                            << tag;
                        EXPECT_EQ(digital->SlotUses(static_cast<size_t>(dim), scheduled.size()), expected) << tag;
                    }
                }
            }
        }
    }
}

/*
 * S >= M: the uses tile the slot in schedule order, floor(S/M) each and one
 * more for the first S mod M. Idle scheduled clients keep their share (it is
 * wasted): a transmitting client's slot length shows in its energy.
 */
TEST(Digital, ScheduleSharesTheSlotAmongTheScheduledClients)
{
    for (const auto& [uses, clients] : std::vector<std::pair<uint64_t, size_t>>{{10, 3}, {12, 4}, {7, 7}, {1000, 9}})
    {
        const auto slots = DigitalAggregator::Schedule(uses, clients, 1, 1);
        ASSERT_EQ(slots.size(), clients);
        uint64_t next = 0;
        for (size_t i = 0; i < clients; ++i)
        {
            EXPECT_EQ(slots[i].start, next);
            EXPECT_EQ(slots[i].uses, uses / clients + (i < uses % clients ? 1 : 0));
            next += slots[i].uses;
        }
        EXPECT_EQ(next, uses);
    }

    // 5 scheduled, 3 transmit (1 and 3 idle): 103 uses = 21, 21, 21, 20, 20.
    const auto updates = MakeUpdates(5, 50, 3);
    std::vector<ClientContribution> contributions;
    std::vector<ScheduledClient> scheduled;
    for (uint32_t k = 0; k < 5; ++k)
    {
        scheduled.push_back({k, 100.0});
        if (k != 1 && k != 3)
        {
            contributions.push_back({k, &updates[k], 100.0});
        }
    }
    auto digital = Digital(Channel(true), 103);
    digital->SetAttribute("EnergyBudgetJ", ns3::DoubleValue(1e-9)); // energy-limited: E / (Ts S_k)
    const AggregationResult result = digital->Aggregate(1, contributions, scheduled);
    EXPECT_EQ(result.channelUses, 103u);
    ASSERT_EQ(result.clients.size(), 3u);
    const double useSeconds = digital->GetChannel()->ChannelUseSeconds();
    const std::vector<double> slotUses{21, 21, 20};
    for (size_t i = 0; i < 3; ++i)
    {
        EXPECT_TRUE(result.clients[i].active);
        EXPECT_NEAR(result.clients[i].powerW, 1e-9 / (useSeconds * slotUses[i]), 1e-12 * result.clients[i].powerW);
    }
}

/*
 * S < M: a uniformly random S-subset of the scheduled clients gets one use
 * each, the same for the same (seed, round), fresh every round; the others
 * are unscheduled (active = 0, bits = 0), and the run says so once on
 * stderr, naming coding.ratio and the count.
 * Uniformity: over 4000 rounds each of 8 clients is picked Binomial(4000,
 * 3/8) times (SD 31); the tolerance of 150 catches a 10 % preference.
 */
TEST(Digital, FewerUsesThanClientsSchedulesARandomSubsetAndSaysSoOnce)
{
    const size_t clients = 8;
    const uint64_t uses = 3;
    std::vector<int> picked(clients, 0);
    for (uint32_t round = 1; round <= 4000; ++round)
    {
        const auto slots = DigitalAggregator::Schedule(uses, clients, 7, round);
        std::vector<uint64_t> starts;
        for (size_t i = 0; i < clients; ++i)
        {
            ASSERT_LE(slots[i].uses, 1u);
            if (slots[i].uses == 1)
            {
                starts.push_back(slots[i].start);
                ++picked[i];
            }
        }
        ASSERT_EQ(starts, (std::vector<uint64_t>{0, 1, 2})); // in schedule order
    }
    for (size_t i = 0; i < clients; ++i)
    {
        EXPECT_NEAR(picked[i], 4000.0 * 3.0 / 8.0, 150.0) << "client " << i;
    }
    const auto a = DigitalAggregator::Schedule(uses, clients, 7, 5);
    const auto b = DigitalAggregator::Schedule(uses, clients, 7, 5);
    for (size_t i = 0; i < clients; ++i)
    {
        EXPECT_EQ(a[i].uses, b[i].uses);
    }

    // Through Aggregate: D = 100 at ratio 0.01 is 1 data use + 1 pilot (the rlc
    // slot of power.coordination = blind) = S = 2.
    const auto updates = MakeUpdates(clients, 100, 4);
    auto digital = Digital(Channel(true), 0);
    digital->SetAttribute("CodingRatio", ns3::DoubleValue(0.01));
    digital->SetAttribute("MatchPilots", ns3::BooleanValue(true));
    ::testing::internal::CaptureStderr();
    const AggregationResult first = digital->Aggregate(1, Contributions(updates));
    const std::string said = ::testing::internal::GetCapturedStderr();
    ::testing::internal::CaptureStderr();
    const AggregationResult second = digital->Aggregate(2, Contributions(updates));
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
    EXPECT_EQ(std::count(said.begin(), said.end(), '\n'), 1) << said;
    EXPECT_NE(said.find("coding.ratio = 0.01"), std::string::npos) << said;
    EXPECT_NE(said.find("6 of them get no use"), std::string::npos) << said;
    for (const AggregationResult* result : {&first, &second})
    {
        EXPECT_EQ(result->channelUses, 2u);
        // Noiseless: one use carries any payload, so exactly the two scheduled get through.
        EXPECT_EQ(result->activeClients, 2u);
        for (const ClientLinkReport& c : result->clients)
        {
            EXPECT_EQ(c.active, c.bits > 0.0);
            EXPECT_EQ(c.active, c.txEnergyJ > 0.0);
        }
    }
}

/*
 * End to end through wfl-run: coding.bucket and coding.ratio reach the
 * digital slot (same channel_uses as rlc; 8,610 parameters: softmax over 860
 * synthetic features and 10 classes), and the trace shows every client
 * within power.limit and power.energy-j under both limits.
 */
TEST(DigitalTrace, SameUsesAsRlcAndEveryBudgetKept)
{
    const std::string dir = wfltest::MakeTempDir("digital-trace");
    const std::map<std::string, std::string> common{
        {"data.synthetic-dim", "860"}, {"run.rounds", "3"},         {"coding.ratio", "0.1"},
        {"coding.bucket", "4096"},     {"power.max-dbm", "10"},     {"power.energy-j", "1e-6"},
        {"channel.coherence-uses", "64"}, {"power.feedback-uses", "2"}};
    std::map<std::string, double> uses;
    for (const std::string scheme : {"rlc", "digital"})
    {
        for (const std::string limit : {"average", "peak"})
        {
            auto keys = common;
            keys["coding.scheme"] = scheme;
            keys["power.limit"] = limit;
            const std::string path = dir + "/" + scheme + "-" + limit + ".h5";
            const auto result = wfltest::Run(wfltest::SyntheticRunArgs(path, keys));
            ASSERT_EQ(result.exitCode, 0) << result.err;
            const auto channelUses = wfltest::ReadColumn(path, "/rounds/channel_uses");
            ASSERT_EQ(channelUses.size(), 3u);
            uses[scheme] = channelUses.front();
            if (scheme != "digital")
            {
                continue;
            }
            const auto bounded = wfltest::ReadColumn(path, limit == "peak" ? "/clients/peak_power_w" : "/clients/power_w");
            const auto energy = wfltest::ReadColumn(path, "/clients/tx_energy_j");
            ASSERT_FALSE(bounded.empty());
            for (size_t i = 0; i < bounded.size(); ++i)
            {
                EXPECT_LE(bounded[i], 0.01 * (1.0 + 1e-12)) << limit << " row " << i;
                EXPECT_LE(energy[i], 1e-6 * (1.0 + 1e-12)) << limit << " row " << i;
            }
        }
    }
    // 3 buckets x 410 rows / 2 = 615 data uses in 10 blocks of 64 (no pilot with
    // feedback), and 2 report uses per block for each of the 5 scheduled clients.
    EXPECT_EQ(uses["rlc"], 615.0 + 2 * 10 * 5);
    EXPECT_EQ(uses["digital"], uses["rlc"]);
}
