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
 * away from the stability edge; near it, runs that still decrease but too
 * slowly count as not converged (the CSV's "decreased" column counts runs
 * with E L(W_T) < E L(W_0), beside the median final ratio).
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
#include "gaussian-regression-data.h"
#include "linear-regression-train.h"
#include "random.h"
#include "sgd-stability.h"
#include "thread-pool.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace
{

struct Options
{
    wfl::TrainSettings train;
    int runs = 50;
    unsigned threads = 0;
    std::string csv;
    std::vector<double> steps{0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10, 0.12, 0.14,
                              0.16,  0.18, 0.20, 0.22, 0.24, 0.26, 0.28, 0.30};
    std::vector<std::string> methods;
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
ParseOptionsOrThrow(int argc, char** argv)
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
        wfl::TrainSettings& t = o.train;
        if (a == "--runs") o.runs = std::stoi(v);
        else if (a == "--iterations") t.iterations = std::stoi(v);
        else if (a == "--workers") t.workers = std::stoi(v);
        else if (a == "--batch") t.batch = std::stoi(v);
        else if (a == "--tolerance") t.tolerance = std::stod(v);
        else if (a == "--seed") t.seed = std::stoull(v);
        else if (a == "--threads") o.threads = static_cast<unsigned>(std::stoul(v));
        else if (a == "--csv") o.csv = v;
        else if (a == "--steps") o.steps = ParseList(v);
        else if (a == "--method") o.methods.push_back(v);
        else Usage("unknown option " + a);
    }
    const wfl::TrainSettings& t = o.train;
    if (o.runs < 1 || t.iterations < 1 || t.workers < 1 || t.batch < 1 || o.steps.empty() ||
        !(t.tolerance > 0.0 && t.tolerance < 1.0))
    {
        Usage("runs, iterations, workers, batch >= 1; steps non-empty; tolerance in (0, 1)");
    }
    for (double step : o.steps)
    {
        if (!(step > 0.0 && step < 1e6))
        {
            Usage("--steps: every step must be in (0, 1e6)");
        }
    }
    if (o.methods.empty())
    {
        o.methods = {"baseline=none", "qsgd=qsgd:bucket=512,levels=1,norm=linf",
                     "sparse=random-sparsification:ratio=0.0478",
                     "qcs=qcs:bucket=128,ratio=0.546875,levels=2,reconstruction=unbiased"};
    }
    return o;
}

/// The options; a malformed number is a usage error (exit 2).
Options
ParseOptions(int argc, char** argv)
{
    try
    {
        return ParseOptionsOrThrow(argc, argv);
    }
    catch (const std::logic_error& e) // std::stoi and friends: invalid_argument, out_of_range
    {
        Usage(std::string("bad number: ") + e.what());
    }
}

struct Cell
{
    int converged = 0;
    int decreased = 0; ///< runs with E L(W_T) < E L(W_0) (converged or slower than the criterion)
    double fraction = 0.0;
    double se = 0.0;
    double medianRatio = 0.0;
    double medianHit = 0.0; ///< median iterations to the tolerance, converged runs (NaN if none)
};

