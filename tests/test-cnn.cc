// Convolutional network (model/numeric/convolutional-network.h): gradient
// checks against finite differences, a naive direct-convolution reference,
// float/double agreement and chunking. LeNet's shape, the factory and local
// SGD training are in test-cnn-model.cc.

#include "cnn-fixtures.h"
#include "convolutional-network.h"
#include "model.h"
#include "random.h"

#include "test-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

using namespace wfl;
using namespace cnntest;

namespace
{
/// Result of the naive reference forward pass.
struct Reference
{
    Eigen::MatrixXd logits;
    /// Smallest |x| over the values that enter a ReLU (pooled conv maxima and
    /// dense pre-activations) and smallest gap between the two largest values
    /// of a pooling window: how far the point is from a kink of the loss.
    double margin = std::numeric_limits<double>::infinity();
};

/// Direct convolution with loops, following the layouts documented in
/// convolutional-network.h (CHW inputs, W [Cout x Cin*k*k] column-major with
/// column (ch*k + ky)*k + kx, CHW flattening before the dense layers).
Reference
NaiveForward(const ConvSpec& spec, const Eigen::VectorXd& params, const Eigen::MatrixXd& x)
{
    const int k = spec.kernel;
    Reference ref;
    ref.logits.resize(spec.classes, x.cols());
    for (Eigen::Index j = 0; j < x.cols(); ++j)
    {
        int c = spec.channels;
        int h = spec.height;
        int w = spec.width;
        std::vector<double> map(x.col(j).data(), x.col(j).data() + x.rows());
        Eigen::Index offset = 0;
        for (size_t stage = 0; stage < spec.convChannels.size(); ++stage)
        {
            const int cout = spec.convChannels[stage];
            const int pad = stage == 0 ? k / 2 : 0;
            const int oh = h + 2 * pad - k + 1;
            const int ow = w + 2 * pad - k + 1;
            const Eigen::Index kk = Eigen::Index{c} * k * k;
            std::vector<double> conv(static_cast<size_t>(cout * oh * ow));
            for (int o = 0; o < cout; ++o)
            {
                for (int y = 0; y < oh; ++y)
                {
                    for (int xx = 0; xx < ow; ++xx)
                    {
                        double sum = params(offset + cout * kk + o);
                        for (int ch = 0; ch < c; ++ch)
                        {
                            for (int ky = 0; ky < k; ++ky)
                            {
                                for (int kx = 0; kx < k; ++kx)
                                {
                                    const int iy = y + ky - pad;
                                    const int ix = xx + kx - pad;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                    {
                                        continue;
                                    }
                                    const double weight =
                                        params(offset + o + cout * ((ch * k + ky) * k + kx));
                                    const auto at = static_cast<size_t>((ch * h + iy) * w + ix);
                                    sum += weight * map[at];
                                }
                            }
                        }
                        conv[static_cast<size_t>((o * oh + y) * ow + xx)] = sum;
                    }
                }
            }
            offset += cout * (kk + 1);
            // ReLU, then 2x2 max-pool with stride 2 (floor).
            const int ph = oh / 2;
            const int pw = ow / 2;
            std::vector<double> pooled(static_cast<size_t>(cout * ph * pw));
            for (int o = 0; o < cout; ++o)
            {
                for (int py = 0; py < ph; ++py)
                {
                    for (int px = 0; px < pw; ++px)
                    {
                        std::vector<double> window;
                        for (int dy = 0; dy < 2; ++dy)
                        {
                            for (int dx = 0; dx < 2; ++dx)
                            {
                                const int at = (o * oh + 2 * py + dy) * ow + 2 * px + dx;
                                window.push_back(conv[static_cast<size_t>(at)]);
                            }
                        }
                        std::sort(window.rbegin(), window.rend());
                        ref.margin = std::min({ref.margin, std::abs(window[0]),
                                               window[0] - window[1]});
                        pooled[static_cast<size_t>((o * ph + py) * pw + px)] =
                            std::max(0.0, window[0]);
                    }
                }
            }
            map = pooled;
            c = cout;
            h = ph;
            w = pw;
        }
        Eigen::VectorXd a =
            Eigen::Map<Eigen::VectorXd>(map.data(), static_cast<Eigen::Index>(map.size()));
        std::vector<int> widths = spec.hidden;
        widths.push_back(spec.classes);
        for (size_t l = 0; l < widths.size(); ++l)
        {
            const Eigen::Index in = a.size();
            const Eigen::Index out = widths[l];
            const Eigen::Map<const Eigen::MatrixXd> weights(params.data() + offset, out, in);
            const Eigen::Map<const Eigen::VectorXd> bias(params.data() + offset + out * in, out);
            offset += out * (in + 1);
            Eigen::VectorXd z = weights * a + bias;
            if (l + 1 < widths.size())
            {
                ref.margin = std::min(ref.margin, z.cwiseAbs().minCoeff());
                z = z.cwiseMax(0.0);
            }
            a = z;
        }
        EXPECT_EQ(offset, params.size());
        ref.logits.col(j) = a;
    }
    return ref;
}

using Problem = wfltest::GradientProblem;

Problem
MakeProblem(const ConvSpec& spec, int batch, uint64_t seed)
{
    Rng rng(seed, "cnn-gradient-check");
    return wfltest::MakeGradientProblem(ConvolutionalNetwork<double>(spec),
                                        Eigen::Index{spec.height} * spec.width * spec.channels,
                                        spec.classes, batch, rng);
}

/// Like MakeProblem, but the first seed from `seed` on whose point is at
/// least `margin` away from every ReLU kink and pooling tie.
Problem
MakeSmoothProblem(const ConvSpec& spec, int batch, uint64_t seed, double margin)
{
    for (uint64_t s = seed;; ++s)
    {
        Problem p = MakeProblem(spec, batch, s);
        if (NaiveForward(spec, p.params, p.x).margin > margin)
        {
            return p;
        }
    }
}

} // namespace

