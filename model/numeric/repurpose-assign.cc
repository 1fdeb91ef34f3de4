#include "repurpose-assign.h"

#include "hungarian-assignment.h"
#include "repurpose-spectral.h"

#include <algorithm>

namespace wfl
{
namespace
{

/// N[j, k] = 1 when input j is held by a worker other than k (the source never).
Eigen::MatrixXd
CrossIndicator(const std::vector<int>& holder, int workers)
{
    Eigen::MatrixXd n = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(holder.size()), workers);
    for (size_t j = 0; j < holder.size(); ++j)
    {
        for (int k = 0; k < workers; ++k)
        {
            n(static_cast<Eigen::Index>(j), k) = (holder[j] != kSourceHolder && holder[j] != k) ? 1.0 : 0.0;
        }
    }
    return n;
}

} // namespace

Eigen::MatrixXd
ElementCost(const Eigen::MatrixXd& w, const Eigen::VectorXd& columnScale, AssignCost kind)
{
    if (kind == AssignCost::kMagnitude)
    {
        return w.cwiseAbs();
    }
    return w.cwiseAbs2() * columnScale.asDiagonal();
}

Eigen::VectorXd
RowMeanSquares(const Eigen::MatrixXd& x)
{
    return x.rowwise().squaredNorm() / static_cast<double>(x.cols());
}

Eigen::MatrixXd
IncomingCost(const Eigen::MatrixXd& weights,
             const Eigen::VectorXd& inputScale,
             const std::vector<int>& inputHolder,
             int workers,
             AssignCost kind)
{
    // A product of non-negative terms with 0/1 indicators: a neuron whose
    // weights all sit on worker k gets exactly 0 there.
    return ElementCost(weights, inputScale, kind) * CrossIndicator(inputHolder, workers);
}

Eigen::MatrixXd
OutgoingCost(const Eigen::MatrixXd& nextWeights,
             const Eigen::VectorXd& outputScale,
             const std::vector<int>& nextWorker,
             int workers,
             AssignCost kind)
{
    return ElementCost(nextWeights, outputScale, kind).transpose() * CrossIndicator(nextWorker, workers);
}

std::vector<int>
AssignToWorkers(const Eigen::MatrixXd& workerCost, const std::vector<int>& capacities)
{
    const std::vector<int> slotWorker = ContiguousAssignment(capacities);
    Eigen::MatrixXd slotCost(workerCost.rows(), static_cast<Eigen::Index>(slotWorker.size()));
    for (size_t s = 0; s < slotWorker.size(); ++s)
    {
        slotCost.col(static_cast<Eigen::Index>(s)) = workerCost.col(slotWorker[s]);
    }
    const std::vector<int> slot = MinCostAssignment(slotCost);
    std::vector<int> worker(slot.size());
    for (size_t i = 0; i < slot.size(); ++i)
    {
        worker[i] = slotWorker[static_cast<size_t>(slot[i])];
    }
    return worker;
}

double
AssignedCost(const Eigen::MatrixXd& workerCost, const std::vector<int>& worker)
{
    double total = 0.0;
    for (size_t i = 0; i < worker.size(); ++i)
    {
        total += workerCost(static_cast<Eigen::Index>(i), worker[i]);
    }
    return total;
}

namespace
{

/// The sweeps of InitialAssignments from a given start.
void
Sweep(const DenseStack& net,
      const std::vector<Eigen::MatrixXd>& inputs,
      const std::vector<int>& inputHolder,
      const std::vector<std::vector<int>>& capacities,
      int workers,
      AssignCost kind,
      int sweeps,
      std::vector<std::vector<int>>& worker)
{
    for (int sweep = 0; sweep < sweeps; ++sweep)
    {
        bool changed = false;
        for (size_t l = 0; l < net.size(); ++l)
        {
            const std::vector<int>& holder = l == 0 ? inputHolder : worker[l - 1];
            Eigen::MatrixXd cost =
                IncomingCost(net[l].weights, RowMeanSquares(inputs[l]), holder, workers, kind);
            if (sweep > 0 && l + 1 < net.size())
            {
                cost += OutgoingCost(net[l + 1].weights, RowMeanSquares(inputs[l + 1]), worker[l + 1],
                                     workers, kind);
            }
            if (cost.maxCoeff() <= 0.0)
            {
                continue; // nothing to gain: keep the current blocks
            }
            std::vector<int> next = AssignToWorkers(cost, capacities[l]);
            // Keep the current map unless the new one is strictly cheaper,
            // so that ties never make the sweep wander.
            if (AssignedCost(cost, next) < AssignedCost(cost, worker[l]))
            {
                changed = changed || next != worker[l];
                worker[l] = std::move(next);
            }
        }
        if (!changed && sweep > 0)
        {
            break;
        }
    }
}

} // namespace

std::vector<std::vector<int>>
InitialAssignments(const DenseStack& net,
                   const std::vector<Eigen::MatrixXd>& inputs,
                   const std::vector<int>& inputHolder,
                   const std::vector<std::vector<int>>& capacities,
                   int workers,
                   AssignCost kind,
                   int sweeps)
{
    std::vector<std::vector<int>> worker;
    for (const auto& c : capacities)
    {
        worker.push_back(ContiguousAssignment(c));
    }
    const bool freeFirstLayer =
        std::all_of(inputHolder.begin(), inputHolder.end(), [](int h) { return h == kSourceHolder; });
    if (sweeps == 0 || !freeFirstLayer || net.size() < 2)
    {
        Sweep(net, inputs, inputHolder, capacities, workers, kind, sweeps, worker);
        return worker;
    }
    // Two starts for the free first layer: contiguous blocks and the spectral
    // grouping by the second layer's weights; the cheaper result wins
    // (contiguous on ties).
    std::vector<std::vector<int>> spectral = worker;
    spectral[0] = SpectralAssignment(ElementCost(net[1].weights, RowMeanSquares(inputs[1]), kind), capacities[0]);
    Sweep(net, inputs, inputHolder, capacities, workers, kind, sweeps, worker);
    Sweep(net, inputs, inputHolder, capacities, workers, kind, sweeps, spectral);
    const double contiguousCost = NetworkCrossCost(net, inputs, inputHolder, worker, workers, kind);
    const double spectralCost = NetworkCrossCost(net, inputs, inputHolder, spectral, workers, kind);
    return spectralCost < contiguousCost ? spectral : worker;
}

double
NetworkCrossCost(const DenseStack& net,
                 const std::vector<Eigen::MatrixXd>& inputs,
                 const std::vector<int>& inputHolder,
                 const std::vector<std::vector<int>>& worker,
                 int workers,
                 AssignCost kind)
{
    double total = 0.0;
    for (size_t l = 0; l < net.size(); ++l)
    {
        const std::vector<int>& holder = l == 0 ? inputHolder : worker[l - 1];
        total += AssignedCost(IncomingCost(net[l].weights, RowMeanSquares(inputs[l]), holder, workers, kind),
                              worker[l]);
    }
    return total;
}

} // namespace wfl
