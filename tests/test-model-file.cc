/*
 * Models that outlive the run (issue 11, item 1): a saved model loads back
 * bit-exact, the loaded dense stack (and the CNN's conv front end) computes
 * the learner's logits, and a truncated or wrong file is a one-line
 * InputError (exit 2 in the programs).
 */
#include "model-file.h"
#include "random.h"
#include "test-util.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

using namespace wfl;
using namespace wfltest;

namespace
{

NetworkSpec
MlpSpec()
{
    NetworkSpec s;
    s.model.kind = "mlp";
    s.model.hidden = {7, 5};
    s.inputDim = 12;
    s.classes = 4;
    return s;
}

/// 16x16 images: conv 5x5 same -> 16x16x2, pool 8x8, conv 5x5 valid -> 4x4x3, pool 2x2x3 = 12 -> 6 -> 4.
NetworkSpec
CnnSpec()
{
    NetworkSpec s;
    s.model.kind = "cnn";
    s.model.conv = {2, 3};
    s.model.hidden = {6};
    s.inputDim = 256;
    s.classes = 4;
    return s;
}

SavedModel
RandomModel(const NetworkSpec& spec, uint64_t seed)
{
    SavedModel m;
    m.spec = spec;
    m.dataset = "test";
    m.rounds = 3;
    const auto model = MakeModel<float>(spec.model, spec.inputDim, spec.classes);
    m.params.resize(model->NumParams());
    Rng rng(seed, "test-model-file");
    model->Initialize(m.params, rng);
    // Nonzero biases, so a bias read from the wrong offset shows.
    for (Eigen::Index i = 0; i < m.params.size(); ++i)
    {
        m.params(i) += static_cast<float>(0.1 * rng.Normal());
    }
    return m;
}

Eigen::MatrixXd
Inputs(int dim, int samples, uint64_t seed)
{
    Rng rng(seed, "test-model-file-x");
    Eigen::MatrixXd x(dim, samples);
    for (Eigen::Index i = 0; i < x.size(); ++i)
    {
        x(i) = std::abs(rng.Normal()); // pixel-like, non-negative
    }
    return x;
}

/// Largest |a - b| over max |b|.
double
RelativeError(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b)
{
    return (a - b).cwiseAbs().maxCoeff() / b.cwiseAbs().maxCoeff();
}

/// The learner's logits (in double, on the float parameters) against the loaded network's.
double
LoadedLogitError(const SavedModel& m)
{
    const auto learner = MakeModel<double>(m.spec.model, m.spec.inputDim, m.spec.classes);
    const Eigen::MatrixXd x = Inputs(m.spec.inputDim, 9, 5);
    Eigen::MatrixXd expected;
    learner->Forward(m.params.cast<double>(), x, expected);
    DenseInput input(m.spec, m.params);
    const Eigen::MatrixXd logits = ForwardDense(DenseLayersOf(m.spec, m.params), input(x));
    return RelativeError(logits, expected);
}

} // namespace

// Every parameter comes back bit for bit, in the right place, with its architecture.
// Break tried: the first loaded parameter moved by one ulp (std::nextafter) -> the
// memcmp fails (smallest error caught: one ulp of one float).
TEST(ModelFile, RoundTripIsBitExact)
{
    const std::string dir = MakeTempDir("model-file");
    for (const NetworkSpec& spec : {MlpSpec(), CnnSpec()})
    {
        const SavedModel m = RandomModel(spec, 1);
        const std::string path = dir + "/" + spec.model.kind + ".h5";
        SaveModelFile(path, m);
        const SavedModel back = LoadModel(path);
        ASSERT_EQ(back.params.size(), m.params.size());
        EXPECT_EQ(0, std::memcmp(back.params.data(), m.params.data(), sizeof(float) * size_t(m.params.size())));
        EXPECT_EQ(back.spec.model.kind, spec.model.kind);
        EXPECT_EQ(back.spec.model.hidden, spec.model.hidden);
        EXPECT_EQ(back.spec.model.conv, spec.model.conv);
        EXPECT_EQ(back.spec.inputDim, spec.inputDim);
        EXPECT_EQ(back.spec.classes, spec.classes);
        EXPECT_EQ(back.rounds, 3);
        EXPECT_EQ(access((path + ".partial").c_str(), F_OK), -1) << "the temporary file stays behind";
    }
}

// The loaded MLP computes the learner's logits (row-major W [out x in]).
// Break tried: reading the MLP's weights column-major -> error O(1); the tolerance
// 1e-12 admits only summation-order differences in double.
TEST(ModelFile, LoadedMlpLogitsEqualTheLearners)
{
    EXPECT_LT(LoadedLogitError(RandomModel(MlpSpec(), 2)), 1e-12);
}

// The CNN's conv front end plus its dense stack computes the learner's logits;
// the CNN's dense weights are column-major in its parameter vector.
// Break tried: reading them row-major (as the MLP's) -> error O(1).
TEST(ModelFile, LoadedCnnLogitsEqualTheLearners)
{
    EXPECT_LT(LoadedLogitError(RandomModel(CnnSpec(), 3)), 1e-12);
}

// A square dense layer (in == out) would hide a transposition from a shape check;
// the orientation comes from the model kind. Break tried: the cnn's weights read
// row-major -> error O(1) here too (tolerance 1e-12, as above).
TEST(ModelFile, SquareCnnLayerKeepsItsOrientation)
{
    NetworkSpec spec = CnnSpec();
    spec.model.hidden = {12, 12};
    EXPECT_LT(LoadedLogitError(RandomModel(spec, 4)), 1e-12);
}