/// cells[method][step]
using Grid = std::vector<std::vector<Cell>>;

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
Summarize(const wfl::RunResult* runs, int count)
{
    Cell c;
    std::vector<double> ratios, hits;
    for (int r = 0; r < count; ++r)
    {
        c.converged += runs[r].converged ? 1 : 0;
        c.decreased += runs[r].finalRatio < 1.0 ? 1 : 0;
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

/// The step where the share of runs with `count` first falls through 1/2
/// (linear between grid points); NaN if it never does.
double
HalfStep(const std::vector<double>& steps, const std::vector<Cell>& cells, int Cell::*count, int runs)
{
    for (size_t i = 1; i < steps.size(); ++i)
    {
        const double a = static_cast<double>(cells[i - 1].*count) / runs;
        const double b = static_cast<double>(cells[i].*count) / runs;
        if (a >= 0.5 && b < 0.5)
        {
            return steps[i - 1] + (steps[i] - steps[i - 1]) * (a - 0.5) / (a - b);
        }
    }
    return std::nan("");
}

/// The fraction table and the per-method summary on stdout.
void
PrintTable(const Options& o, const std::vector<wfl::Method>& methods, const Grid& cells, const std::vector<double>& gains)
{
    std::printf("\nfraction converged +- binomial SE\n%6s", "step");
    for (const wfl::Method& m : methods)
    {
        std::printf(" %15s", m.label.c_str());
    }
    std::printf("\n");
    for (size_t s = 0; s < o.steps.size(); ++s)
    {
        std::printf("%6.3f", o.steps[s]);
        for (size_t m = 0; m < methods.size(); ++m)
        {
            std::printf("   %5.3f +- %5.3f", cells[m][s].fraction, cells[m][s].se);
        }
        std::printf("\n");
    }
    std::printf("\nmu_50%%: step where half the runs converge; mu_50%%(L_T<L_0): half end below the start\n");
    std::printf("%-10s %-22s %9s %9s %18s\n", "method", "scheme", "gain", "mu_50%", "mu_50%(L_T<L_0)");
    for (size_t m = 0; m < methods.size(); ++m)
    {
        std::printf("%-10s %-22s %9.3f %9.4f %18.4f\n", methods[m].label.c_str(), methods[m].scheme.c_str(), gains[m],
                    HalfStep(o.steps, cells[m], &Cell::converged, o.runs),
                    HalfStep(o.steps, cells[m], &Cell::decreased, o.runs));
    }
}

void
WriteCsv(const Options& o, const std::vector<wfl::Method>& methods, const Grid& cells, const std::vector<double>& gains)
{
    FILE* f = std::fopen(o.csv.c_str(), "w");
    if (f == nullptr)
    {
        Usage("cannot write " + o.csv);
    }
    std::fprintf(f, "method,scheme,gain,step,runs,converged,fraction,se,decreased,median_final_ratio,"
                    "median_iterations\n");
    for (size_t m = 0; m < methods.size(); ++m)
    {
        for (size_t s = 0; s < o.steps.size(); ++s)
        {
            const Cell& c = cells[m][s];
            std::fprintf(f, "%s,%s,%.4f,%.4f,%d,%d,%.4f,%.4f,%d,%.6g,%.6g\n", methods[m].label.c_str(),
                         methods[m].scheme.c_str(), gains[m], o.steps[s], o.runs, c.converged, c.fraction, c.se,
                         c.decreased, c.medianRatio, c.medianHit);
        }
    }
    std::fclose(f);
}

} // namespace

int
main(int argc, char** argv)
{
    const Options o = ParseOptions(argc, argv);
    std::vector<wfl::Method> methods;
    try
    {
        for (const std::string& text : o.methods)
        {
            methods.push_back(wfl::ParseMethod(text));
        }
    }
    catch (const std::exception& e)
    {
        Usage(e.what());
    }
    const wfl::TrainSettings& t = o.train;
    wfl::Rng taskRng(t.seed, "linear-regression-task");
    const wfl::GaussianRegressionTask task(wfl::GaussianRegressionSpec{}, taskRng);
    const size_t dim = static_cast<size_t>(task.Spec().inputs * task.Spec().outputs);
    const size_t runs = static_cast<size_t>(o.runs);
    const size_t perMethod = o.steps.size() * runs;
    std::vector<wfl::RunResult> results(methods.size() * perMethod);
    wfl::ThreadPool pool(o.threads);
    pool.ParallelFor(results.size(), [&](size_t job, unsigned) {
        results[job] = wfl::Train(task, methods[job / perMethod], t, o.steps[(job % perMethod) / runs],
                                  static_cast<int>(job % runs));
    });

    std::printf("linear regression n = %d, m = %d, D = %zu, eigenvalues [%g, %g], batch %d, workers %d, "
                "%d iterations, %d runs per point, converged: E L(W_T) <= %g E L(W_0), seed %llu\n",
                task.Spec().inputs, task.Spec().outputs, dim, task.Eigenvalues().minCoeff(),
                task.Eigenvalues().maxCoeff(), t.batch, t.workers, t.iterations, o.runs, t.tolerance,
                static_cast<unsigned long long>(t.seed));
    std::printf("theory, uncompressed: GD limit 2/lambda_max = %.4f; mean-square SGD limit (batch %d) = %.4f\n",
                2.0 / task.Eigenvalues().maxCoeff(), t.batch * t.workers,
                wfl::MeanSquareStepLimit(task.Eigenvalues(), t.batch * t.workers));
    Grid cells(methods.size(), std::vector<Cell>(o.steps.size()));
    std::vector<double> gains(methods.size());
    for (size_t m = 0; m < methods.size(); ++m)
    {
        gains[m] = 32.0 * static_cast<double>(dim) / results[m * perMethod].bits;
        for (size_t s = 0; s < o.steps.size(); ++s)
        {
            cells[m][s] = Summarize(&results[m * perMethod + s * runs], o.runs);
        }
    }
    PrintTable(o, methods, cells, gains);
    if (!o.csv.empty())
    {
        WriteCsv(o, methods, cells, gains);
    }
    return 0;
}
