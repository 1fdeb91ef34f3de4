/*
 * The digital baseline (TDMA + quantization): the power limits under both
 * readings of power.limit, Shannon-limited payloads and an unbiased decode.
 * The slot's uses and their schedule are in test-digital-slot.cc.
 */
#include "digital-fixtures.h"
#include "random.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace wfl;
using namespace digitaltest;

TEST(Digital, BitsNeverExceedTheShannonBudget)
{
    const Eigen::Index dim = 200;
    const size_t clients = 4;
    const auto updates = MakeUpdates(clients, dim, 5);
    auto channel = Channel(false, 15.0);
    auto digital = Digital(channel, 400);
    digital->SetAttribute("MaxPowerDbm", ns3::DoubleValue(30.0)); // 1 W
    digital->SetAttribute("EnergyBudgetJ", ns3::DoubleValue(1.0));
    int dropped = 0;
    int allIn = 0;
    const int rounds = 2000;
    for (int r = 1; r <= rounds; ++r)
    {
        const AggregationResult result = digital->Aggregate(static_cast<uint32_t>(r), Contributions(updates));
        EXPECT_EQ(result.channelUses, 400u);
        for (const ClientLinkReport& c : result.clients)
        {
            // 100 uses each at P = 1 W over |h|^2, noise 10^-1.5 W.
            const double snr = c.fadingAbs * c.fadingAbs / channel->NoisePowerW();
            EXPECT_LE(c.bits, 100.0 * std::log2(1.0 + snr) + 1e-9);
            dropped += c.active ? 0 : 1;
            EXPECT_EQ(c.active, c.bits > 0.0);
        }
        allIn += result.activeClients == clients ? 1 : 0;
    }
    EXPECT_GT(dropped, 0);        // deep fades happen
    EXPECT_GT(allIn, rounds / 2); // most rounds everyone gets through
}

/*
 * Unbiased given the clients that got through: over many rounds the decoded
 * average has scale 1 against the weighted average of exactly those clients
 * (unequal weights, noise, deep fades that drop clients).
 *
 * Statistic: a_r = <g_hat_r, g_r> / ||g_r||^2, g_r the exact weighted average
 * of round r's active clients; mean over R rounds, whose standard error is
 * measured from the a_r themselves. With R = 24000 the SE is 0.0011 and the
 * tolerance 0.005 (4.6 SE). The seeds are fixed, so a scale error f moves the
 * measured mean 1.00027 to exactly 1.00027 (1 + f): the test catches any
 * scale error beyond +0.47 % or -0.53 %. Breaking the decoder on purpose
 * (the decoded update times 1.02, 1.005 or 0.98 in DoAggregate) fails it
 * (mean 1.0203, 1.0053, 0.9803).
 */
TEST(Digital, DecodingIsUnbiasedToHalfAPercent)
{
    const Eigen::Index dim = 200;
    const size_t clients = 4;
    const auto updates = MakeUpdates(clients, dim, 5);
    const auto contributions = Contributions(updates, /* equalWeights */ false);
    auto digital = Digital(Channel(false, 15.0), 400);
    digital->SetAttribute("MaxPowerDbm", ns3::DoubleValue(30.0)); // 1 W
    digital->SetAttribute("EnergyBudgetJ", ns3::DoubleValue(1.0));
    const int rounds = 24000;
    double sum = 0.0;
    double sum2 = 0.0;
    int counted = 0;
    Eigen::VectorXd meanError = Eigen::VectorXd::Zero(dim);
    double meanRef2 = 0.0;
    for (int r = 1; r <= rounds; ++r)
    {
        const AggregationResult result = digital->Aggregate(static_cast<uint32_t>(r), contributions);
        Eigen::VectorXd exact = Eigen::VectorXd::Zero(dim);
        double weight = 0.0;
        for (size_t k = 0; k < clients; ++k)
        {
            if (result.clients[k].active)
            {
                exact += contributions[k].weight * updates[k].cast<double>();
                weight += contributions[k].weight;
            }
        }
        if (weight == 0.0)
        {
            continue;
        }
        exact /= weight;
        const double a = result.estimate.cast<double>().dot(exact) / exact.squaredNorm();
        sum += a;
        sum2 += a * a;
        meanError += result.estimate.cast<double>() - exact;
        meanRef2 += exact.squaredNorm();
        ++counted;
    }
    ASSERT_GT(counted, rounds * 9 / 10);
    const double mean = sum / counted;
    const double se = std::sqrt((sum2 / counted - mean * mean) / counted);
    EXPECT_LT(se, 0.00125); // the tolerance below is >= 4 SE
    EXPECT_NEAR(mean, 1.0, 0.005) << "SE " << se;
    // No bias in any direction either: ||mean error||^2 / mean ||g_r||^2 is
    // 1.2e-4 here (about mean NMSE / R); 3e-4 catches a bias of 1.7 % of
    // ||g|| in any direction. Equal weights in place of sample counts give 7e-3.
    meanError /= counted;
    meanRef2 /= counted;
    EXPECT_LT(meanError.squaredNorm() / meanRef2, 3e-4);
}

