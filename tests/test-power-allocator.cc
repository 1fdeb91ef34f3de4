/*
 * The mse-optimal power rule (docs/power-allocation.md): each term of its
 * cost J(A) against simulation and the server's estimate of ||g_bar||^2.
 * test-power-allocator-search.cc tests the set search, and
 * test-power-allocator-ota.cc the rule inside the aggregator.
 */
#include "mse-optimal-rule.h"
#include "random-linear-code.h"
#include "random.h"

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

using namespace wfl;

namespace
{

/// Mean and standard error of the mean of a stream of samples.
struct Sample
{
    double sum = 0.0;
    double sumSquares = 0.0;
    double count = 0.0;

    void Add(double x)
    {
        sum += x;
        sumSquares += x * x;
        count += 1.0;
    }

    double Mean() const
    {
        return sum / count;
    }

    /// Standard error relative to the mean.
    double RelativeError() const
    {
        return std::sqrt((sumSquares / count - Mean() * Mean()) / count) / std::abs(Mean());
    }

    std::string Describe(double theory) const
    {
        return std::to_string(Mean()) + " theory " + std::to_string(theory) + " se " +
               std::to_string(100.0 * RelativeError()) + " %";
    }
};

/// Entries +-1: equal magnitudes, so a bucket's energy is its number of coordinates.
Eigen::VectorXd
Signs(Eigen::Index dim, Rng& rng)
{
    Eigen::VectorXd g(dim);
    for (Eigen::Index i = 0; i < dim; ++i)
    {
        g(i) = rng.Uniform() < 0.5 ? -1.0 : 1.0;
    }
    return g;
}

} // namespace

TEST(MseOptimalRule, ProjectionFactorMatchesTheCode)
{
    // D = 104 in buckets of n = 64 (one full, one with 40 real coordinates), k = 16:
    // p = (64 * 3 + 40 * 39 * 48 / (16 * 63)) / 104 = 2.56, against n/k - 1 = 3.
    EXPECT_DOUBLE_EQ(RlcProjectionFactor(128, 64, 16), 3.0);
    EXPECT_DOUBLE_EQ(RlcProjectionFactor(40, 64, 64), 0.0); // every row kept
    const size_t dim = 104;
    const double p = RlcProjectionFactor(dim, 64, 16);
    EXPECT_NEAR(p, (64.0 * 3.0 + 40.0 * 39.0 * 48.0 / (16.0 * 63.0)) / 104.0, 1e-12);
    Rng rng(11, "test-projection");
    const Eigen::VectorXd g = Signs(dim, rng);
    const int rounds = 20000;
    Sample error;
    Eigen::VectorXd symbols(32);
    Eigen::VectorXd decoded(dim);
    for (int r = 1; r <= rounds; ++r)
    {
        RandomLinearCode code(dim, 64, 16, 5, static_cast<uint64_t>(r));
        code.Encode(g.data(), symbols.data());
        code.Decode(symbols.data(), decoded.data());
        error.Add((decoded - g).squaredNorm() / g.squaredNorm());
    }
    // Measured standard error 0.12 %: the 1 % tolerance catches any error in p above
    // 1 %, e.g. n/k - 1 (17 % over) or counting the padding as data.
    RecordProperty("p", error.Describe(p));
    EXPECT_NEAR(error.Mean(), p, 0.01 * p);
}

TEST(MseOptimalRule, NoiseAndExclusionAndProjectionTermsMatchSimulation)
{
    // Six clients of unequal weights, A = {0, 2, 3, 5}; g_k = g_bar + e_k with
    // ||g_bar||^2 = G = 1 and E||e_k||^2 = v = 2; rlc at D = 104, n = 64, k = 16.
    const Eigen::Index dim = 104;
    const std::vector<double> weights{0.3, 0.5, 1.0, 1.2, 1.5, 2.5};
    const std::vector<bool> active{true, false, true, true, false, true};
    MseCostModel model;
    model.projectionFactor = RlcProjectionFactor(dim, 64, 16);
    model.commonNorm2 = 1.0;
    model.spread = 2.0;
    model.noiseEnergy = 0.7 * 0.5 * dim; // sigma^2 = 0.7, D / 2 decoded coordinates' worth
    double wA = 0.0, sA = 0.0;
    for (size_t k = 0; k < weights.size(); ++k)
    {
        model.totalWeight += weights[k];
        model.totalSquaredWeight += weights[k] * weights[k];
        wA += active[k] ? weights[k] : 0.0;
        sA += active[k] ? weights[k] * weights[k] : 0.0;
    }
    const double scale = 0.8;
    const MseTerms terms = model.Evaluate(scale, wA, sA);
    Rng rng(12, "test-terms");
    const Eigen::VectorXd common = Signs(dim, rng) / std::sqrt(static_cast<double>(dim));
    const int rounds = 20000;
    Sample exclusion, projection, noise;
    Eigen::VectorXd symbols(32), decoded(dim), z(32);
    for (int r = 1; r <= rounds; ++r)
    {
        Eigen::VectorXd all = Eigen::VectorXd::Zero(dim), kept = Eigen::VectorXd::Zero(dim);
        for (size_t k = 0; k < weights.size(); ++k)
        {
            Eigen::VectorXd g = common;
            for (Eigen::Index i = 0; i < dim; ++i)
            {
                g(i) += std::sqrt(model.spread / static_cast<double>(dim)) * rng.Normal();
            }
            all += weights[k] * g / model.totalWeight;
            if (active[k])
            {
                kept += weights[k] * g / wA;
            }
        }
        RandomLinearCode code(dim, 64, 16, 6, static_cast<uint64_t>(r));
        code.Encode(kept.data(), symbols.data());
        code.Decode(symbols.data(), decoded.data());
        exclusion.Add((kept - all).squaredNorm());
        projection.Add((decoded - kept).squaredNorm());
        // Real noise symbols of variance sigma^2 / 2, decoded and divided by c W_A.
        for (Eigen::Index i = 0; i < z.size(); ++i)
        {
            z(i) = std::sqrt(0.7 / 2.0) * rng.Normal();
        }
        code.Decode(z.data(), decoded.data());
        noise.Add(decoded.squaredNorm() / (scale * scale * wA * wA));
    }
    RecordProperty("exclusion", exclusion.Describe(terms.exclusion));
    RecordProperty("projection", projection.Describe(terms.projection));
    RecordProperty("noise", noise.Describe(terms.noise));
    // Measured standard errors 0.10 % (exclusion), 0.14 % (projection) and 0.18 %
    // (noise); 1 % tolerances, so any error of a term above 1 % is caught, e.g. leaving
    // out v S_A / W_A^2 in the projection term (-49 %), the cross term -2 S_A / (W_A W)
    // of the exclusion (+630 %, tried), or D_pad = 128 in place of D = 104 in the noise (+23 %).
    EXPECT_NEAR(exclusion.Mean(), terms.exclusion, 0.01 * terms.exclusion);
    EXPECT_NEAR(projection.Mean(), terms.projection, 0.01 * terms.projection);
    EXPECT_NEAR(noise.Mean(), terms.noise, 0.01 * terms.noise);
}