TEST(Cnn, GradientsMatchCentralFiniteDifferences)
{
    const std::vector<ConvSpec> specs{
        MakeSpec(8, 8, 1, {2, 3}, 3, {5}, 4),
        // Two input channels, odd sizes (the pools drop a column, then a row),
        // and chunks of 2 samples so gradient accumulation is checked too.
        MakeSpec(10, 9, 2, {3, 2}, 3, {6, 5}, 3, 2),
        MakeSpec(20, 20, 1, {2, 2, 2}, 3, {4}, 3), // three stages
        MakeSpec(12, 12, 1, {2}, 5, {}, 3),        // one stage, no hidden layer
        // LeNet's 5x5 kernel through both direct kernels (first-stage forward
        // and weight gradient; later-stage input gradient) and chunks of 2.
        MakeSpec(16, 16, 1, {2, 3}, 5, {4}, 3, 2),
        // An even kernel: no direct kernel, im2col + GEMM and col2im throughout.
        MakeSpec(12, 12, 1, {2, 2}, 4, {}, 3),
    };
    // Rounding dominates the error below h ~ 1e-5, truncation above.
    const double h = 1e-5;
    for (const ConvSpec& spec : specs)
    {
        ConvolutionalNetwork<double> net(spec);
        // A step of h moves any pre-activation by far less than 1e-3.
        const Problem p = MakeSmoothProblem(spec, 3, 31, 1e-3);
        Eigen::VectorXd grad;
        Eigen::Index worst = -1;
        const double maxRel = wfltest::MaxGradientError(net, p.params, p.x, p.labels, h, grad, worst);
        ASSERT_EQ(grad.size(), net.NumParams());
        ASSERT_TRUE(grad.allFinite());
        EXPECT_LT(maxRel, 1e-6) << net.Describe() << ": worst parameter " << worst;
        EXPECT_GT(grad.cwiseAbs().maxCoeff(), 1e-3) << net.Describe(); // not trivially zero
        std::printf("[ cnn grad ] %-36s params %4ld  max relative error %.3g\n",
                    net.Describe().c_str(), static_cast<long>(net.NumParams()), maxRel);
    }
}

