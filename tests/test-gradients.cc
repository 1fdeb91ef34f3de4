// Gradient checks of the dense networks, the softmax cross-entropy, and local
// SGD training (model/numeric/{model,dense-network,local-trainer,evaluation}.h).

#include "dataset.h"
#include "dense-network.h"
#include "evaluation.h"
#include "input-error.h"
#include "local-trainer.h"
#include "model.h"
#include "narrow-layer.h"
#include "random.h"

#include "test-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace wfl;

namespace
{

using Problem = wfltest::GradientProblem;

Problem
MakeProblem(const std::vector<int>& widths, int batch, uint64_t seed)
{
    Rng rng(seed, "gradient-check");
    return wfltest::MakeGradientProblem(DenseNetwork<double>(widths), widths.front(), widths.back(),
                                        batch, rng);
}

TrainTestData
SmallClusters()
{
    SyntheticSpec spec;
    spec.classes = 4;
    spec.dim = 8;
    spec.trainSamples = 400;
    spec.testSamples = 400;
    spec.separation = 8.0;
    return MakeSyntheticClusters(spec, 21);
}


} // namespace

TEST(Gradients, MatchCentralFiniteDifferences)
{
    const std::vector<std::vector<int>> architectures{{7, 5, 3}, {7, 4}, {6, 5, 4, 3}};
    const double h = 1e-6;
    for (const auto& widths : architectures)
    {
        DenseNetwork<double> net(widths);
        const Problem p = MakeProblem(widths, 8, widths.size());
        Eigen::VectorXd grad;
        Eigen::Index worst = -1;
        const double maxRel = wfltest::MaxGradientError(net, p.params, p.x, p.labels, h, grad, worst);
        ASSERT_EQ(grad.size(), net.NumParams());
        ASSERT_TRUE(grad.allFinite());
        EXPECT_LT(maxRel, 1e-6) << net.Describe() << ": worst parameter " << worst;
        EXPECT_GT(grad.cwiseAbs().maxCoeff(), 1e-3) << net.Describe(); // not trivially zero
    }
}

TEST(Gradients, ParameterCountAndDescription)
{
    DenseNetwork<double> mlp({7, 5, 3});
    EXPECT_EQ(mlp.NumParams(), 5 * 8 + 3 * 6);
    EXPECT_EQ(mlp.Describe(), "mlp 7-5-3");
    DenseNetwork<double> softmax({7, 4});
    EXPECT_EQ(softmax.NumParams(), 4 * 8);
    EXPECT_EQ(softmax.Describe(), "softmax 7-4");
}

TEST(Gradients, ZeroParametersGiveLogClasses)
{
    for (const std::vector<int>& widths : {std::vector<int>{7, 5, 3}, std::vector<int>{7, 4}})
    {
        DenseNetwork<double> net(widths);
        const Problem p = MakeProblem(widths, 5, 11);
        Eigen::VectorXd grad;
        const double loss =
            net.LossAndGradient(Eigen::VectorXd::Zero(net.NumParams()), p.x, p.labels, grad);
        EXPECT_NEAR(loss, std::log(static_cast<double>(widths.back())), 1e-12);
    }
}

