/*
 * Helpers shared by the tests: running wfl-run as a child process and
 * reading trace columns back.
 */
#ifndef WFL_TEST_UTIL_H
#define WFL_TEST_UTIL_H

#include "input-error.h"
#include "model.h"
#include "random.h"
#include "dataset.h"
#include "trace-reader.h"

#include <Eigen/Dense>
#include <H5Cpp.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace wfltest
{

struct ProcessResult
{
    int exitCode = -1; ///< exit status, or 128 + signal
    std::string out;
    std::string err;
};

/// Run a program (argv[0] is the path) and collect its output.
ProcessResult Run(const std::vector<std::string>& argv);

/// A fresh empty directory under the test temp dir.
std::string MakeTempDir(const std::string& tag);

/// A point for gradient checks: parameters, inputs [dim x batch], labels.
struct GradientProblem
{
    Eigen::VectorXd params;
    Eigen::MatrixXd x;
    std::vector<int> labels;
};

/// Initialized parameters of `net` plus N(0, 0.1^2) noise (so biases are
/// nonzero and no ReLU input sits exactly at 0), standard normal inputs
/// [inputDim x batch] and uniform labels, all drawn from `rng` in that order.
GradientProblem MakeGradientProblem(const wfl::Model<double>& net,
                                    Eigen::Index inputDim,
                                    int classes,
                                    int batch,
                                    wfl::Rng& rng);

using wfl::ReadColumn;
using wfl::ReadRootAttribute;

/// what() of the InputError `f` throws; records a failure if it throws none.
template <typename F>
std::string
InputErrorOf(F f)
{
    try
    {
        f();
    }
    catch (const wfl::InputError& e)
    {
        return e.what();
    }
    ADD_FAILURE() << "no InputError thrown";
    return "";
}

/// A float vector from a list of values (test inputs).
inline Eigen::VectorXf
Vec(const std::vector<double>& values)
{
    Eigen::VectorXf v(static_cast<Eigen::Index>(values.size()));
    for (size_t i = 0; i < values.size(); ++i)
    {
        v(static_cast<Eigen::Index>(i)) = static_cast<float>(values[i]);
    }
    return v;
}

/// Largest relative difference between a model's gradient and central finite
/// differences of its loss (step h), over every parameter; `worst` gets its index.
template <typename ModelType, typename Vector, typename Matrix, typename Labels>
double
MaxGradientError(ModelType& net, const Vector& params, const Matrix& x, const Labels& labels,
                 double h, Vector& grad, Eigen::Index& worst)
{
    Vector scratch;
    net.LossAndGradient(params, x, labels, grad);
    double maxRel = 0.0;
    worst = -1;
    for (Eigen::Index i = 0; i < params.size(); ++i)
    {
        Vector shifted = params;
        shifted(i) = params(i) + h;
        const double up = net.LossAndGradient(shifted, x, labels, scratch);
        shifted(i) = params(i) - h;
        const double down = net.LossAndGradient(shifted, x, labels, scratch);
        const double numeric = (up - down) / (2 * h);
        const double rel =
            std::abs(numeric - grad(i)) / std::max(1e-8, std::abs(numeric) + std::abs(grad(i)));
        if (rel > maxRel)
        {
            maxRel = rel;
            worst = i;
        }
    }
    return maxRel;
}

/// A float model and its double twin agree on loss and gradient within 1e-4
/// relative, on parameters and inputs rounded to float first (so both see the
/// same values).
template <typename FloatModel, typename DoubleModel, typename Labels>
void
ExpectFloatMatchesDouble(FloatModel& netF,
                         DoubleModel& netD,
                         const Eigen::VectorXd& params,
                         const Eigen::MatrixXd& x,
                         const Labels& labels)
{
    const Eigen::VectorXf paramsF = params.cast<float>();
    const Eigen::MatrixXf xF = x.cast<float>();
    Eigen::VectorXd gradD;
    Eigen::VectorXf gradF;
    const double lossD = netD.LossAndGradient(paramsF.cast<double>(), xF.cast<double>(), labels, gradD);
    const float lossF = netF.LossAndGradient(paramsF, xF, labels, gradF);
    EXPECT_NEAR(lossF, lossD, 1e-4 * std::abs(lossD)) << netD.Describe();
    const Eigen::VectorXd diff = gradF.cast<double>() - gradD;
    EXPECT_LT(diff.norm(), 1e-4 * gradD.norm()) << netD.Describe();
    EXPECT_LT(diff.cwiseAbs().maxCoeff(), 1e-4 * gradD.cwiseAbs().maxCoeff()) << netD.Describe();
}

/// Start argv (argv[0] is the path) with stdout and stderr on the given
/// descriptors; returns its pid.
pid_t Spawn(const std::vector<std::string>& argv, int stdoutFd, int stderrFd);

/// wfl-run arguments of a small synthetic scenario (5 clients, 8 rounds,
/// softmax); `overrides` replace or add keys ("run.rounds" -> "20").
std::vector<std::string> SyntheticRunArgs(const std::string& output,
                                          const std::map<std::string, std::string>& overrides = {});

/// A small synthetic task (16 features, 5 classes, 2000 train and 500 test samples).
inline std::shared_ptr<const wfl::TrainTestData>
SmallData(uint64_t seed)
{
    wfl::SyntheticSpec spec;
    spec.dim = 16;
    spec.classes = 5;
    spec.trainSamples = 2000;
    spec.testSamples = 500;
    return std::make_shared<wfl::TrainTestData>(wfl::MakeSyntheticClusters(spec, seed));
}

} // namespace wfltest

#endif