TEST(MseOptimalRule, CommonNorm2EstimateIsUnbiasedUnderNoiseAndProjection)
{
    // Five clients with unequal weights, four of them sent; rlc k/n = 1/8 (p = 7) and
    // noise energy comparable to the signal's. The estimate targets the weighted mean
    // inner product of different clients' updates, which the server cannot see.
    const Eigen::Index dim = 1024;
    const std::vector<double> weights{0.5, 1.0, 0.8, 1.5, 1.2};
    const std::vector<bool> active{true, true, false, true, true};
    Rng rng(13, "test-estimate");
    const Eigen::VectorXd common = Signs(dim, rng) * 0.01;
    std::vector<Eigen::VectorXd> updates; // u_k = w_k g_k
    double pairs = 0.0, inner = 0.0, norms = 0.0, wA = 0.0, sA = 0.0;
    for (size_t k = 0; k < weights.size(); ++k)
    {
        Eigen::VectorXd g = common;
        for (Eigen::Index i = 0; i < dim; ++i)
        {
            g(i) += 0.015 * rng.Normal();
        }
        updates.push_back(weights[k] * g);
    }
    for (size_t j = 0; j < weights.size(); ++j)
    {
        if (!active[j])
        {
            continue;
        }
        wA += weights[j];
        sA += weights[j] * weights[j];
        norms += updates[j].squaredNorm();
        for (size_t l = 0; l < weights.size(); ++l)
        {
            if (active[l] && l != j)
            {
                inner += updates[j].dot(updates[l]);
                pairs += weights[j] * weights[l];
            }
        }
    }
    const double target = inner / pairs;
    const double scale = 3.0;
    const double noisePowerW = 0.25;
    const int rounds = 16000;
    Sample estimate;
    double noiseShare = 0.0;
    Eigen::VectorXd sum(dim), symbols(128);
    for (int r = 1; r <= rounds; ++r)
    {
        RandomLinearCode code(dim, 256, 32, 8, static_cast<uint64_t>(r));
        sum.setZero();
        for (size_t k = 0; k < weights.size(); ++k)
        {
            if (active[k])
            {
                sum += updates[k];
            }
        }
        code.Encode(sum.data(), symbols.data());
        ReceivedBlock block;
        for (Eigen::Index i = 0; i < symbols.size(); ++i)
        {
            // Real and imaginary parts each carry sigma^2 / 2.
            const double y = scale * symbols(i) + std::sqrt(noisePowerW / 2.0) * rng.Normal();
            block.receivedEnergy += y * y;
        }
        block.dataUses = static_cast<double>(symbols.size()) / 2.0;
        block.share = 1.0;
        block.scale = scale;
        block.activeWeight = wA;
        block.activeSquaredWeight = sA;
        block.activeUpdateNorm2 = norms;
        estimate.Add(EstimateCommonNorm2({block}, noisePowerW));
        noiseShare += noisePowerW * block.dataUses / block.receivedEnergy / rounds;
    }
    // Noise is 38 % of the received energy and the projection 7 ||g||^2. Measured
    // standard error 0.35 % of the target; the 2 % tolerance catches a noise-power error
    // of 2 % or more (leaving out the noise subtraction is +135 %), and any use of the
    // decoded norm (projection included: several times the target).
    RecordProperty("estimate", estimate.Describe(target) + ", noise share " + std::to_string(noiseShare));
    EXPECT_NEAR(estimate.Mean(), target, 0.02 * target);
    // One client alone carries no information about alignment.
    ReceivedBlock alone;
    alone.scale = 1.0;
    alone.activeWeight = 1.3;
    alone.activeSquaredWeight = 1.3 * 1.3;
    alone.share = 1.0;
    EXPECT_LT(EstimateCommonNorm2({alone}, 1.0), 0.0);
}
