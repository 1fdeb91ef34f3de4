/*
 * The QCS paper's linear-regression experiment (section 2, Fig. 2;
 * methods.md 5.7 and check 10.4): the fraction of SGD runs that converge
 * against the step size, for the uncompressed baseline and for compressors
 * from the registry (helper/compressor-registry.h) at about the same gain.
 *
 *   bench-linear-regression [--runs N] [--iterations T] [--workers P] [--batch B]
 *       [--steps a,b,...] [--tolerance F] [--seed S] [--threads K] [--csv FILE]
 *       [--method LABEL=SCHEME[:key=value,...]]...
 *
 * Task (gaussian-regression-data.h): n = 64 inputs, m = 50 outputs (the
 * paper's; the author's code uses 32), input covariance eigenvalues evenly
 * in [1, 4], noiseless targets y = W* x, W*_ij ~ N(0, 1), W_0 = 0. The task
 * (U, W*) is drawn once from the seed; runs differ in their data and
 * compressor randomness.
 * Training: T = 1000 iterations (the code's); each iteration every worker
 * p = 0..P-1 (default P = 1, as the paper's Fig. 2) draws a fresh batch of
 * B = 32 samples, takes the squared-loss gradient (a float vector of
 * D = 3200, W row-major), compresses it (context: run's seed, round = the
 * iteration, client = p, no bit budget, its own ClientState); the server
 * decodes the round (the compressor's RoundDecoder, weights 1) and steps
 * W <- W - mu g_hat. The baseline sends the float gradient (32 D bits).
 * Convergence criterion (10.4 is silent; ours): the expected loss
 * E L(W) = (1/2) tr((W - W*) R (W - W*)^T), exact since R and W* are known
 * to the bench, after T iterations is at most --tolerance (default 1e-3)
 * times E L(W_0). A run stops early as diverged when E L is not finite or
 * above 1e10 E L(W_0) (the author's code stops at loss 1e10), checked every
 * 10 iterations. Noiseless SGD with a relative-noise compressor converges
 * linearly or diverges, so the fraction hardly depends on the tolerance
 * away from the stability edge (the CSV has the median final ratio).
 * SE = sqrt(f (1 - f) / N), the binomial standard error.
 * Default methods, gain = 32 D / raw bits (32-bit scales counted; measured):
 *   qsgd    s = 1, L-inf bucket norm, bucket 512 (the author's QSG):
 *           D log2 3 + 32 ceil(D/512) bits, gain 19.34 (QSGD at s = 1 tops out
 *           at 32 / log2 3 = 20.2)
 *   sparse  random sparsification, ratio 0.0478: k = ceil(0.0478 D) = 153
 *           values (about D / 21), gain 20.92
 *   qcs     unbiased, bucket 128 (25 buckets, no padding), k = 70, Q = 2:
 *           the (k, Q) minimising gamma (= 1.32) at gain >= 21 for this
 *           bucket (QcsFit), gain 21.06
 * Determinism: run r draws data from stream ("linear-regression-data", r, p)
 * and compresses with seed StreamSeed(seed, "linear-regression-compressor", r),
 * the same for every method and step (common random numbers); each (method,
 * step, run) writes only its own result, so the output is identical for any
 * --threads.
 */
