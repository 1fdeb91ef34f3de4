// Tests of the fading models, the multiple-access channel and the slot layout
// of over-the-air aggregation (methods.md 1.3, 6.3, 9).
//
// Statistical tests use fixed seeds, so they are deterministic; their
// tolerances are stated in units of the Monte Carlo standard error (SE).

#include "fading-model.h"
#include "multiple-access-channel.h"
#include "over-the-air-aggregator.h"
#include "random.h"

#include "ns3/boolean.h"
#include "ns3/callback.h"
#include "ns3/double.h"
#include "ns3/object-factory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <string>
#include <vector>

using namespace wfl;

namespace
{

struct FadingCase
{
    std::string name;
    ns3::Ptr<FadingModel> model;
    double fourthMoment; ///< E|h|^4
};

/// Sample mean and its standard error.
struct Estimate
{
    double mean;
    double se;
};

Estimate
Summarize(const std::vector<double>& x)
{
    double sum = 0.0;
    double sumSq = 0.0;
    for (double v : x)
    {
        sum += v;
        sumSq += v * v;
    }
    const double n = static_cast<double>(x.size());
    const double mean = sum / n;
    const double var = std::max(0.0, (sumSq / n - mean * mean) * n / (n - 1.0));
    return {mean, std::sqrt(var / n)};
}

std::vector<FadingCase>
FadingCases()
{
    std::vector<FadingCase> cases;
    cases.push_back({"none", ns3::CreateObject<NoFading>(), 1.0});
    cases.push_back({"rayleigh", ns3::CreateObject<RayleighFading>(), 2.0});
    // Rician, h = a e^{j phi} + b w with a^2 = K/(K+1), b^2 = 1/(K+1), w ~ CN(0,1):
    // |h|^2 = a^2 + b^2|w|^2 + 2ab Re(e^{-j phi} w). Odd terms in w vanish,
    // E|w|^4 = 2 and E[Re(e^{-j phi} w)^2] = 1/2, so
    // E|h|^4 = a^4 + 2a^2b^2 + 2b^4 + 4a^2b^2/2 = (K^2 + 4K + 2)/(K+1)^2
    // (2 at K = 0, Rayleigh; 1 as K -> infinity). (2K^2+4K+2)/(K+1)^2 would be 2 for every K.
    for (double k : {0.0, 3.0, 10.0})
    {
        cases.push_back({"rician K=" + std::to_string(k),
                         ns3::CreateObjectWithAttributes<RicianFading>("KFactor", ns3::DoubleValue(k)),
                         (k * k + 4.0 * k + 2.0) / ((k + 1.0) * (k + 1.0))});
    }
    // Nakagami: |h|^2 ~ Gamma(m, 1/m), E|h|^4 = var + mean^2 = 1/m + 1.
    for (double m : {0.5, 1.0, 2.0, 5.0})
    {
        cases.push_back({"nakagami m=" + std::to_string(m),
                         ns3::CreateObjectWithAttributes<NakagamiFading>("M", ns3::DoubleValue(m)),
                         (m + 1.0) / m});
    }
    return cases;
}

Eigen::VectorXcd
RandomSymbols(Rng& rng, size_t n)
{
    Eigen::VectorXcd x(static_cast<Eigen::Index>(n));
    for (Eigen::Index i = 0; i < x.size(); ++i)
    {
        x(i) = {rng.Normal(), rng.Normal()};
    }
    return x;
}

} // namespace

TEST(Fading, UnitPowerAndFourthMoment)
{
    const int n = 200000;
    uint64_t index = 0;
    for (const FadingCase& c : FadingCases())
    {
        Rng rng(1, "fading", index++);
        std::vector<double> power(n), power2(n), re(n), im(n);
        for (int i = 0; i < n; ++i)
        {
            const std::complex<double> h = c.model->Sample(rng);
            power[i] = std::norm(h);
            power2[i] = power[i] * power[i];
            re[i] = h.real();
            im[i] = h.imag();
        }
        // All tolerances: 5 empirical SE (plus 1e-12 for NoFading, whose SE is 0).
        const Estimate p = Summarize(power);
        EXPECT_NEAR(p.mean, 1.0, 5.0 * p.se + 1e-12) << c.name;
        const Estimate p2 = Summarize(power2);
        EXPECT_NEAR(p2.mean, c.fourthMoment, 5.0 * p2.se + 1e-12) << c.name;
        if (c.name != "none")
        {
            // Uniform phase: E[h] = 0.
            const Estimate r = Summarize(re);
            const Estimate m = Summarize(im);
            EXPECT_NEAR(r.mean, 0.0, 5.0 * r.se) << c.name;
            EXPECT_NEAR(m.mean, 0.0, 5.0 * m.se) << c.name;
        }
    }
}

