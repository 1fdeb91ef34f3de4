// Tests of the client partitions (model/numeric/partition.h).

#include "input-error.h"
#include "partition.h"
#include "random.h"

#include "test-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

using namespace wfl;

namespace
{

/// True when the clients' indices together are exactly 0..count-1, each once.
::testing::AssertionResult
IsPermutationOfAll(const Partition& partition, int count)
{
    std::vector<int> all;
    for (const auto& part : partition)
    {
        all.insert(all.end(), part.begin(), part.end());
    }
    std::sort(all.begin(), all.end());
    std::vector<int> expected(static_cast<size_t>(count));
    std::iota(expected.begin(), expected.end(), 0);
    if (all == expected)
    {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << all.size() << " indices in total, expected each of 0.." << count - 1 << " once";
}

std::vector<int>
Sizes(const Partition& partition)
{
    std::vector<int> sizes;
    for (const auto& part : partition)
    {
        sizes.push_back(static_cast<int>(part.size()));
    }
    return sizes;
}


/// 10 classes x perClass samples, labels interleaved 0,1,...,9,0,1,...
std::vector<int>
BalancedLabels(int perClass)
{
    std::vector<int> labels(static_cast<size_t>(10 * perClass));
    for (size_t i = 0; i < labels.size(); ++i)
    {
        labels[i] = static_cast<int>(i % 10);
    }
    return labels;
}

/// Mean over clients of the largest single-class fraction of the client's samples.
double
MeanMaxClassFraction(const Partition& partition, const std::vector<int>& labels)
{
    double total = 0.0;
    for (const auto& part : partition)
    {
        std::vector<int> perClass(10, 0);
        for (int i : part)
        {
            ++perClass[static_cast<size_t>(labels[static_cast<size_t>(i)])];
        }
        total += static_cast<double>(*std::max_element(perClass.begin(), perClass.end())) /
                 static_cast<double>(part.size());
    }
    return total / static_cast<double>(partition.size());
}

} // namespace

TEST(PartitionIid, EveryIndexOnceAndEqualSizes)
{
    for (int clients : {1, 3, 7, 100})
    {
        Rng rng(1, "partition", static_cast<uint64_t>(clients));
        const Partition p = PartitionIid(1003, clients, 0.0, rng);
        ASSERT_EQ(p.size(), static_cast<size_t>(clients));
        EXPECT_TRUE(IsPermutationOfAll(p, 1003)) << clients << " clients";
        const std::vector<int> sizes = Sizes(p);
        const auto [lo, hi] = std::minmax_element(sizes.begin(), sizes.end());
        EXPECT_LE(*hi - *lo, 1) << clients << " clients";
    }
}

TEST(PartitionIid, ShuffledNotContiguous)
{
    Rng rng(1, "partition");
    const Partition p = PartitionIid(100, 4, 0.0, rng);
    std::vector<int> first(25);
    std::iota(first.begin(), first.end(), 0);
    EXPECT_NE(p[0], first);
}

TEST(PartitionIid, LogNormalSizesUnequalButValid)
{
    Rng rng(2, "partition");
    const Partition p = PartitionIid(1000, 20, 1.0, rng);
    ASSERT_EQ(p.size(), 20u);
    EXPECT_TRUE(IsPermutationOfAll(p, 1000));
    const std::vector<int> sizes = Sizes(p);
    EXPECT_EQ(std::accumulate(sizes.begin(), sizes.end(), 0), 1000);
    const auto [lo, hi] = std::minmax_element(sizes.begin(), sizes.end());
    EXPECT_GE(*lo, 1);
    // With sigma = 1 the shares spread over a factor e^2 or so in +-1 sigma;
    // the largest client at least doubles the smallest one.
    EXPECT_GT(*hi, 2 * *lo);

    // Very skewed shares with barely more samples than clients: still >= 1 each.
    Rng skewed(3, "partition");
    const Partition q = PartitionIid(30, 25, 3.0, skewed);
    EXPECT_TRUE(IsPermutationOfAll(q, 30));
    for (int s : Sizes(q))
    {
        EXPECT_GE(s, 1);
    }
}

TEST(PartitionIid, DeterministicInRngKey)
{
    Rng a(4, "partition", 1);
    Rng b(4, "partition", 1);
    Rng c(4, "partition", 2);
    const Partition pa = PartitionIid(500, 10, 0.5, a);
    EXPECT_EQ(pa, PartitionIid(500, 10, 0.5, b));
    EXPECT_NE(pa, PartitionIid(500, 10, 0.5, c));
}

TEST(PartitionIid, MoreClientsThanSamplesIsInputError)
{
    Rng rng(5, "partition");
    const std::string msg = wfltest::InputErrorOf([&] { PartitionIid(10, 11, 0.0, rng); });
    EXPECT_NE(msg.find("data.clients"), std::string::npos) << msg;
    // Exactly as many clients as samples is fine: one each.
    const Partition p = PartitionIid(10, 10, 0.0, rng);
    EXPECT_EQ(Sizes(p), std::vector<int>(10, 1));
}

TEST(PartitionDirichlet, UnionIsPermutationAndMinimumHolds)
{
    const std::vector<int> labels = BalancedLabels(600);
    for (double alpha : {0.1, 1.0, 1000.0})
    {
        Rng rng(6, "dirichlet", static_cast<uint64_t>(alpha * 10));
        const Partition p = PartitionDirichlet(labels, 10, 20, alpha, 10, rng);
        ASSERT_EQ(p.size(), 20u);
        EXPECT_TRUE(IsPermutationOfAll(p, 6000)) << "alpha " << alpha;
        for (int s : Sizes(p))
        {
            EXPECT_GE(s, 10) << "alpha " << alpha;
        }
    }
}

TEST(PartitionDirichlet, SmallAlphaSkewsLabels)
{
    const std::vector<int> labels = BalancedLabels(600);
    Rng skewRng(7, "dirichlet", 1);
    Rng flatRng(7, "dirichlet", 2);
    const double skewed =
        MeanMaxClassFraction(PartitionDirichlet(labels, 10, 20, 0.1, 10, skewRng), labels);
    const double flat =
        MeanMaxClassFraction(PartitionDirichlet(labels, 10, 20, 1000.0, 10, flatRng), labels);
    // alpha = 0.1: a client's samples come mostly from one or two classes, so the
    // mean largest-class fraction is far above the uniform 0.1 (threshold 0.5).
    EXPECT_GT(skewed, 0.5);
    // alpha = 1000: proportions are nearly equal (sd of a share ~0.0015), so every
    // client is close to 1/10 per class (threshold 0.2).
    EXPECT_LT(flat, 0.2);
    EXPECT_GE(flat, 0.1); // the largest of 10 fractions can never be below 1/10
}

TEST(PartitionDirichlet, DeterministicInRngKey)
{
    const std::vector<int> labels = BalancedLabels(50);
    Rng a(8, "dirichlet");
    Rng b(8, "dirichlet");
    Rng c(9, "dirichlet");
    const Partition pa = PartitionDirichlet(labels, 10, 5, 0.5, 1, a);
    EXPECT_EQ(pa, PartitionDirichlet(labels, 10, 5, 0.5, 1, b));
    EXPECT_NE(pa, PartitionDirichlet(labels, 10, 5, 0.5, 1, c));
}

TEST(PartitionDirichlet, ImpossibleRequestIsInputError)
{
    // 50 clients x 5 samples would need 250 samples; only 60 exist.
    const std::vector<int> labels = BalancedLabels(6);
    Rng rng(10, "dirichlet");
    const std::string msg =
        wfltest::InputErrorOf([&] { PartitionDirichlet(labels, 10, 50, 0.01, 5, rng); });
    EXPECT_NE(msg.find("data.dirichlet-alpha"), std::string::npos) << msg;
}