#include "compressor-registry.h"
#include "gaussian-regression-data.h"
#include "linear-model.h"
#include "random.h"
#include "sgd-stability.h"
#include "thread-pool.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace
{

/// A float gradient as sent, [outputs x inputs] row-major like LinearWeights.
using SentWeights = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Options
{
    int runs = 50;
    int iterations = 1000;
    int workers = 1;
    int batch = 32;
    double tolerance = 1e-3;
    uint64_t seed = 1;
    unsigned threads = 0;
    std::string csv;
    std::vector<double> steps{0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10, 0.12, 0.14,
                              0.16,  0.18, 0.20, 0.22, 0.24, 0.26, 0.28, 0.30};
    std::vector<std::string> methods;
};

struct Method
{
    std::string label;
    std::string scheme; ///< "none": the uncompressed baseline
    wfl::CompressorValues values;
    std::unique_ptr<wfl::Compressor> compressor;
};

struct RunResult
{
    bool converged = false;
    double finalRatio = 0.0; ///< E L(W_T) / E L(W_0); infinity if diverged
    int hitIteration = -1;   ///< first checked iteration with ratio <= tolerance
    double bits = 0.0;       ///< raw bits of one message
};

[[noreturn]] void
Usage(const std::string& why)
{
    std::fprintf(stderr, "bench-linear-regression: %s\n", why.c_str());
    std::exit(2);
}

std::vector<double>
ParseList(const std::string& text)
{
    std::vector<double> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
    {
        out.push_back(std::stod(item));
    }
    return out;
}

Options
ParseOptions(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i)
    {
        const std::string a = argv[i];
        if (i + 1 >= argc)
        {
            Usage("option " + a + " needs a value");
        }
        const std::string v = argv[++i];
        if (a == "--runs") o.runs = std::stoi(v);
        else if (a == "--iterations") o.iterations = std::stoi(v);
        else if (a == "--workers") o.workers = std::stoi(v);
        else if (a == "--batch") o.batch = std::stoi(v);
        else if (a == "--tolerance") o.tolerance = std::stod(v);
        else if (a == "--seed") o.seed = std::stoull(v);
        else if (a == "--threads") o.threads = static_cast<unsigned>(std::stoul(v));
        else if (a == "--csv") o.csv = v;
        else if (a == "--steps") o.steps = ParseList(v);
        else if (a == "--method") o.methods.push_back(v);
        else Usage("unknown option " + a);
    }
    if (o.runs < 1 || o.iterations < 1 || o.workers < 1 || o.batch < 1 || o.steps.empty() ||
        !(o.tolerance > 0.0 && o.tolerance < 1.0))
    {
        Usage("runs, iterations, workers, batch >= 1; steps non-empty; tolerance in (0, 1)");
    }
    if (o.methods.empty())
    {
        o.methods = {"baseline=none", "qsgd=qsgd:bucket=512,levels=1,norm=linf",
                     "sparse=random-sparsification:ratio=" + std::string("0.0478"),
                     "qcs=qcs:bucket=128,ratio=0.546875,levels=2,reconstruction=unbiased"};
    }
    return o;
}

/// LABEL=SCHEME[:key=value,...]; the compressor is built from the registry.
Method
ParseMethod(const std::string& text)
{
    Method m;
    const size_t eq = text.find('=');
    if (eq == std::string::npos)
    {
        Usage("--method " + text + ": expected LABEL=SCHEME[:key=value,...]");
    }
    m.label = text.substr(0, eq);
    const std::string rest = text.substr(eq + 1);
    const size_t colon = rest.find(':');
    m.scheme = rest.substr(0, colon);
    if (colon != std::string::npos)
    {
        std::stringstream in(rest.substr(colon + 1));
        std::string item;
        while (std::getline(in, item, ','))
        {
            const size_t e = item.find('=');
            if (e == std::string::npos)
            {
                Usage("--method " + text + ": key without value: " + item);
            }
            m.values[item.substr(0, e)] = item.substr(e + 1);
        }
    }
    if (m.scheme != "none")
    {
        m.compressor = wfl::BuildCompressor(m.scheme, m.values);
    }
    return m;
}

