/*
 * The learner's layout (named tensors tiling the parameter vector) and the
 * factors X, Delta of each fully connected layer's gradient (compressor.h).
 */
#include "convolutional-network.h"
#include "dataset.h"
#include "dense-network.h"
#include "local-trainer.h"
#include "model.h"
#include "random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace wfl;

namespace
{

/// The tensors, in order, cover [0, n) without gap or overlap.
void
ExpectTiles(const ParameterLayout& layout, Eigen::Index n, const std::string& what)
{
    ASSERT_FALSE(layout.empty()) << what;
    size_t next = 0;
    for (const TensorLayout& t : layout)
    {
        EXPECT_EQ(t.offset, next) << what << " " << t.name;
        EXPECT_GT(t.Size(), 0u) << what << " " << t.name;
        next = t.offset + t.Size();
    }
    EXPECT_EQ(next, static_cast<size_t>(n)) << what;
}

Eigen::MatrixXf
Inputs(Eigen::Index dim, Eigen::Index batch, Rng& rng)
{
    Eigen::MatrixXf x(dim, batch);
    for (Eigen::Index i = 0; i < x.size(); ++i)
    {
        x(i) = static_cast<float>(rng.Normal());
    }
    return x;
}

std::vector<int>
Labels(Eigen::Index batch, int classes, Rng& rng)
{
    std::vector<int> labels(static_cast<size_t>(batch));
    for (int& l : labels)
    {
        l = static_cast<int>(rng.UniformInt(static_cast<uint64_t>(classes)));
    }
    return labels;
}

/// ||A - B||_F / ||B||_F.
double
RelativeError(const Eigen::MatrixXf& a, const Eigen::MatrixXf& b)
{
    return (a.cast<double>() - b.cast<double>()).norm() / b.cast<double>().norm();
}

} // namespace

// Break tried: the bias offset without out * in -> overlaps the weight (fails).
TEST(Layout, TensorsTileTheParameterVector)
{
    for (const std::vector<int>& widths : {std::vector<int>{20, 5}, std::vector<int>{20, 16, 8, 5}})
    {
        const DenseNetwork<float> net(widths);
        const ParameterLayout layout = net.Layout();
        ExpectTiles(layout, net.NumParams(), net.Describe());
        EXPECT_EQ(layout.size(), 2 * (widths.size() - 1));
        EXPECT_EQ(layout[0].name, "dense0.weight");
        EXPECT_EQ(layout[0].shape, (std::vector<size_t>{size_t(widths[1]), size_t(widths[0])}));
    }
    ConvSpec spec;
    spec.height = spec.width = 12;
    spec.convChannels = {3, 4};
    spec.kernel = 3;
    spec.hidden = {10};
    const ConvolutionalNetwork<float> cnn(spec);
    const ParameterLayout layout = cnn.Layout();
    ExpectTiles(layout, cnn.NumParams(), cnn.Describe());
    EXPECT_EQ(layout.size(), 8u); // 2 conv stages + 2 dense layers, weight and bias each
    EXPECT_EQ(layout[0].shape, (std::vector<size_t>{9, 3})); // Cin k k x Cout, as stored
}

// Delta^T X equals each dense weight's gradient to 1e-5 relative (float sums
// in another order differ by ~1e-7). Break tried: Delta scaled by 1.00002 ->
// fails for every layer: the smallest error caught is 1e-5 relative.
TEST(Layout, DenseFactorsMultiplyToTheWeightGradient)
{
    Rng rng(5, "factors-test");
    DenseNetwork<float> net({30, 24, 16, 6});
    Eigen::VectorXf params;
    net.Initialize(params, rng);
    const Eigen::MatrixXf x = Inputs(30, 17, rng);
    const std::vector<int> labels = Labels(17, 6, rng);
    ASSERT_TRUE(net.RecordFactors(true));
    Eigen::VectorXf grad;
    net.LossAndGradient(params, x, labels, grad);
    const ParameterLayout layout = net.Layout();
    ASSERT_EQ(net.Factors().size(), 3u);
    for (const LayerFactors& f : net.Factors())
    {
        const TensorLayout& t = layout[f.tensor];
        ASSERT_EQ(f.input.rows(), 17);
        ASSERT_EQ(f.error.rows(), 17);
        ASSERT_EQ(static_cast<size_t>(f.error.cols()), t.shape[0]);
        ASSERT_EQ(static_cast<size_t>(f.input.cols()), t.shape[1]);
        const Eigen::MatrixXf product = f.error.transpose() * f.input; // [out x in]
        using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        const Eigen::MatrixXf g = Eigen::Map<const RowMajor>(grad.data() + t.offset,
                                                             static_cast<Eigen::Index>(t.shape[0]),
                                                             static_cast<Eigen::Index>(t.shape[1]));
        EXPECT_LT(RelativeError(product, g), 1e-5) << t.name;
    }
    net.RecordFactors(false);
    net.LossAndGradient(params, x, labels, grad);
    EXPECT_TRUE(net.Factors().empty());
}

// One FedSGD step: the kept factors multiply to the update of each dense
// weight (-lr g). The update is w - lr g - w in float, whose rounding is
// ulp(w) / |lr g| ~ 1e-5 relative here: tolerance 1e-4. Break tried: the
// error scaled by -1 instead of -lr -> fails (relative error 9).
// Two steps, or adam, keep no factors (not a product of two factors).
TEST(Layout, FedSgdUpdateFactorsMultiplyToTheUpdate)
{
    Rng rng(6, "factors-trainer");
    Dataset data;
    data.features = Inputs(12, 40, rng);
    data.labels = Labels(40, 4, rng);
    data.numClasses = 4;
    std::vector<int> indices(40);
    for (int i = 0; i < 40; ++i)
    {
        indices[static_cast<size_t>(i)] = i;
    }
    LocalTrainer trainer(std::make_unique<DenseNetwork<float>>(std::vector<int>{12, 8, 4}));
    Eigen::VectorXf global;
    trainer.GetModel().Initialize(global, rng);
    LocalTrainingSpec spec;
    spec.learningRate = 0.1;
    spec.batchSize = 16;
    spec.localSteps = 1;
    spec.keepFactors = true;
    Rng batches(7, "batches");
    const LocalUpdate update = trainer.Train(global, data, indices, spec, batches);
    ASSERT_EQ(update.factors.size(), 2u);
    const ParameterLayout layout = trainer.GetModel().Layout();
    for (const LayerFactors& f : update.factors)
    {
        const TensorLayout& t = layout[f.tensor];
        using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        const Eigen::MatrixXf delta = Eigen::Map<const RowMajor>(update.delta.data() + t.offset,
                                                                 static_cast<Eigen::Index>(t.shape[0]),
                                                                 static_cast<Eigen::Index>(t.shape[1]));
        EXPECT_LT(RelativeError(f.error.transpose() * f.input, delta), 1e-4) << t.name;
        // The allowance for the weights' rounding (test-isgq's rounded
        // update): set, and far inside the relative bound for O(1) weights,
        // so a mis-wired factor is still refused.
        EXPECT_GT(f.roundingAllowance, 0.0) << t.name;
        EXPECT_LT(f.roundingAllowance, 1e-3 * static_cast<double>(delta.norm())) << t.name;
    }
    spec.localSteps = 2;
    Rng again(7, "batches");
    EXPECT_TRUE(trainer.Train(global, data, indices, spec, again).factors.empty());
    spec.localSteps = 1;
    spec.optimizer.kind = "adam";
    Rng adam(7, "batches");
    EXPECT_TRUE(trainer.Train(global, data, indices, spec, adam).factors.empty());
}
