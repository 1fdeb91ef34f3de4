// Max-pool + ReLU (model/numeric/conv-pooling.h): the vectorized float path
// (8 windows per operation, overlapping last block) against a plain
// reference, bit for bit, on values with many ties, zeros and negatives.

#include "conv-pooling.h"

#include "random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

using namespace wfl;

namespace
{

/// The definition in conv-pooling.h, written the obvious way.
void
ReferencePool(const std::vector<float>& conv,
              int planes,
              int outH,
              int outW,
              std::vector<float>& pooled,
              std::vector<int>& argmax)
{
    const int poolH = outH / 2;
    const int poolW = outW / 2;
    pooled.assign(static_cast<size_t>(planes * poolH * poolW), 0.0f);
    argmax.assign(pooled.size(), -1);
    size_t o = 0;
    for (int p = 0; p < planes; ++p)
    {
        for (int py = 0; py < poolH; ++py)
        {
            for (int px = 0; px < poolW; ++px, ++o)
            {
                const size_t top = static_cast<size_t>((p * outH + 2 * py) * outW + 2 * px);
                const float window[4] = {conv[top], conv[top + 1], conv[top + outW],
                                         conv[top + outW + 1]};
                int best = 0;
                for (int q = 1; q < 4; ++q)
                {
                    if (window[q] > window[best])
                    {
                        best = q;
                    }
                }
                pooled[o] = window[best] < 0.0f ? 0.0f : window[best];
                argmax[o] = best;
            }
        }
    }
}

bool
SameBits(const std::vector<float>& a, const std::vector<float>& b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

} // namespace

// Widths: 16 (exactly one block of 8 windows), 19 (odd, 9 windows: the last
// block overlaps the first), 28 (LeNet's first stage: 14 windows), 10 (5
// windows: the scalar loop); odd and even heights. Values from {-2..2} so
// ties (first maximum must win), exact zeros (ReLU keeps +0) and negative
// windows all occur. Caught by: a tie going to the later element (>= for >)
// in the vector pick, a wrong overlap offset, a wrong code in the backward
// routing, or ReLU letting a negative maximum through.
TEST(ConvPooling, VectorPathMatchesReferenceBitForBit)
{
    Rng rng(7, "conv-pooling");
    for (const int outW : {16, 19, 28, 10})
    {
        for (const int outH : {2, 5, 28})
        {
            const int planes = 3;
            std::vector<float> conv(static_cast<size_t>(planes * outH * outW));
            for (float& v : conv)
            {
                v = static_cast<float>(static_cast<int>(rng.Uniform(0.0, 5.0)) - 2);
            }
            std::vector<float> expectPooled;
            std::vector<int> expectArg;
            ReferencePool(conv, planes, outH, outW, expectPooled, expectArg);
            std::vector<float> pooled(expectPooled.size(), 99.0f);
            std::vector<int> arg(expectArg.size(), -1);
            MaxPoolReluForward(conv.data(), planes, outH, outW, pooled.data(), arg.data());
            EXPECT_TRUE(SameBits(pooled, expectPooled)) << "forward, " << outH << "x" << outW;
            EXPECT_EQ(arg, expectArg) << "argmax, " << outH << "x" << outW;

            // Backward: each window's gradient to its argmax if the pooled
            // value is positive, zero everywhere else.
            std::vector<float> dPooled(pooled.size());
            for (float& v : dPooled)
            {
                v = static_cast<float>(rng.Uniform(-1.0, 1.0));
            }
            std::vector<float> expectD(conv.size(), 0.0f);
            const int poolH = outH / 2;
            const int poolW = outW / 2;
            for (int p = 0, o = 0; p < planes; ++p)
            {
                for (int py = 0; py < poolH; ++py)
                {
                    for (int px = 0; px < poolW; ++px, ++o)
                    {
                        const int a = expectArg[static_cast<size_t>(o)];
                        const int y = 2 * py + a / 2;
                        const int x = 2 * px + a % 2;
                        if (expectPooled[static_cast<size_t>(o)] > 0.0f)
                        {
                            expectD[static_cast<size_t>((p * outH + y) * outW + x)] =
                                dPooled[static_cast<size_t>(o)];
                        }
                    }
                }
            }
            std::vector<float> dConv(conv.size(), 99.0f);
            MaxPoolReluBackward(pooled.data(), dPooled.data(), arg.data(), planes, outH, outW,
                                dConv.data());
            EXPECT_TRUE(SameBits(dConv, expectD)) << "backward, " << outH << "x" << outW;
        }
    }
}
