/*
 * The mse-optimal power rule's set search (docs/power-allocation.md): the
 * issue's counterexample to a prefix by scale, the search against
 * enumeration of every subset, and its cost at 10,000 clients.
 */
#include "mse-optimal-rule.h"
#include "random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

using namespace wfl;

namespace
{

/// A random search problem: scales, weights and a cost model.
struct Instance
{
    std::vector<double> scales;
    std::vector<double> weights;
    MseCostModel model;
};

Instance
RandomInstance(Rng& rng, size_t count)
{
    Instance in;
    const uint64_t weightKind = rng.UniformInt(3);
    const double sigma = rng.Uniform(0.0, 2.0);
    const bool rayleigh = rng.Uniform() < 0.5;
    for (size_t k = 0; k < count; ++k)
    {
        const double levels[] = {0.1, 1.0, 3.0};
        in.weights.push_back(weightKind == 0   ? std::exp(sigma * rng.Normal())
                             : weightKind == 1 ? rng.Uniform(0.01, 1.0)
                                               : levels[rng.UniformInt(3)]);
        in.scales.push_back(rayleigh ? std::sqrt(-std::log(1.0 - rng.Uniform()))
                                     : std::exp(rng.Uniform(-4.0, 0.0)));
        in.model.totalWeight += in.weights.back();
        in.model.totalSquaredWeight += in.weights.back() * in.weights.back();
    }
    const uint64_t projectionKind = rng.UniformInt(3);
    in.model.projectionFactor = projectionKind == 0   ? 0.0
                                : projectionKind == 1 ? rng.Uniform(0.0, 1.0)
                                                      : rng.Uniform(0.0, 10.0);
    in.model.commonNorm2 = 1.0;
    in.model.spread = std::pow(10.0, rng.Uniform(-3.0, 2.0));
    // Noise from negligible to dominant, against the spread.
    in.model.noiseEnergy = in.model.spread * std::pow(10.0, rng.Uniform(-3.0, 2.0));
    return in;
}

/// min over every nonempty subset of J, each evaluated from scratch.
double
BruteForceMinimum(const Instance& in)
{
    const size_t count = in.scales.size();
    double best = std::numeric_limits<double>::infinity();
    for (uint32_t mask = 1; mask < (1u << count); ++mask)
    {
        double scale = std::numeric_limits<double>::infinity();
        double w = 0.0;
        double s = 0.0;
        for (size_t k = 0; k < count; ++k)
        {
            if (mask & (1u << k))
            {
                scale = std::min(scale, in.scales[k]);
                w += in.weights[k];
                s += in.weights[k] * in.weights[k];
            }
        }
        best = std::min(best, in.model.Error(scale, w, s));
    }
    return best;
}

/// The best set that is a prefix of the clients sorted by scale (the old claim).
double
BestScalePrefix(const Instance& in)
{
    std::vector<size_t> order(in.scales.size());
    for (size_t k = 0; k < order.size(); ++k)
    {
        order[k] = k;
    }
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return in.scales[a] > in.scales[b]; });
    double best = std::numeric_limits<double>::infinity();
    double w = 0.0;
    double s = 0.0;
    for (size_t k : order)
    {
        w += in.weights[k];
        s += in.weights[k] * in.weights[k];
        best = std::min(best, in.model.Error(in.scales[k], w, s));
    }
    return best;
}

} // namespace