TEST(MultipleAccessChannel, NoisePowerAndUseDuration)
{
    // Thermal: B = 1 MHz, NF = 7 dB gives -174 + 60 + 7 = -107 dBm = 10^-13.7 W.
    auto mac = ns3::CreateObject<MultipleAccessChannel>();
    EXPECT_NEAR(mac->NoisePowerW(), std::pow(10.0, -13.7), 1e-12 * std::pow(10.0, -13.7));
    EXPECT_DOUBLE_EQ(mac->ChannelUseSeconds(), 1e-6);
    EXPECT_NEAR(mac->ChannelUseDuration().GetSeconds(), 1e-6, 1e-15);
    EXPECT_FALSE(mac->IsNormalized());
    for (double b : {1e5, 2e7})
    {
        for (double nf : {0.0, 9.5})
        {
            auto m = ns3::CreateObjectWithAttributes<MultipleAccessChannel>(
                "BandwidthHz", ns3::DoubleValue(b), "NoiseFigureDb", ns3::DoubleValue(nf));
            const double expected = 1e-3 * std::pow(10.0, (-174.0 + 10.0 * std::log10(b) + nf) / 10.0);
            EXPECT_NEAR(m->NoisePowerW(), expected, 1e-12 * expected) << b << " " << nf;
            EXPECT_DOUBLE_EQ(m->ChannelUseSeconds(), 1.0 / b);
        }
    }
    // Normalized: P_ref 10^(-SnrDb/10), independent of bandwidth.
    auto norm = ns3::CreateObjectWithAttributes<MultipleAccessChannel>(
        "Normalized", ns3::BooleanValue(true), "SnrDb", ns3::DoubleValue(20.0),
        "ReferencePowerW", ns3::DoubleValue(0.5), "BandwidthHz", ns3::DoubleValue(3e6));
    EXPECT_TRUE(norm->IsNormalized());
    EXPECT_NEAR(norm->NoisePowerW(), 0.005, 1e-12 * 0.005);
    // Noiseless wins over both modes.
    for (bool normalized : {false, true})
    {
        auto quiet = ns3::CreateObjectWithAttributes<MultipleAccessChannel>(
            "Noiseless", ns3::BooleanValue(true), "Normalized", ns3::BooleanValue(normalized));
        EXPECT_EQ(quiet->NoisePowerW(), 0.0);
    }
}

TEST(MultipleAccessChannel, SuperpositionOfBlockFadedSignals)
{
    Rng rng(2, "superposition");
    const size_t uses = 10;
    for (size_t coherence : {size_t{3}, size_t{0}})
    {
        const size_t blocks = coherence == 0 ? 1 : (uses + coherence - 1) / coherence;
        for (bool noiseless : {true, false})
        {
            auto mac = ns3::CreateObjectWithAttributes<MultipleAccessChannel>(
                "Noiseless", ns3::BooleanValue(noiseless), "Normalized", ns3::BooleanValue(true),
                "SnrDb", ns3::DoubleValue(0.0));
            uint64_t reportedUses = 0;
            uint32_t reportedTransmitters = 0;
            mac->TraceConnectWithoutContext(
                "SlotCompleted",
                ns3::MakeCallback(
                    +[](uint64_t* u, uint32_t* t, uint64_t su, uint32_t st, double /* noise */) {
                        *u = su;
                        *t = st;
                    })
                    .Bind(&reportedUses, &reportedTransmitters));
            mac->BeginSlot(uses);
            Eigen::VectorXcd expected = Eigen::VectorXcd::Zero(uses);
            for (int k = 0; k < 3; ++k)
            {
                const Eigen::VectorXcd x = RandomSymbols(rng, uses);
                std::vector<std::complex<double>> gains(blocks);
                for (auto& h : gains)
                {
                    h = {rng.Normal(), rng.Normal()};
                }
                for (size_t i = 0; i < uses; ++i)
                {
                    const size_t b = coherence == 0 ? 0 : i / coherence;
                    expected(static_cast<Eigen::Index>(i)) += gains[b] * x(static_cast<Eigen::Index>(i));
                }
                mac->Transmit(x, gains, coherence);
            }
            Rng noise(3, "noise", coherence);
            const Eigen::VectorXcd y = mac->EndSlot(noise);
            // Same products and sums; 1e-14 relative allows only a different
            // rounding (FMA or vectorized complex product).
            const double tol = 1e-14 * expected.cwiseAbs().maxCoeff();
            if (noiseless)
            {
                EXPECT_LE((y - expected).cwiseAbs().maxCoeff(), tol) << "coherence " << coherence;
            }
            else
            {
                // Unit noise power: y must differ from the clean sum.
                EXPECT_GT((y - expected).cwiseAbs().maxCoeff(), 1e-3);
            }
            // Signal power is measured before the noise is added.
            EXPECT_NEAR(mac->LastSignalPowerW(), expected.squaredNorm() / uses,
                        1e-12 * expected.squaredNorm() / uses);
            EXPECT_EQ(reportedUses, uses);
            EXPECT_EQ(reportedTransmitters, 3u);
        }
    }
}

