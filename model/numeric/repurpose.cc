#include "repurpose.h"

#include "input-error.h"

#include <algorithm>
#include <limits>
#include <string>

namespace wfl
{
namespace
{

CrossPruneSpec
LayerPruneSpec(const RepurposeConfig& config, size_t layer)
{
    CrossPruneSpec spec;
    spec.unit = config.unit;
    spec.rho = config.rho;
    if (!config.budget.empty())
    {
        spec.budget = config.budget.size() == 1 ? config.budget[0] : config.budget[layer];
    }
    return spec;
}

/// True when the mask drops a weight that is not exactly 0.
bool
DropsSomething(const Eigen::MatrixXd& weights, const Mask& mask)
{
    return ((mask.array() == 0) && (weights.array() != 0.0)).any();
}

/// Pre-activation target Z = W X + b of the original layer.
Eigen::MatrixXd
PreActivation(const DenseLayer& layer, const Eigen::MatrixXd& x)
{
    Eigen::MatrixXd z = layer.weights * x;
    z.colwise() += layer.bias;
    return z;
}

/// Contiguous blocks with masks chosen by `select` (no refit).
template <typename Select>
RestructuredNetwork
FixedSplit(const DenseStack& net, const RepurposeConfig& config, Select select)
{
    ValidateConfig(config, net, Eigen::MatrixXd(net.front().weights.cols(), 0));
    const auto capacities = LayerCapacities(config, net);
    std::vector<std::vector<int>> worker;
    for (const auto& c : capacities)
    {
        worker.push_back(ContiguousAssignment(c));
    }
    RestructuredNetwork out = Unpruned(
        net, InputHolders(config.input, static_cast<int>(net.front().weights.cols()), config.workers),
        worker, config.workers);
    for (size_t l = 0; l < net.size(); ++l)
    {
        RestructuredLayer& layer = out.layers[l];
        layer.mask = select(net[l].weights, layer.worker, out.InputHolders(l), l);
        layer.weights = ApplyMask(net[l].weights, layer.mask);
    }
    return out;
}

} // namespace

std::vector<std::vector<int>>
LayerCapacities(const RepurposeConfig& config, const DenseStack& net)
{
    if (!config.capacities.empty())
    {
        return config.capacities;
    }
    std::vector<std::vector<int>> capacities;
    for (const auto& layer : net)
    {
        capacities.push_back(BalancedCapacities(static_cast<int>(layer.weights.rows()), config.workers));
    }
    return capacities;
}

void
ValidateConfig(const RepurposeConfig& config, const DenseStack& net, const Eigen::MatrixXd& calibration)
{
    BalancedCapacities(1, config.workers); // checks workers >= 1
    if (net.empty())
    {
        throw InputError("repurpose.model: the network has no dense layer");
    }
    if (calibration.rows() != net.front().weights.cols())
    {
        throw InputError("repurpose.calibration: " + std::to_string(calibration.rows()) +
                         " features per sample, expected " + std::to_string(net.front().weights.cols()));
    }
    RequireRange("repurpose.sweeps", config.sweeps, 0, 1000, false, false);
    RequireRange("repurpose.iterations", config.iterations, 1, 1000, false, false);
    RequireRange("repurpose.ridge", config.ridge, 0.0, std::numeric_limits<double>::infinity(), false, true);
    if (config.budget.size() > 1 && config.budget.size() != net.size())
    {
        throw InputError("repurpose.budget: " + std::to_string(config.budget.size()) +
                         " values, expected 0, 1 or one per layer (" + std::to_string(net.size()) + ")");
    }
    if (!config.capacities.empty())
    {
        bool ok = config.capacities.size() == net.size();
        for (size_t l = 0; ok && l < net.size(); ++l)
        {
            const auto& c = config.capacities[l];
            long sum = 0;
            for (int v : c)
            {
                ok = ok && v >= 0;
                sum += v;
            }
            ok = ok && c.size() == static_cast<size_t>(config.workers) && sum == net[l].weights.rows();
        }
        if (!ok)
        {
            throw InputError("repurpose.capacities: expected, for every layer, K non-negative "
                             "neuron counts summing to the layer width");
        }
    }
}

RepurposeResult
Repurpose(const DenseStack& net, const Eigen::MatrixXd& calibration, const RepurposeConfig& config)
{
    ValidateConfig(config, net, calibration);
    const int workers = config.workers;
    const auto capacities = LayerCapacities(config, net);
    const std::vector<Eigen::MatrixXd> original = LayerInputs(net, calibration);
    const std::vector<int> inputHolder =
        InputHolders(config.input, static_cast<int>(calibration.rows()), workers);
    const std::vector<std::vector<int>> initial = InitialAssignments(
        net, original, inputHolder, capacities, workers, config.assignCost, config.sweeps);

    RepurposeResult result;
    result.network.workers = workers;
    result.network.inputHolder = inputHolder;
    Eigen::MatrixXd inputs = calibration; // Xh: inputs of the restructured network
    bool upstreamChanged = false;
    for (size_t l = 0; l < net.size(); ++l)
    {
        const DenseLayer& layer = net[l];
        const std::vector<int>& holder = result.network.InputHolders(l);
        const Eigen::MatrixXd target = PreActivation(layer, original[l]);
        const Eigen::VectorXd scale = RowMeanSquares(inputs);
        const CrossPruneSpec spec = LayerPruneSpec(config, l);
        Eigen::MatrixXd outgoing = Eigen::MatrixXd::Zero(layer.weights.rows(), workers);
        if (l + 1 < net.size())
        {
            outgoing = OutgoingCost(net[l + 1].weights, RowMeanSquares(original[l + 1]), initial[l + 1],
                                    workers, config.assignCost);
        }
        const double targetEnergy = target.squaredNorm();
        Eigen::MatrixXd reference = layer.weights; // M
        std::vector<int> worker = initial[l];
        RestructuredLayer best;
        double bestObjective = std::numeric_limits<double>::infinity();
        int bestIteration = 0;
        for (int t = 0; t < config.iterations; ++t)
        {
            const Eigen::MatrixXd cost =
                IncomingCost(reference, scale, holder, workers, config.assignCost) + outgoing;
            if (t > 0)
            {
                std::vector<int> next = AssignToWorkers(cost, capacities[l]);
                if (!(AssignedCost(cost, next) < AssignedCost(cost, worker)) || next == worker)
                {
                    break; // the assignment repeats: so would the iterate
                }
                worker = std::move(next);
            }
            RestructuredLayer candidate;
            candidate.worker = worker;
            candidate.mask = SelectCrossMask(reference, worker, holder, scale, spec);
            const bool dropped = DropsSomething(layer.weights, candidate.mask);
            if (config.refit && (dropped || upstreamChanged))
            {
                RefitLayer(layer.weights, layer.bias, candidate.mask, inputs, target, config.ridge,
                           candidate.weights, candidate.bias);
            }
            else
            {
                candidate.weights = ApplyMask(layer.weights, candidate.mask);
                candidate.bias = layer.bias;
            }
            IterationRecord record;
            record.layer = static_cast<int>(l);
            record.iteration = t;
            record.crossUnits = CountCrossUnits(candidate.mask, worker, holder, config.unit);
            record.mse = LayerMse(candidate.weights, candidate.bias, candidate.mask, inputs, target);
            record.relativeError =
                targetEnergy > 0.0 ? record.mse * static_cast<double>(inputs.cols()) / targetEnergy : 0.0;
            record.objective = record.mse + std::max(config.rho, 0.0) * static_cast<double>(record.crossUnits);
            record.assignmentCost = AssignedCost(cost, worker);
            result.history.push_back(record);
            // M: refit values where kept, original values where dropped.
            const Eigen::MatrixXd keptMask = candidate.mask.cast<double>();
            reference = candidate.weights.cwiseProduct(keptMask) +
                        layer.weights.cwiseProduct((1.0 - keptMask.array()).matrix());
            if (record.objective < bestObjective)
            {
                bestObjective = record.objective;
                bestIteration = t;
                best = std::move(candidate);
            }
        }
        upstreamChanged = upstreamChanged || DropsSomething(layer.weights, best.mask) ||
                          best.weights != layer.weights || best.bias != layer.bias;
        Eigen::MatrixXd z = best.weights * inputs;
        z.colwise() += best.bias;
        inputs = (l + 1 < net.size()) ? Eigen::MatrixXd(z.cwiseMax(0.0)) : z;
        result.chosenIteration.push_back(bestIteration);
        result.network.layers.push_back(std::move(best));
    }
    return result;
}

RestructuredNetwork
NaiveSplit(const DenseStack& net, const RepurposeConfig& config)
{
    return FixedSplit(net, config, [](const Eigen::MatrixXd& w, const std::vector<int>&,
                                      const std::vector<int>&, size_t) {
        return Mask::Ones(w.rows(), w.cols());
    });
}

RestructuredNetwork
DirectParallel(const DenseStack& net, const RepurposeConfig& config)
{
    return FixedSplit(net, config, [&](const Eigen::MatrixXd& w, const std::vector<int>& worker,
                                       const std::vector<int>& holder, size_t) {
        CrossPruneSpec spec;
        spec.unit = config.unit;
        spec.budget = 0;
        return SelectCrossMask(w, worker, holder, Eigen::VectorXd::Ones(w.cols()), spec);
    });
}

RestructuredNetwork
MagnitudePruned(const DenseStack& net, const RepurposeConfig& config)
{
    return FixedSplit(net, config, [&](const Eigen::MatrixXd& w, const std::vector<int>& worker,
                                       const std::vector<int>& holder, size_t l) {
        CrossPruneSpec spec = LayerPruneSpec(config, l);
        spec.rho = -1.0; // a count budget only: rho is in saliency units
        return SelectCrossMask(w, worker, holder, Eigen::VectorXd::Ones(w.cols()), spec);
    });
}

} // namespace wfl
