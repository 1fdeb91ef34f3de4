/*
 * Properties every baseline compressor shares: the raw rate never exceeds
 * the budget, encode and decode are deterministic under a seed, and a round
 * is bit-identical whether its clients are encoded serially or in threads.
 */
#include "baselines-fixtures.h"
#include "ef-sign-compressor.h"
#include "powersgd-compressor.h"
#include "random-sparsification-compressor.h"
#include "signsgd-compressor.h"
#include "terngrad-compressor.h"
#include "topk-compressor.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace
{

using wfltest::Context;

struct Named
{
    std::string name;
    std::shared_ptr<const wfl::Compressor> compressor;
};

std::vector<Named>
All()
{
    return {{"terngrad", std::make_shared<wfl::TernGradCompressor>(wfl::TernGradCompressor::Params{})},
            {"signsgd", std::make_shared<wfl::SignSgdCompressor>(wfl::SignSgdCompressor::Params{})},
            {"ef-sign", std::make_shared<wfl::EfSignCompressor>(wfl::EfSignCompressor::Params{})},
            {"topk", std::make_shared<wfl::TopKCompressor>(wfl::TopKCompressor::Params{0.05, true})},
            {"random-sparsification",
             std::make_shared<wfl::RandomSparsificationCompressor>(wfl::RandomSparsificationCompressor::Params{0.05})},
            {"powersgd", std::make_shared<wfl::PowerSgdCompressor>(wfl::PowerSgdCompressor::Params{})}};
}

const size_t kDim = 1421; // SmallLayout()

/// Three rounds of `clients` clients on the small layout; returns each
/// round's decoded average and the messages' raw bits. encodeInThreads runs
/// every client's Encode in its own std::thread.
std::vector<Eigen::VectorXf>
Rounds(const wfl::Compressor& c, uint64_t seed, uint32_t clients, bool encodeInThreads, std::vector<double>* bits)
{
    const wfl::ParameterLayout layout = wfltest::SmallLayout();
    std::vector<std::unique_ptr<wfl::ClientState>> states;
    for (uint32_t k = 0; k < clients; ++k)
    {
        states.push_back(c.NewClientState(kDim));
    }
    std::vector<Eigen::VectorXf> decoded;
    for (uint32_t t = 0; t < 3; ++t)
    {
        std::vector<Eigen::VectorXf> g(clients);
        std::vector<wfl::CompressedMessage> messages(clients);
        for (uint32_t k = 0; k < clients; ++k)
        {
            g[k] = wfltest::Gaussian(kDim, 77, "all-g", 100 * t + k);
        }
        auto encode = [&](uint32_t k) {
            messages[k] = c.Encode(g[k].data(), kDim, Context(seed, t, k, &layout), states[k].get());
        };
        if (encodeInThreads)
        {
            std::vector<std::thread> threads;
            for (uint32_t k = 0; k < clients; ++k)
            {
                threads.emplace_back(encode, k);
            }
            for (auto& th : threads)
            {
                th.join();
            }
        }
        else
        {
            for (uint32_t k = 0; k < clients; ++k)
            {
                encode(k);
            }
        }
        auto decoder = c.NewRoundDecoder(kDim);
        for (uint32_t k = 0; k < clients; ++k)
        {
            decoder->Add(messages[k], 1.0 + k, Context(seed, t, k, &layout));
            if (bits != nullptr)
            {
                bits->push_back(messages[k].bitsRaw);
            }
        }
        decoded.push_back(decoder->Finish());
    }
    return decoded;
}

bool
BitIdentical(const std::vector<Eigen::VectorXf>& a, const std::vector<Eigen::VectorXf>& b)
{
    for (size_t t = 0; t < a.size(); ++t)
    {
        if (a[t].size() != b[t].size() ||
            std::memcmp(a[t].data(), b[t].data(), sizeof(float) * static_cast<size_t>(a[t].size())) != 0)
        {
            return false;
        }
    }
    return a.size() == b.size();
}

} // namespace