TEST(Cnn, ForwardMatchesNaiveConvolution)
{
    const std::vector<ConvSpec> specs{
        LeNet(),
        MakeSpec(10, 9, 2, {3, 2}, 3, {6, 5}, 3),
        MakeSpec(11, 13, 3, {4, 5}, 4, {7}, 5, 2), // even kernel, 3 channels, chunks of 2
    };
    for (const ConvSpec& spec : specs)
    {
        ConvolutionalNetwork<double> net(spec);
        const Problem p = MakeProblem(spec, 5, 51);
        Eigen::MatrixXd logits;
        net.Forward(p.params, p.x, logits);
        const Reference ref = NaiveForward(spec, p.params, p.x);
        ASSERT_EQ(logits.rows(), ref.logits.rows());
        ASSERT_EQ(logits.cols(), ref.logits.cols());
        EXPECT_LT((logits - ref.logits).cwiseAbs().maxCoeff(),
                  1e-12 * std::max(1.0, ref.logits.cwiseAbs().maxCoeff()))
            << net.Describe();

        // LossAndGradient reports the cross-entropy of the same logits.
        Eigen::VectorXd grad;
        const double loss = net.LossAndGradient(p.params, p.x, p.labels, grad);
        Eigen::MatrixXd z = ref.logits;
        EXPECT_NEAR(loss, SoftmaxCrossEntropyInPlace<double>(z, p.labels), 1e-12) << net.Describe();
    }
}

TEST(Cnn, FloatModelMatchesDouble)
{
    for (const ConvSpec& spec : {LeNet(), MakeSpec(10, 9, 2, {3, 2}, 3, {6, 5}, 3)})
    {
        const Problem p = MakeProblem(spec, 8, 61);
        ConvolutionalNetwork<double> netD(spec);
        ConvolutionalNetwork<float> netF(spec);
        wfltest::ExpectFloatMatchesDouble(netF, netD, p.params, p.x, p.labels);
    }
}

TEST(Cnn, ChunkingAndBufferReuseDoNotChangeResults)
{
    ConvSpec whole = MakeSpec(10, 9, 2, {3, 2}, 3, {6, 5}, 3);
    ConvSpec chunked = whole;
    chunked.chunk = 2;
    const Problem p = MakeProblem(whole, 5, 71);
    ConvolutionalNetwork<double> a(whole);
    ConvolutionalNetwork<double> b(chunked);
    Eigen::VectorXd gradA;
    Eigen::VectorXd gradB;
    const double lossA = a.LossAndGradient(p.params, p.x, p.labels, gradA);
    const double lossB = b.LossAndGradient(p.params, p.x, p.labels, gradB);
    EXPECT_NEAR(lossA, lossB, 1e-13);
    EXPECT_LT((gradA - gradB).cwiseAbs().maxCoeff(), 1e-13);

    // A smaller batch after a larger one runs on reused (stale) buffers.
    const Eigen::MatrixXd head = p.x.leftCols(3);
    const std::vector<int> headLabels(p.labels.begin(), p.labels.begin() + 3);
    auto fresh = a.Clone();
    Eigen::VectorXd gradFresh;
    Eigen::VectorXd gradReused;
    const double lossFresh = fresh->LossAndGradient(p.params, head, headLabels, gradFresh);
    const double lossReused = a.LossAndGradient(p.params, head, headLabels, gradReused);
    EXPECT_EQ(lossFresh, lossReused);
    EXPECT_TRUE(gradFresh == gradReused);
    Eigen::MatrixXd logits;
    a.Forward(p.params, p.x, logits);
    EXPECT_LT((logits - NaiveForward(whole, p.params, p.x).logits).cwiseAbs().maxCoeff(), 1e-12);
}