/*
 * Both readings of power.limit, and the energy budget, for every client in
 * every round: under `average` the mean power over each block it sends in
 * (powerW, constant over its slot) is <= P_max; under `peak` every symbol
 * (peakPowerW, PeakToAverageDb above the mean) is <= P_max. The limits are
 * also reached where energy allows, so the back-off is exactly the PAPR and
 * not more. Removing the back-off under `peak` fails the peak check.
 */
TEST(Digital, NoClientExceedsItsPowerLimitOrEnergyUnderEitherLimit)
{
    Rng budgets(11, "test-digital-budgets");
    const double papr = 3.0; // the default PeakToAverageDb, 4.77 dB
    for (const auto limit : {WirelessAggregator::AVERAGE, WirelessAggregator::PEAK})
    {
        for (uint32_t coherence : {0u, 16u})
        {
            auto digital = Digital(Channel(false, 30.0), 0); // noise 1 mW
            digital->SetAttribute("CodingRatio", ns3::DoubleValue(1.0));
            digital->SetAttribute("BucketLength", ns3::UintegerValue(256));
            digital->SetAttribute("CoherenceUses", ns3::UintegerValue(coherence));
            digital->SetAttribute("PowerLimit", ns3::EnumValue(limit));
            int limitReached = 0;
            for (uint32_t round = 1; round <= 60; ++round)
            {
                const double maxDbm = budgets.Uniform(-10.0, 30.0);
                const double energy = std::pow(10.0, budgets.Uniform(-9.0, -3.0));
                digital->SetAttribute("MaxPowerDbm", ns3::DoubleValue(maxDbm));
                digital->SetAttribute("EnergyBudgetJ", ns3::DoubleValue(energy));
                const auto updates = MakeUpdates(6, 300, round);
                const AggregationResult result = digital->Aggregate(round, Contributions(updates));
                const double maxW = std::pow(10.0, (maxDbm - 30.0) / 10.0);
                for (const ClientLinkReport& c : result.clients)
                {
                    const double bounded = limit == WirelessAggregator::PEAK ? c.peakPowerW : c.powerW;
                    EXPECT_LE(bounded, maxW * (1.0 + 1e-12)) << "round " << round;
                    EXPECT_LE(c.txEnergyJ, energy * (1.0 + 1e-12)) << "round " << round;
                    if (c.active)
                    {
                        EXPECT_NEAR(c.peakPowerW, papr * c.powerW, 1e-12 * c.peakPowerW);
                        limitReached += std::abs(bounded - maxW) < 1e-12 * maxW ? 1 : 0;
                    }
                    else
                    {
                        EXPECT_EQ(c.txEnergyJ, 0.0);
                    }
                }
            }
            EXPECT_GT(limitReached, 10) << "limit " << limit << " coherence " << coherence;
        }
    }
}