TEST(MseOptimalRule, IssueCounterexampleToTheScalePrefix)
{
    // a: c = 1, w = 0.2; b: c = 0.9, w = 1.8. With a large spread the best single
    // client is b, so "the best set of each size has the largest c_k" is false.
    MseCostModel model;
    model.noiseEnergy = 0.025;
    model.projectionFactor = 9.0; // rlc at k/n = 0.1
    model.commonNorm2 = 1.0;
    model.spread = 7.84;
    model.totalWeight = 2.0;
    model.totalSquaredWeight = 0.2 * 0.2 + 1.8 * 1.8;
    EXPECT_LT(model.Error(0.9, 1.8, 1.8 * 1.8), model.Error(1.0, 0.2, 0.2 * 0.2));
    // Add d: c = 0.6, w = 0.2. The optimum {a, d} skips b, which is no prefix by scale.
    const std::vector<double> scales{1.0, 0.9, 0.6};
    const std::vector<double> weights{0.2, 1.8, 0.2};
    model.totalWeight = 2.2;
    model.totalSquaredWeight = 0.04 + 3.24 + 0.04;
    const std::vector<bool> chosen = ChooseMseOptimalSet(scales, weights, model);
    EXPECT_EQ(chosen, (std::vector<bool>{true, false, true}));
    const double best = model.ErrorOf(chosen, scales, weights);
    for (const std::vector<bool>& prefix : {std::vector<bool>{true, false, false},
                                           std::vector<bool>{true, true, false},
                                           std::vector<bool>{true, true, true}})
    {
        EXPECT_GT(model.ErrorOf(prefix, scales, weights), 1.05 * best);
    }
}

TEST(MseOptimalRule, SearchMatchesEnumerationOfEverySubset)
{
    // 20,000 random problems with 1..12 clients: weights lognormal, uniform or on three
    // levels; scales Rayleigh or log-uniform over 4 nepers; spread, noise and p over
    // several decades. Agreement: J of the chosen set within 1e-12 (relative) of the
    // minimum over all 2^M - 1 sets. The search has no proof of exactness; it agreed in
    // every one of 45,000 such problems tried while writing it; the test demands 99.9 %
    // and a worst excess of 1e-9. The old rule (best prefix by scale) misses the optimum
    // in 0.7 % of these problems, by up to 77 %: it fails both.
    Rng rng(14, "test-search");
    const int cases = 20000;
    int agree = 0;
    int prefixMisses = 0;
    double worst = 0.0;
    double prefixWorst = 0.0;
    for (int i = 0; i < cases; ++i)
    {
        const Instance in = RandomInstance(rng, 1 + rng.UniformInt(12));
        const double minimum = BruteForceMinimum(in);
        const double found = in.model.ErrorOf(ChooseMseOptimalSet(in.scales, in.weights, in.model),
                                              in.scales, in.weights);
        const double excess = found / minimum - 1.0;
        worst = std::max(worst, excess);
        agree += excess <= 1e-12 ? 1 : 0;
        const double prefixExcess = BestScalePrefix(in) / minimum - 1.0;
        prefixMisses += prefixExcess > 1e-9 ? 1 : 0;
        prefixWorst = std::max(prefixWorst, prefixExcess);
    }
    RecordProperty("agreement", std::to_string(static_cast<double>(agree) / cases));
    RecordProperty("worst_excess", std::to_string(worst));
    RecordProperty("scale_prefix_misses",
                   std::to_string(prefixMisses) + ", worst " + std::to_string(prefixWorst));
    std::cout << "agreement " << agree << "/" << cases << ", worst relative excess " << worst
              << "; best prefix by scale misses " << prefixMisses << ", worst " << prefixWorst << "\n";
    EXPECT_GE(agree, cases - cases / 1000); // at least 99.9 %
    EXPECT_LE(worst, 1e-9);                 // and never more than rounding above the minimum
    EXPECT_GT(prefixMisses, cases / 500);   // the problems include ones the old rule gets wrong
}

TEST(MseOptimalRule, TenThousandClientsInOneBlock)
{
    // The search is O(M^2): measure it at M = 10,000 (one coherence block).
    Rng rng(15, "test-scale");
    const Instance in = RandomInstance(rng, 10000);
    const auto start = std::chrono::steady_clock::now();
    const std::vector<bool> chosen = ChooseMseOptimalSet(in.scales, in.weights, in.model);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    RecordProperty("seconds", std::to_string(seconds));
    std::cout << "M = 10000: " << seconds << " s\n";
    EXPECT_LE(in.model.ErrorOf(chosen, in.scales, in.weights),
              in.model.ErrorOf(std::vector<bool>(10000, true), in.scales, in.weights));
    EXPECT_LT(seconds, 20.0); // generous: a shared 2-core machine
}