/// Same seed: bit-identical rounds and bits, serial or one thread per
/// client; another seed changes the randomised compressors' output.
TEST(Baselines, DeterministicAndThreadCountIndependent)
{
    for (const Named& n : All())
    {
        SCOPED_TRACE(n.name);
        std::vector<double> bitsA;
        std::vector<double> bitsB;
        const auto a = Rounds(*n.compressor, 5, 4, false, &bitsA);
        const auto b = Rounds(*n.compressor, 5, 4, true, &bitsB);
        EXPECT_TRUE(BitIdentical(a, b));
        EXPECT_EQ(bitsA, bitsB);
        if (n.name == "terngrad" || n.name == "random-sparsification" || n.name == "powersgd")
        {
            EXPECT_FALSE(BitIdentical(a, Rounds(*n.compressor, 6, 4, false, nullptr)));
        }
    }
}

/// For budgets from 1 bit to above the full rate: a message that fits has
/// bitsRaw <= budget (and bitsEntropy <= bitsRaw + 1e-9); one that does not
/// is marked fits = false. With no budget every compressor fits.
TEST(Baselines, RawBitsNeverAboveTheBudget)
{
    const wfl::ParameterLayout layout = wfltest::SmallLayout();
    const Eigen::VectorXf g = wfltest::Gaussian(kDim, 3, "budget-g");
    for (const Named& n : All())
    {
        SCOPED_TRACE(n.name);
        auto state = n.compressor->NewClientState(kDim);
        EXPECT_TRUE(n.compressor->Encode(g.data(), kDim, Context(1, 0, 0, &layout), state.get()).fits);
        int fitting = 0;
        for (double budget = 1.0; budget < 32.0 * kDim * 2; budget *= 1.3)
        {
            const wfl::CompressedMessage m =
                n.compressor->Encode(g.data(), kDim, Context(1, 0, 0, &layout, budget), state.get());
            if (m.fits)
            {
                ++fitting;
                EXPECT_LE(m.bitsRaw, budget);
                EXPECT_LE(m.bitsEntropy, m.bitsRaw + 1e-9);
                EXPECT_GT(m.bitsRaw, 0.0);
            }
        }
        EXPECT_GT(fitting, 0);
    }
}

/*
 * The error-feedback identity for every compressor with memory (EF-sign,
 * top-k, PowerSGD): over T = 50 rounds, sum_t decoded_t = sum_t g_t - e_T,
 * i.e. nothing is lost or invented, only delayed. Tolerance 1e-5 of
 * ||sum g|| (0.0026 here). Break tried: PowerSGD keeping the residual of
 * the raw (1-D) tensors after sending them exactly (double counting) fails
 * with 592. Not caught, by design: a residual computed from the double
 * factors instead of the float ones the server gets (a float-rounding
 * difference, below the tolerance).
 */
TEST(Baselines, ErrorFeedbackLosesNothing)
{
    const wfl::ParameterLayout layout = wfltest::SmallLayout();
    const std::vector<Named> withMemory = {
        {"ef-sign", std::make_shared<wfl::EfSignCompressor>(wfl::EfSignCompressor::Params{})},
        {"topk", std::make_shared<wfl::TopKCompressor>(wfl::TopKCompressor::Params{0.05, true})},
        {"powersgd", std::make_shared<wfl::PowerSgdCompressor>(wfl::PowerSgdCompressor::Params{})}};
    for (const Named& n : withMemory)
    {
        SCOPED_TRACE(n.name);
        auto state = n.compressor->NewClientState(kDim);
        Eigen::VectorXd sumG = Eigen::VectorXd::Zero(kDim);
        Eigen::VectorXd sumD = Eigen::VectorXd::Zero(kDim);
        for (uint32_t t = 0; t < 50; ++t)
        {
            const Eigen::VectorXf g = wfltest::Gaussian(kDim, 8, "ef-all", t);
            sumG += g.cast<double>();
            sumD += wfltest::RoundTrip(*n.compressor, g, Context(2, t, 0, &layout), state.get()).cast<double>();
        }
        const Eigen::VectorXf& e = n.name == "powersgd" ? dynamic_cast<wfl::PowerSgdState&>(*state).residual
                                                        : dynamic_cast<wfl::ResidualState&>(*state).residual;
        EXPECT_LT((sumG - sumD - e.cast<double>()).norm(), 1e-5 * sumG.norm());
        EXPECT_GT(e.norm(), 0.0F); // memory is in use
    }
}