/// One SGD run of `method` at `step`; run index `run` picks the random streams.
RunResult
Train(const wfl::GaussianRegressionTask& task, const Method& method, const Options& o, double step, int run)
{
    const wfl::GaussianRegressionSpec& spec = task.Spec();
    const size_t dim = static_cast<size_t>(spec.inputs) * static_cast<size_t>(spec.outputs);
    const uint64_t compressorSeed = wfl::StreamSeed(o.seed, "linear-regression-compressor", run);
    std::vector<wfl::Rng> data;
    std::vector<std::unique_ptr<wfl::ClientState>> states;
    for (int p = 0; p < o.workers; ++p)
    {
        data.emplace_back(o.seed, "linear-regression-data", run, p);
        states.push_back(method.compressor ? method.compressor->NewClientState(dim) : nullptr);
    }
    wfl::LinearWeights w = wfl::LinearWeights::Zero(spec.outputs, spec.inputs);
    wfl::LinearWeights grad;
    wfl::LinearWeights update(spec.outputs, spec.inputs);
    Eigen::MatrixXd x, y;
    Eigen::VectorXf flat(static_cast<Eigen::Index>(dim));
    const double initial = task.ExpectedLoss(w);
    RunResult result;
    result.bits = 32.0 * static_cast<double>(dim);
    for (int t = 0; t < o.iterations; ++t)
    {
        std::unique_ptr<wfl::RoundDecoder> decoder;
        if (method.compressor)
        {
            decoder = method.compressor->NewRoundDecoder(dim);
        }
        update.setZero();
        for (int p = 0; p < o.workers; ++p)
        {
            task.Sample(data[static_cast<size_t>(p)], o.batch, x, y);
            wfl::SquaredLossGradient(w, x, y, grad);
            flat = Eigen::Map<const Eigen::VectorXd>(grad.data(), grad.size()).cast<float>();
            if (!decoder)
            {
                update += Eigen::Map<const SentWeights>(flat.data(), spec.outputs, spec.inputs)
                              .cast<double>() / o.workers;
                continue;
            }
            wfl::CompressionContext context;
            context.seed = compressorSeed;
            context.round = static_cast<uint32_t>(t);
            context.client = static_cast<uint32_t>(p);
            const wfl::CompressedMessage message =
                method.compressor->Encode(flat.data(), dim, context, states[static_cast<size_t>(p)].get());
            result.bits = message.bitsRaw;
            decoder->Add(message, 1.0, context);
        }
        if (decoder)
        {
            const Eigen::VectorXf estimate = decoder->Finish();
            update = Eigen::Map<const SentWeights>(estimate.data(), spec.outputs, spec.inputs)
                         .cast<double>();
        }
        w -= step * update;
        if ((t + 1) % 10 == 0 || t + 1 == o.iterations)
        {
            const double ratio = task.ExpectedLoss(w) / initial;
            if (!std::isfinite(ratio) || ratio > 1e10)
            {
                result.finalRatio = std::numeric_limits<double>::infinity();
                return result;
            }
            if (ratio <= o.tolerance && result.hitIteration < 0)
            {
                result.hitIteration = t + 1;
            }
            result.finalRatio = ratio;
        }
    }
    result.converged = result.finalRatio <= o.tolerance;
    return result;
}

struct Cell
{
    int converged = 0;
    double fraction = 0.0;
    double se = 0.0;
    double medianRatio = 0.0;
    double medianHit = 0.0; ///< median iterations to the tolerance, converged runs (NaN if none)
};

double
Median(std::vector<double> v)
{
    if (v.empty())
    {
        return std::nan("");
    }
    std::sort(v.begin(), v.end());
    const size_t h = v.size() / 2;
    return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

Cell
Summarize(const RunResult* runs, int count)
{
    Cell c;
    std::vector<double> ratios, hits;
    for (int r = 0; r < count; ++r)
    {
        c.converged += runs[r].converged ? 1 : 0;
        ratios.push_back(runs[r].finalRatio);
        if (runs[r].converged)
        {
            hits.push_back(runs[r].hitIteration);
        }
    }
    c.fraction = static_cast<double>(c.converged) / count;
    c.se = std::sqrt(c.fraction * (1.0 - c.fraction) / count);
    c.medianRatio = Median(ratios);
    c.medianHit = Median(hits);
    return c;
}

/// The step where the fraction first falls through 1/2 (linear between grid
/// points); NaN if it never does.
double
HalfStep(const std::vector<double>& steps, const std::vector<Cell>& cells)
{
    for (size_t i = 1; i < steps.size(); ++i)
    {
        const double a = cells[i - 1].fraction, b = cells[i].fraction;
        if (a >= 0.5 && b < 0.5)
        {
            return steps[i - 1] + (steps[i] - steps[i - 1]) * (a - 0.5) / (a - b);
        }
    }
    return std::nan("");
}

} // namespace