TEST(Gradients, SoftmaxCrossEntropyInPlace)
{
    const int classes = 5;
    const int batch = 6;
    Rng rng(12, "softmax");
    Eigen::MatrixXd logits(classes, batch);
    std::vector<int> labels;
    for (Eigen::Index i = 0; i < logits.size(); ++i)
    {
        logits(i) = 3.0 * rng.Normal();
    }
    for (int j = 0; j < batch; ++j)
    {
        labels.push_back(static_cast<int>(rng.UniformInt(classes)));
    }
    // Reference: loss_j = log sum_c exp(z_c) - z_y, grad = (softmax - onehot) / batch.
    double expectedLoss = 0.0;
    Eigen::MatrixXd expectedGrad(classes, batch);
    for (int j = 0; j < batch; ++j)
    {
        const Eigen::VectorXd e = logits.col(j).array().exp();
        expectedLoss += std::log(e.sum()) - logits(labels[static_cast<size_t>(j)], j);
        expectedGrad.col(j) = e / e.sum();
        expectedGrad(labels[static_cast<size_t>(j)], j) -= 1.0;
    }
    expectedLoss /= batch;
    expectedGrad /= batch;

    Eigen::MatrixXd shifted = logits.array() + 1000.0; // overflows exp() if not stabilised
    Eigen::MatrixXd g = logits;
    EXPECT_NEAR(SoftmaxCrossEntropyInPlace<double>(g, labels), expectedLoss, 1e-12);
    EXPECT_LT((g - expectedGrad).cwiseAbs().maxCoeff(), 1e-14);
    for (int j = 0; j < batch; ++j)
    {
        EXPECT_NEAR(g.col(j).sum(), 0.0, 1e-15) << "column " << j;
    }
    EXPECT_NEAR(SoftmaxCrossEntropyInPlace<double>(shifted, labels), expectedLoss, 1e-10);
    EXPECT_LT((shifted - expectedGrad).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(Gradients, FloatModelMatchesDouble)
{
    // Small shapes, and shapes that reach every path of the narrow-layer
    // kernels: full vectors plus tails of the input, 10-row blocks plus a
    // remainder (13, 12 outputs), odd batches.
    const std::vector<std::pair<std::vector<int>, int>> cases{
        {{7, 5, 3}, 8}, {{7, 4}, 8}, {{6, 5, 4, 3}, 8}, {{37, 13}, 7}, {{784, 10}, 5}, {{50, 24, 12}, 3}};
    for (const auto& [widths, batch] : cases)
    {
        const Problem p = MakeProblem(widths, batch, 13);
        DenseNetwork<double> netD(widths);
        DenseNetwork<float> netF(widths);
        wfltest::ExpectFloatMatchesDouble(netF, netD, p.params, p.x, p.labels);

        // Forward gives the logits whose cross-entropy LossAndGradient reports.
        const Eigen::VectorXf paramsF = p.params.cast<float>();
        const Eigen::MatrixXf xF = p.x.cast<float>();
        Eigen::VectorXf gradF;
        const float lossF = netF.LossAndGradient(paramsF, xF, p.labels, gradF);
        Eigen::MatrixXf logits;
        netF.Forward(paramsF, xF, logits);
        ASSERT_EQ(logits.rows(), widths.back());
        ASSERT_EQ(logits.cols(), batch);
        EXPECT_NEAR(SoftmaxCrossEntropyInPlace<float>(logits, p.labels), lossF, 1e-6f);
    }
}

TEST(NarrowLayer, MatchesDoubleReference)
{
    // Every row-block size, input lengths around the vector width, odd batches.
    Rng rng(31, "narrow-layer");
    for (int rows : {1, 3, 10, 11, 20})
    {
        for (int in : {1, 15, 16, 17, 33, 64, 100})
        {
            for (int batch : {1, 2, 3, 10})
            {
                Eigen::MatrixXf w(in, rows); // column r = unit r's weights: W row-major
                Eigen::VectorXf bias(rows);
                Eigen::MatrixXf x(in, batch);
                Eigen::MatrixXf delta(rows, batch);
                for (auto* m : {&w, &x, &delta})
                {
                    for (Eigen::Index i = 0; i < m->size(); ++i)
                    {
                        (*m)(i) = static_cast<float>(rng.Normal());
                    }
                }
                for (Eigen::Index i = 0; i < rows; ++i)
                {
                    bias(i) = static_cast<float>(rng.Normal());
                }
                const Eigen::MatrixXd wd = w.cast<double>().transpose();
                const Eigen::MatrixXd xd = x.cast<double>();
                const Eigen::MatrixXd yRef = (wd * xd).colwise() + bias.cast<double>();
                const Eigen::MatrixXd dwRef = delta.cast<double>() * xd.transpose();
                const Eigen::VectorXd dbRef = delta.cast<double>().rowwise().sum();

                Eigen::MatrixXf y(rows, batch);
                NarrowLayerForward(w.data(), bias.data(), rows, in, x.data(), batch, y.data());
                Eigen::MatrixXf dw(in, rows);
                Eigen::VectorXf db(rows);
                NarrowLayerGradient(delta.data(), rows, in, x.data(), batch, dw.data(), db.data());
                const std::string shape = std::to_string(rows) + "x" + std::to_string(in) + ", batch " +
                                          std::to_string(batch);
                const double tolerance = 1e-5 * std::sqrt(static_cast<double>(in * batch));
                EXPECT_LT((y.cast<double>() - yRef).cwiseAbs().maxCoeff(), tolerance) << shape;
                EXPECT_LT((dw.cast<double>().transpose() - dwRef).cwiseAbs().maxCoeff(), tolerance)
                    << shape;
                EXPECT_LT((db.cast<double>() - dbRef).cwiseAbs().maxCoeff(), tolerance) << shape;
            }
        }
    }
}

TEST(LocalTrainer, LearnsSeparableClusters)
{
    const TrainTestData data = SmallClusters();
    std::vector<int> indices(static_cast<size_t>(data.train.Count()));
    for (size_t i = 0; i < indices.size(); ++i)
    {
        indices[i] = static_cast<int>(i);
    }
    for (const char* kind : {"softmax", "mlp"})
    {
        const ModelSpec modelSpec{kind, {16}};
        LocalTrainer trainer(MakeModel<float>(modelSpec, 8, 4));
        Eigen::VectorXf global;
        Rng init(22, "init");
        trainer.GetModel().Initialize(global, init);
        const Metrics before = Evaluate(trainer.GetModel(), global, data.train);

        LocalTrainingSpec spec;
        spec.learningRate = 0.1;
        spec.batchSize = 16;
        spec.localEpochs = 5;
        Rng rng(23, "local");
        const LocalUpdate update = trainer.Train(global, data.train, indices, spec, rng);
        EXPECT_EQ(update.steps, 25 * 5) << kind;
        EXPECT_TRUE(std::isfinite(update.meanLoss)) << kind;
        const Eigen::VectorXf trained = global + update.delta;
        const Metrics after = Evaluate(trainer.GetModel(), trained, data.train);
        const Metrics test = Evaluate(trainer.GetModel(), trained, data.test, 64);
        EXPECT_LT(after.loss, 0.5 * before.loss) << kind;
        EXPECT_GT(test.accuracy, 0.9) << kind;
    }
}

TEST(LocalTrainer, StepsFor)
{
    LocalTrainingSpec spec;
    spec.batchSize = 32;
    spec.localEpochs = 3;
    EXPECT_EQ(LocalTrainer::StepsFor(spec, 100), 4 * 3); // ceil(100/32) = 4
    EXPECT_EQ(LocalTrainer::StepsFor(spec, 96), 3 * 3);
    EXPECT_EQ(LocalTrainer::StepsFor(spec, 97), 4 * 3);
    EXPECT_EQ(LocalTrainer::StepsFor(spec, 10), 1 * 3); // batch clamps to the client's size
    spec.localEpochs = 0;
    spec.localSteps = 7;
    EXPECT_EQ(LocalTrainer::StepsFor(spec, 100), 7);
    EXPECT_EQ(LocalTrainer::StepsFor(spec, 3), 7);
}

TEST(LocalTrainer, TrainIsBitIdenticalForSameKey)
{
    const TrainTestData data = SmallClusters();
    std::vector<int> indices;
    for (int i = 0; i < 200; i += 2)
    {
        indices.push_back(i);
    }
    const ModelSpec modelSpec{"mlp", {16}};
    LocalTrainer trainer(MakeModel<float>(modelSpec, 8, 4));
    LocalTrainer other(MakeModel<float>(modelSpec, 8, 4));
    Eigen::VectorXf global;
    Rng init(24, "init");
    trainer.GetModel().Initialize(global, init);
    LocalTrainingSpec spec;
    spec.batchSize = 16;
    spec.localSteps = 9; // more than one pass, so the reshuffle is exercised too

    Rng r1(25, "local", 1, 3);
    Rng r2(25, "local", 1, 3);
    Rng r3(25, "local", 2, 3);
    const LocalUpdate u1 = trainer.Train(global, data.train, indices, spec, r1);
    const LocalUpdate u2 = other.Train(global, data.train, indices, spec, r2);
    const LocalUpdate u3 = trainer.Train(global, data.train, indices, spec, r3);
    ASSERT_EQ(u1.delta.size(), global.size());
    EXPECT_TRUE(u1.delta == u2.delta); // exact, element by element
    EXPECT_EQ(u1.meanLoss, u2.meanLoss);
    EXPECT_FALSE(u1.delta == u3.delta);
    EXPECT_GT(u1.delta.norm(), 0.0f);
}

TEST(MakeModel, RejectsBadSpecs)
{
    ModelSpec unknown;
    unknown.kind = "resnet";
    const std::string kindMsg = wfltest::InputErrorOf([&] { MakeModel<float>(unknown, 8, 4); });
    EXPECT_NE(kindMsg.find("learner.model"), std::string::npos) << kindMsg;
    EXPECT_NE(kindMsg.find("resnet"), std::string::npos) << kindMsg;
    EXPECT_NE(kindMsg.find("softmax, mlp, cnn"), std::string::npos) << kindMsg;

    ModelSpec noHidden;
    noHidden.kind = "mlp";
    noHidden.hidden.clear();
    const std::string hiddenMsg = wfltest::InputErrorOf([&] { MakeModel<double>(noHidden, 8, 4); });
    EXPECT_NE(hiddenMsg.find("learner.hidden"), std::string::npos) << hiddenMsg;

    const ModelSpec mlp{"mlp", {6, 5}};
    EXPECT_EQ(MakeModel<double>(mlp, 8, 4)->Describe(), "mlp 8-6-5-4");
    const ModelSpec softmax{"softmax", {200}}; // hidden is ignored for softmax
    EXPECT_EQ(MakeModel<float>(softmax, 8, 4)->NumParams(), 4 * 9);
}
