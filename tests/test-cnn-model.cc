// Convolutional network (model/numeric/convolutional-network.h) as a model:
// LeNet's shape, parameter count and initialization, the MakeModel factory
// and its input errors, and local SGD training on a toy image task.

#include "cnn-fixtures.h"
#include "convolutional-network.h"
#include "dataset.h"
#include "evaluation.h"
#include "local-trainer.h"
#include "model.h"
#include "random.h"

#include "test-util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

using namespace wfl;
using namespace cnntest;

namespace
{

/// Images with one bright noisy blob; the label is the quadrant holding it
/// (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right).
Dataset
QuadrantBlobs(int side, int count, uint64_t seed)
{
    Rng rng(seed, "quadrant-blobs");
    Dataset data;
    data.numClasses = 4;
    data.features.resize(side * side, count);
    const int half = side / 2;
    for (int j = 0; j < count; ++j)
    {
        const int label = static_cast<int>(rng.UniformInt(4));
        const double cy = (label / 2) * half + rng.Uniform(1.0, half - 1.0);
        const double cx = (label % 2) * half + rng.Uniform(1.0, half - 1.0);
        for (int r = 0; r < side; ++r)
        {
            for (int c = 0; c < side; ++c)
            {
                const double d2 = (r - cy) * (r - cy) + (c - cx) * (c - cx);
                data.features(r * side + c, j) =
                    static_cast<float>(1.5 * std::exp(-d2 / 2.0) + 0.3 * rng.Normal());
            }
        }
        data.labels.push_back(label);
    }
    return data;
}

} // namespace

TEST(Cnn, LeNetShapeAndParameterCount)
{
    ConvolutionalNetwork<float> net(LeNet());
    // conv1 6*(25+1), conv2 16*(6*25+1), fc 400-120-84-10.
    const long expected =
        6 * 26 + 16 * (6 * 25 + 1) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10);
    EXPECT_EQ(expected, 61706);
    EXPECT_EQ(net.NumParams(), expected);
    EXPECT_EQ(net.FlatDim(), 400);
    EXPECT_EQ(net.Describe(), "cnn 28x28x1 c6-c16 k5 fc120-84-10");

    Eigen::VectorXf params;
    Rng rng(41, "init");
    net.Initialize(params, rng);
    ASSERT_EQ(params.size(), expected);
    // He-uniform conv1 weights, zero biases, Glorot-uniform last layer.
    EXPECT_LE(params.head(150).cwiseAbs().maxCoeff(), std::sqrt(6.0f / 25.0f));
    EXPECT_GT(params.head(150).cwiseAbs().maxCoeff(), 0.8f * std::sqrt(6.0f / 25.0f));
    EXPECT_EQ(params.segment(150, 6).cwiseAbs().maxCoeff(), 0.0f);
    EXPECT_EQ(params.tail(10).cwiseAbs().maxCoeff(), 0.0f);
    EXPECT_LE(params.segment(expected - 850, 840).cwiseAbs().maxCoeff(), std::sqrt(6.0f / 94.0f));
    Eigen::VectorXf again;
    Rng rng2(41, "init");
    net.Initialize(again, rng2);
    EXPECT_TRUE(params == again); // deterministic in the stream

    Eigen::MatrixXf x = Eigen::MatrixXf::Random(784, 7);
    Eigen::MatrixXf logits;
    net.Forward(params, x, logits);
    EXPECT_EQ(logits.rows(), 10);
    EXPECT_EQ(logits.cols(), 7);
    EXPECT_TRUE(logits.allFinite());
}

TEST(Cnn, LocalTrainerLearnsQuadrantBlobs)
{
    const Dataset train = QuadrantBlobs(12, 800, 81);
    const Dataset test = QuadrantBlobs(12, 400, 82);
    std::vector<int> indices(static_cast<size_t>(train.Count()));
    for (size_t i = 0; i < indices.size(); ++i)
    {
        indices[i] = static_cast<int>(i);
    }
    LocalTrainer trainer(
        std::make_unique<ConvolutionalNetwork<float>>(MakeSpec(12, 12, 1, {4, 8}, 3, {32}, 4)));
    Eigen::VectorXf global;
    Rng init(83, "init");
    trainer.GetModel().Initialize(global, init);
    const Metrics before = Evaluate(trainer.GetModel(), global, test);

    LocalTrainingSpec spec;
    spec.learningRate = 0.05;
    spec.batchSize = 16;
    spec.localEpochs = 5;
    Rng rng(84, "local");
    const LocalUpdate update = trainer.Train(global, train, indices, spec, rng);
    EXPECT_EQ(update.steps, 50 * 5);
    EXPECT_TRUE(std::isfinite(update.meanLoss));
    const Eigen::VectorXf trained = global + update.delta;
    const Metrics after = Evaluate(trainer.GetModel(), trained, test, 64);
    EXPECT_LT(after.loss, 0.5 * before.loss);
    EXPECT_GT(after.accuracy, 0.9);

    // Another trainer (own, differently aligned buffers) repeats it bit for bit.
    LocalTrainer other(trainer.GetModel().Clone());
    Rng same(84, "local");
    const LocalUpdate again = other.Train(global, train, indices, spec, same);
    EXPECT_TRUE(again.delta == update.delta);
    EXPECT_EQ(again.meanLoss, update.meanLoss);
    std::printf("[ cnn train ] quadrant blobs: test accuracy %.3f -> %.3f, loss %.3f -> %.3f\n",
                before.accuracy, after.accuracy, before.loss, after.loss);
}

TEST(Cnn, MakeModel)
{
    ModelSpec spec;
    spec.kind = "cnn";
    spec.hidden = {120, 84};
    auto lenet = MakeModel<float>(spec, 784, 10);
    EXPECT_EQ(lenet->Describe(), "cnn 28x28x1 c6-c16 k5 fc120-84-10");
    EXPECT_EQ(lenet->NumParams(), 61706);
    EXPECT_EQ(lenet->Clone()->Describe(), lenet->Describe());

    spec.conv = {4, 8};
    spec.hidden = {32};
    EXPECT_EQ(MakeModel<double>(spec, 144, 4)->Describe(), "cnn 12x12x1 c4-c8 k5 fc32-4");

    const std::string notSquare = wfltest::InputErrorOf([&] { MakeModel<float>(spec, 783, 10); });
    EXPECT_NE(notSquare.find("learner.model"), std::string::npos) << notSquare;
    EXPECT_NE(notSquare.find("783"), std::string::npos) << notSquare;

    const std::string tooSmall = wfltest::InputErrorOf([&] { MakeModel<float>(spec, 16, 10); });
    EXPECT_NE(tooSmall.find("learner.model"), std::string::npos) << tooSmall;

    spec.conv = {4, 0};
    const std::string badConv = wfltest::InputErrorOf([&] { MakeModel<float>(spec, 144, 4); });
    EXPECT_NE(badConv.find("learner.model"), std::string::npos) << badConv;

    ModelSpec unknown;
    unknown.kind = "resnet";
    const std::string kindMsg = wfltest::InputErrorOf([&] { MakeModel<float>(unknown, 784, 10); });
    EXPECT_NE(kindMsg.find("softmax, mlp, cnn"), std::string::npos) << kindMsg;
}
