/*
 * The mse-optimal rule inside the over-the-air aggregator: what the aggregator
 * tells the rule (noise gain, projection factor, the estimate of ||g_bar||^2),
 * and over many rounds its NMSE against inversion and truncated inversion on
 * the same draws.
 */
#include "mse-optimal-rule.h"
#include "over-the-air-aggregator.h"
#include "power-allocator.h"
#include "random.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/object-factory.h"
#include "ns3/pointer.h"
#include "ns3/uinteger.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace wfl;

namespace
{

/// Updates g_k = common + spread * e_k (per coordinate 0.01 N(0,1) each).
std::vector<Eigen::VectorXf>
SpreadUpdates(size_t clients, Eigen::Index dim, double spread, uint64_t seed)
{
    Rng rng(seed, "test-spread-updates");
    Eigen::VectorXf common(dim);
    for (Eigen::Index i = 0; i < dim; ++i)
    {
        common(i) = static_cast<float>(0.01 * rng.Normal());
    }
    std::vector<Eigen::VectorXf> updates(clients, common);
    for (Eigen::VectorXf& u : updates)
    {
        for (Eigen::Index i = 0; i < dim; ++i)
        {
            u(i) += static_cast<float>(0.01 * spread * rng.Normal());
        }
    }
    return updates;
}

/// Unequal weights 50 + 25 k samples.
std::vector<ClientContribution>
Contributions(const std::vector<Eigen::VectorXf>& updates)
{
    std::vector<ClientContribution> contributions;
    for (size_t k = 0; k < updates.size(); ++k)
    {
        const double samples = 50.0 + 25.0 * static_cast<double>(k);
        contributions.push_back({static_cast<uint32_t>(k), &updates[k], samples});
    }
    return contributions;
}

/// Normalized channel at snrDb; rlc at k/n = 1/4 in buckets of 256.
ns3::Ptr<OverTheAirAggregator>
MakeAggregator(OverTheAirAggregator::Coding coding,
               ns3::Ptr<PowerAllocator> allocator,
               double snrDb,
               ns3::Ptr<FadingModel> fading)
{
    auto channel = ns3::CreateObjectWithAttributes<MultipleAccessChannel>(
        "Normalized", ns3::BooleanValue(true), "SnrDb", ns3::DoubleValue(snrDb));
    auto ota = ns3::CreateObjectWithAttributes<OverTheAirAggregator>(
        "Coding", ns3::EnumValue(coding), "CodingRatio", ns3::DoubleValue(0.25), "BucketLength",
        ns3::UintegerValue(256), "PowerAllocator", ns3::PointerValue(allocator));
    ota->SetAttribute("Channel", ns3::PointerValue(channel));
    ota->SetAttribute("Fading", ns3::PointerValue(fading));
    return ota;
}

/// Mean NMSE over rounds 1..rounds of one policy on the shared draws (fading,
/// code and noise are keyed by the seed and the round, so every policy sees the same).
double
MeanNmse(OverTheAirAggregator::Coding coding,
         ns3::Ptr<PowerAllocator> allocator,
         const std::vector<ClientContribution>& contributions,
         double snrDb,
         int rounds,
         double* meanActive = nullptr)
{
    auto ota = MakeAggregator(coding, allocator, snrDb, ns3::CreateObject<RayleighFading>());
    double nmse = 0.0;
    double active = 0.0;
    for (int r = 1; r <= rounds; ++r)
    {
        const AggregationResult result = ota->Aggregate(static_cast<uint32_t>(r), contributions);
        nmse += result.nmse / rounds;
        active += static_cast<double>(result.activeClients) / rounds;
    }
    if (meanActive)
    {
        *meanActive = active;
    }
    return nmse;
}

/// Records every context it is given and inverts every client.
class ContextSpy : public PowerAllocator
{
  public:
    static ns3::TypeId GetTypeId()
    {
        static ns3::TypeId tid =
            ns3::TypeId("wfltest::ContextSpy").SetParent<PowerAllocator>().SetGroupName("WflTest");
        return tid;
    }

    mutable std::vector<AllocationContext> contexts;
    mutable std::vector<double> updateNorm2; ///< sum over candidates, per call

  private:
    PowerDecision DoAllocate(const std::vector<PowerCandidate>& candidates,
                             const AllocationContext& context) const override
    {
        contexts.push_back(context);
        double sum = 0.0;
        for (const PowerCandidate& c : candidates)
        {
            sum += c.updateNorm2;
        }
        updateNorm2.push_back(sum);
        return m_inversion->Allocate(candidates, context);
    }

    ns3::Ptr<InversionPowerAllocator> m_inversion = ns3::CreateObject<InversionPowerAllocator>();
};

} // namespace