TEST(MultipleAccessChannel, EmpiricalNoiseMatchesNoisePower)
{
    auto mac = ns3::CreateObject<MultipleAccessChannel>(); // thermal, -107 dBm
    const size_t uses = 200000;
    mac->BeginSlot(uses);
    Rng noise(4, "noise");
    const Eigen::VectorXcd y = mac->EndSlot(noise);
    const double sigma2 = mac->NoisePowerW();
    EXPECT_EQ(mac->LastSignalPowerW(), 0.0);
    double re2 = 0.0;
    double im2 = 0.0;
    for (Eigen::Index i = 0; i < y.size(); ++i)
    {
        re2 += y(i).real() * y(i).real();
        im2 += y(i).imag() * y(i).imag();
    }
    re2 /= static_cast<double>(uses);
    im2 /= static_cast<double>(uses);
    // |z|^2 is exponential with mean sigma^2: SE 1/sqrt(200000) = 0.22%, so 1%
    // is 4.5 SE. Each part is sigma^2/2 times chi-square(1): SE sqrt(2/n) = 0.32%,
    // tolerance 5 SE = 1.6%.
    EXPECT_NEAR((re2 + im2) / sigma2, 1.0, 0.01);
    EXPECT_NEAR(re2 / sigma2, 0.5, 0.5 * 5.0 * std::sqrt(2.0 / uses));
    EXPECT_NEAR(im2 / sigma2, 0.5, 0.5 * 5.0 * std::sqrt(2.0 / uses));
}

TEST(SlotLayout, DataAndPilotsTileTheSlot)
{
    const std::vector<std::pair<size_t, size_t>> cases{{10, 0}, {10, 2}, {10, 4}, {7, 3}, {1, 0}, {1, 2}};
    for (bool withPilot : {true, false})
    for (const auto& [data, coherence] : cases)
    {
        const SlotLayout layout(data, coherence, withPilot);
        const std::string tag = "data " + std::to_string(data) + " coherence " + std::to_string(coherence) +
                                (withPilot ? " pilot" : " no pilot");
        // One pilot per block (if any); blocks of coherence - pilot data symbols each, or one block.
        const size_t pilots = withPilot ? 1 : 0;
        const size_t blocks = coherence == 0 ? 1 : (data + coherence - pilots - 1) / (coherence - pilots);
        ASSERT_EQ(layout.blocks, blocks) << tag;
        ASSERT_EQ(layout.totalUses, data + pilots * blocks) << tag;
        std::vector<int> owner(layout.totalUses, -1); // block index of each use
        std::vector<int> seen(layout.totalUses, 0);
        size_t dataSum = 0;
        for (size_t b = 0; b < layout.blocks; ++b)
        {
            // Blocks are contiguous, aligned with the channel's coherence blocks.
            ASSERT_EQ(layout.BlockStart(b), b == 0 ? 0 : layout.BlockEnd(b - 1)) << tag;
            if (coherence > 0)
            {
                ASSERT_EQ(layout.BlockStart(b), b * coherence) << tag;
            }
            ASSERT_LT(layout.BlockStart(b), layout.BlockEnd(b)) << tag;
            ASSERT_EQ(layout.BlockEnd(b) - layout.BlockStart(b), layout.DataUsesIn(b) + pilots) << tag;
            dataSum += layout.DataUsesIn(b);
            for (size_t u = layout.BlockStart(b); u < layout.BlockEnd(b); ++u)
            {
                owner[u] = static_cast<int>(b);
            }
            if (withPilot)
            {
                const size_t pilot = layout.PilotPosition(b);
                ASSERT_LT(pilot, layout.totalUses) << tag;
                ++seen[pilot];
            }
        }
        ASSERT_EQ(dataSum, data) << tag;
        ASSERT_EQ(layout.BlockEnd(layout.blocks - 1), layout.totalUses) << tag;
        for (size_t j = 0; j < data; ++j)
        {
            const size_t pos = layout.DataPosition(j);
            ASSERT_LT(pos, layout.totalUses) << tag << " j " << j;
            if (j > 0)
            {
                ASSERT_GT(pos, layout.DataPosition(j - 1)) << tag << " j " << j;
            }
            ++seen[pos];
            const auto b = static_cast<size_t>(owner[pos]);
            EXPECT_GE(j, layout.FirstData(b)) << tag << " j " << j;
            EXPECT_LT(j, layout.DataEnd(b)) << tag << " j " << j;
            // The block's pilot comes after all of its data (it is the last use).
            if (withPilot)
            {
                EXPECT_LT(pos, layout.PilotPosition(b)) << tag << " j " << j;
            }
        }
        // Every use is exactly one data symbol or one pilot.
        for (size_t u = 0; u < layout.totalUses; ++u)
        {
            EXPECT_EQ(seen[u], 1) << tag << " use " << u;
        }
    }
}