int
main(int argc, char** argv)
{
    const Options o = ParseOptions(argc, argv);
    std::vector<Method> methods;
    try
    {
        for (const std::string& text : o.methods)
        {
            methods.push_back(ParseMethod(text));
        }
    }
    catch (const std::exception& e)
    {
        Usage(e.what());
    }
    wfl::Rng taskRng(o.seed, "linear-regression-task");
    const wfl::GaussianRegressionTask task(wfl::GaussianRegressionSpec{}, taskRng);
    const size_t dim = static_cast<size_t>(task.Spec().inputs * task.Spec().outputs);
    const size_t nSteps = o.steps.size();
    const size_t perMethod = nSteps * static_cast<size_t>(o.runs);
    std::vector<RunResult> results(methods.size() * perMethod);
    wfl::ThreadPool pool(o.threads);
    pool.ParallelFor(results.size(), [&](size_t job, unsigned) {
        const size_t m = job / perMethod;
        const size_t s = (job % perMethod) / static_cast<size_t>(o.runs);
        const int run = static_cast<int>(job % static_cast<size_t>(o.runs));
        results[job] = Train(task, methods[m], o, o.steps[s], run);
    });

    const double theory = wfl::MeanSquareStepLimit(task.Eigenvalues(), o.batch * o.workers);
    std::printf("linear regression n = %d, m = %d, D = %zu, eigenvalues [%g, %g], batch %d, workers %d, "
                "%d iterations, %d runs per point, converged: E L(W_T) <= %g E L(W_0), seed %llu\n",
                task.Spec().inputs, task.Spec().outputs, dim, task.Eigenvalues().minCoeff(),
                task.Eigenvalues().maxCoeff(), o.batch, o.workers, o.iterations, o.runs, o.tolerance,
                static_cast<unsigned long long>(o.seed));
    std::printf("theory, uncompressed: GD limit 2/lambda_max = %.4f; mean-square SGD limit (batch %d) = %.4f\n",
                2.0 / task.Eigenvalues().maxCoeff(), o.batch * o.workers, theory);
    std::vector<std::vector<Cell>> cells(methods.size(), std::vector<Cell>(nSteps));
    for (size_t m = 0; m < methods.size(); ++m)
    {
        for (size_t s = 0; s < nSteps; ++s)
        {
            cells[m][s] = Summarize(&results[m * perMethod + s * static_cast<size_t>(o.runs)], o.runs);
        }
    }
    std::printf("\nfraction converged +- binomial SE\n%6s", "step");
    for (const Method& m : methods)
    {
        std::printf(" %15s", m.label.c_str());
    }
    std::printf("\n");
    for (size_t s = 0; s < nSteps; ++s)
    {
        std::printf("%6.3f", o.steps[s]);
        for (size_t m = 0; m < methods.size(); ++m)
        {
            std::printf("   %5.3f +- %5.3f", cells[m][s].fraction, cells[m][s].se);
        }
        std::printf("\n");
    }
    std::printf("\n%-10s %-22s %9s %9s %9s\n", "method", "scheme", "bits", "gain", "mu_50%");
    for (size_t m = 0; m < methods.size(); ++m)
    {
        const double bits = results[m * perMethod].bits;
        std::printf("%-10s %-22s %9.1f %9.3f %9.4f\n", methods[m].label.c_str(), methods[m].scheme.c_str(), bits,
                    32.0 * static_cast<double>(dim) / bits, HalfStep(o.steps, cells[m]));
    }
    if (!o.csv.empty())
    {
        FILE* f = std::fopen(o.csv.c_str(), "w");
        if (f == nullptr)
        {
            Usage("cannot write " + o.csv);
        }
        std::fprintf(f, "method,scheme,gain,step,runs,converged,fraction,se,median_final_ratio,median_iterations\n");
        for (size_t m = 0; m < methods.size(); ++m)
        {
            const double gain = 32.0 * static_cast<double>(dim) / results[m * perMethod].bits;
            for (size_t s = 0; s < nSteps; ++s)
            {
                const Cell& c = cells[m][s];
                std::fprintf(f, "%s,%s,%.4f,%.4f,%d,%d,%.4f,%.4f,%.6g,%.6g\n", methods[m].label.c_str(),
                             methods[m].scheme.c_str(), gain, o.steps[s], o.runs, c.converged, c.fraction, c.se,
                             c.medianRatio, c.medianHit);
            }
        }
        std::fclose(f);
    }
    return 0;
}
