#include "linear-regression-train.h"

#include "linear-model.h"
#include "random.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace wfl
{
namespace
{

/// A float gradient as sent, [outputs x inputs] row-major like LinearWeights.
using SentWeights = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

} // namespace

Method
ParseMethod(const std::string& text)
{
    Method m;
    const size_t eq = text.find('=');
    if (eq == std::string::npos)
    {
        throw std::invalid_argument("--method " + text + ": expected LABEL=SCHEME[:key=value,...]");
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
                throw std::invalid_argument("--method " + text + ": key without value: " + item);
            }
            m.values[item.substr(0, e)] = item.substr(e + 1);
        }
    }
    if (m.scheme != "none")
    {
        m.compressor = BuildCompressor(m.scheme, m.values);
    }
    return m;
}

RunResult
Train(const GaussianRegressionTask& task, const Method& method, const TrainSettings& o, double step, int run)
{
    const GaussianRegressionSpec& spec = task.Spec();
    const size_t dim = static_cast<size_t>(spec.inputs) * static_cast<size_t>(spec.outputs);
    const uint64_t compressorSeed = StreamSeed(o.seed, "linear-regression-compressor", run);
    std::vector<Rng> data;
    std::vector<std::unique_ptr<ClientState>> states;
    for (int p = 0; p < o.workers; ++p)
    {
        data.emplace_back(o.seed, "linear-regression-data", run, p);
        states.push_back(method.compressor ? method.compressor->NewClientState(dim) : nullptr);
    }
    LinearWeights w = LinearWeights::Zero(spec.outputs, spec.inputs);
    LinearWeights grad;
    LinearWeights update(spec.outputs, spec.inputs);
    Eigen::MatrixXd x, y;
    Eigen::VectorXf flat(static_cast<Eigen::Index>(dim));
    const double initial = task.ExpectedLoss(w);
    RunResult result;
    result.bits = 32.0 * static_cast<double>(dim);
    for (int t = 0; t < o.iterations; ++t)
    {
        std::unique_ptr<RoundDecoder> decoder;
        if (method.compressor)
        {
            decoder = method.compressor->NewRoundDecoder(dim);
        }
        update.setZero();
        for (int p = 0; p < o.workers; ++p)
        {
            task.Sample(data[static_cast<size_t>(p)], o.batch, x, y);
            SquaredLossGradient(w, x, y, grad);
            flat = Eigen::Map<const Eigen::VectorXd>(grad.data(), grad.size()).cast<float>();
            if (!decoder)
            {
                update += Eigen::Map<const SentWeights>(flat.data(), spec.outputs, spec.inputs)
                              .cast<double>() / o.workers;
                continue;
            }
            CompressionContext context;
            context.seed = compressorSeed;
            context.round = static_cast<uint32_t>(t);
            context.client = static_cast<uint32_t>(p);
            const CompressedMessage message =
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

} // namespace wfl