// Truncated, foreign or inconsistent files: a one-line InputError naming the file.
TEST(ModelFile, BadFilesAreOneLineInputErrors)
{
    const std::string dir = MakeTempDir("model-file-bad");
    const std::string good = dir + "/good.h5";
    SaveModelFile(good, RandomModel(MlpSpec(), 5));
    std::ifstream in(good, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto write = [&](const std::string& name, const std::string& content) {
        std::ofstream(dir + "/" + name, std::ios::binary) << content;
        return dir + "/" + name;
    };
    std::vector<std::string> bad{write("truncated.h5", bytes.substr(0, bytes.size() / 2)),
                                 write("text.h5", "not a model\n"), dir + "/missing.h5"};
    // An HDF5 file without /model, and one whose architecture and tensors disagree.
    {
        H5::H5File f(dir + "/empty.h5", H5F_ACC_TRUNC);
        bad.push_back(dir + "/empty.h5");
    }
    {
        SavedModel wide = RandomModel(MlpSpec(), 6);
        SaveModelFile(dir + "/wrong.h5", wide);
        H5::H5File f(dir + "/wrong.h5", H5F_ACC_RDWR);
        H5::Group g = f.openGroup("model");
        g.removeAttr("hidden");
        H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
        g.createAttribute("hidden", type, H5::DataSpace(H5S_SCALAR)).write(type, std::string("7,6"));
        bad.push_back(dir + "/wrong.h5");
    }
    {
        SaveModelFile(dir + "/incomplete.h5", RandomModel(MlpSpec(), 7));
        H5::H5File f(dir + "/incomplete.h5", H5F_ACC_RDWR);
        f.openGroup("model").removeAttr("complete");
        bad.push_back(dir + "/incomplete.h5");
    }
    for (const std::string& path : bad)
    {
        const std::string message = InputErrorOf([&] { LoadModel(path); });
        EXPECT_NE(message.find(path), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
}

// wfl-run writes the final model into the trace and into a file of its own,
// the same bits in both; an existing model file is not overwritten (exit 2).
TEST(ModelFile, WflRunSavesTheFinalModel)
{
    const std::string dir = MakeTempDir("model-file-run");
    std::vector<std::string> args = SyntheticRunArgs(dir + "/trace.h5", {{"learner.model", "mlp"},
                                                                        {"learner.hidden", "8"},
                                                                        {"run.rounds", "2"},
                                                                        {"trace.model", "true"},
                                                                        {"trace.save-model", dir + "/m.h5"}});
    const ProcessResult run = wfltest::Run(args);
    ASSERT_EQ(run.exitCode, 0) << run.err;
    const SavedModel inTrace = LoadModel(dir + "/trace.h5");
    const SavedModel own = LoadModel(dir + "/m.h5");
    EXPECT_EQ(inTrace.params, own.params);
    EXPECT_EQ(own.spec.model.hidden, std::vector<int>{8});
    EXPECT_EQ(own.rounds, 2);
    args = SyntheticRunArgs(dir + "/trace2.h5", {{"trace.save-model", dir + "/m.h5"}});
    const ProcessResult again = wfltest::Run(args);
    EXPECT_EQ(again.exitCode, 2);
    EXPECT_NE(again.err.find("trace.save-model"), std::string::npos) << again.err;
    // A directory that does not exist is refused before training, not after it.
    args = SyntheticRunArgs(dir + "/trace3.h5", {{"trace.save-model", dir + "/no/such/m.h5"}});
    const ProcessResult missing = wfltest::Run(args);
    EXPECT_EQ(missing.exitCode, 2);
    EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
}

// A CNN whose dense layers carry a neuron-to-worker assignment (every weight kept,
// neurons permuted by worker in the block layout) still computes the learner's
// logits: conv front end at the source, then the restructured FC layers.
// Break tried: the block layout's logits left in worker order (not put back into
// class order) -> error O(1).
TEST(ModelFile, RestructuredCnnComputesTheLearnersLogits)
{
    const SavedModel m = RandomModel(CnnSpec(), 8);
    const DenseStack net = DenseLayersOf(m.spec, m.params);
    // Interleaved workers, so the block layout really permutes every layer.
    std::vector<std::vector<int>> worker;
    for (const DenseLayer& layer : net)
    {
        std::vector<int> w(static_cast<size_t>(layer.weights.rows()));
        for (size_t i = 0; i < w.size(); ++i)
        {
            w[i] = static_cast<int>((i * 7) % 3);
        }
        worker.push_back(w);
    }
    const RestructuredNetwork split =
        Unpruned(net, InputHolders(InputPlacement::kSource, static_cast<int>(net[0].weights.cols()), 3), worker, 3);
    const Eigen::MatrixXd x = Inputs(m.spec.inputDim, 9, 6);
    const auto learner = MakeModel<double>(m.spec.model, m.spec.inputDim, m.spec.classes);
    Eigen::MatrixXd expected;
    learner->Forward(m.params.cast<double>(), x, expected);
    DenseInput input(m.spec, m.params);
    EXPECT_LT(RelativeError(ForwardRestructured(split, input(x)), expected), 1e-12);
}