TEST(MseOptimalAllocator, AggregatorGivesTheRuleNoiseGainProjectionAndAnUnbiasedNorm)
{
    // Eight clients of unequal weights whose updates share half their energy; D = 1000
    // (rlc: buckets 3 x 256 + 232, k = 64). No fading, 0 dB: the noise energy received
    // is comparable to the signal's, so the noise must be subtracted right.
    const Eigen::Index dim = 1000;
    const auto updates = SpreadUpdates(8, dim, 1.0, 31);
    const auto contributions = Contributions(updates);
    double meanWeight = 0.0;
    for (const ClientContribution& c : contributions)
    {
        meanWeight += c.weight / static_cast<double>(contributions.size());
    }
    // The target: the weighted mean inner product of different clients' g_k.
    double inner = 0.0, pairs = 0.0;
    for (size_t j = 0; j < updates.size(); ++j)
    {
        for (size_t l = 0; l < updates.size(); ++l)
        {
            if (j != l)
            {
                const double wj = contributions[j].weight / meanWeight;
                const double wl = contributions[l].weight / meanWeight;
                inner += wj * wl * updates[j].cast<double>().dot(updates[l].cast<double>());
                pairs += wj * wl;
            }
        }
    }
    const double target = inner / pairs;
    for (uint32_t coherence : {0u, 64u})
    {
        for (auto coding : {OverTheAirAggregator::ANALOG, OverTheAirAggregator::RLC})
        {
            auto spy = ns3::CreateObject<ContextSpy>();
            auto ota = MakeAggregator(coding, spy, 0.0, ns3::CreateObject<NoFading>());
            ota->SetAttribute("CoherenceUses", ns3::UintegerValue(coherence));
            const int rounds = 400;
            double mean = 0.0, meanSquare = 0.0;
            for (int r = 1; r <= rounds; ++r)
            {
                const size_t first = spy->contexts.size();
                ota->Aggregate(static_cast<uint32_t>(r), contributions);
                double noiseGain = 0.0, estimate = 0.0;
                for (size_t b = first; b < spy->contexts.size(); ++b)
                {
                    const AllocationContext& context = spy->contexts[b];
                    noiseGain += context.noiseGain;
                    estimate += context.aggregateNorm2;
                    EXPECT_EQ(context.projectionFactor,
                              coding == OverTheAirAggregator::RLC ? RlcProjectionFactor(1000, 256, 64) : 0.0);
                }
                // sigma^2 / 2 per decoded coordinate: D / 2 over the blocks.
                EXPECT_NEAR(noiseGain, 0.5 * dim, 1e-9 * dim);
                if (r == 1)
                {
                    EXPECT_EQ(estimate, 0.0); // nothing received yet
                }
                mean += r > 1 ? estimate / (rounds - 1) : 0.0;
                meanSquare += r > 1 ? estimate * estimate / (rounds - 1) : 0.0;
            }
            const double standardError = std::sqrt((meanSquare - mean * mean) / (rounds - 1));
            // Measured standard errors of the mean 0.3 % (analog) and 0.75 % (rlc) of the
            // target; the 3 % tolerance catches the decoded norm (1.6-2.0 times the target),
            // a noise-power error of 10 % (-5 %) and the pilot use counted as data (+11-14 %).
            const std::string name = coding == OverTheAirAggregator::RLC ? "rlc_L" : "analog_L";
            RecordProperty(name + std::to_string(coherence),
                           std::to_string(mean / target) + " se " + std::to_string(standardError / target));
            EXPECT_NEAR(mean, target, 0.03 * target) << "coherence " << coherence << " coding " << coding;
        }
    }
}

TEST(MseOptimalAllocator, NeverWorseThanInversionOrTruncatedOverManyRounds)
{
    // Twelve clients of unequal weights whose updates share half their energy
    // (G = v), Rayleigh fading, analog and rlc (k/n = 1/4, p = 3), from noise-limited
    // (5 dB: inversion pays for its weakest client, truncation for the clients it
    // silences) to projection-limited (40 dB, like scenarios/default.ini).
    // Deterministic draws. The smallest margin is rlc at 40 dB (mse-optimal 0.06 % below
    // inversion), then rlc at 25 and 15 dB (0.8 % and 0.9 % below truncated): a change
    // that raises mse-optimal's NMSE there by more fails. The old spread estimate (from
    // the decoded norm) raises it by 4-7 % under rlc at 15-40 dB and fails. Leaving the
    // projection term out of the cost raises it by only 0.1-0.4 % here, inside the
    // margins: AggregatorGivesTheRuleNoiseGainProjectionAndAnUnbiasedNorm catches that.
    const auto updates = SpreadUpdates(12, 2048, 1.0, 21);
    const auto contributions = Contributions(updates);
    const int rounds = 300;
    for (double snrDb : {5.0, 15.0, 25.0, 40.0})
    {
        for (auto coding : {OverTheAirAggregator::ANALOG, OverTheAirAggregator::RLC})
        {
            double active = 0.0;
            const double mse = MeanNmse(coding, ns3::CreateObject<MseOptimalPowerAllocator>(), contributions,
                                        snrDb, rounds, &active);
            const double inversion =
                MeanNmse(coding, ns3::CreateObject<InversionPowerAllocator>(), contributions, snrDb, rounds);
            const double truncated = MeanNmse(coding, ns3::CreateObject<TruncatedInversionPowerAllocator>(),
                                              contributions, snrDb, rounds);
            const std::string name = (coding == OverTheAirAggregator::ANALOG ? "analog_" : "rlc_") +
                                     std::to_string(static_cast<int>(snrDb)) + "dB";
            std::cout << name << ": mean NMSE mse-optimal " << mse << " (" << active
                      << " active), inversion " << inversion << ", truncated " << truncated << "\n";
            RecordProperty(name, std::to_string(mse) + " / " + std::to_string(inversion) + " / " +
                                     std::to_string(truncated));
            EXPECT_LE(mse, inversion) << name;
            EXPECT_LE(mse, truncated) << name;
        }
    }
}
