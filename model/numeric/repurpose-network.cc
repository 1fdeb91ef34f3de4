#include "repurpose-network.h"

#include "input-error.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace wfl
{

std::vector<int>
BalancedCapacities(int width, int workers)
{
    if (workers < 1)
    {
        throw InputError("repurpose.workers = " + std::to_string(workers) +
                         ": expected an integer >= 1");
    }
    std::vector<int> capacities(static_cast<size_t>(workers), width / workers);
    for (int k = 0; k < width % workers; ++k)
    {
        ++capacities[static_cast<size_t>(k)];
    }
    return capacities;
}

std::vector<int>
ContiguousAssignment(const std::vector<int>& capacities)
{
    std::vector<int> worker;
    for (size_t k = 0; k < capacities.size(); ++k)
    {
        worker.insert(worker.end(), static_cast<size_t>(capacities[k]), static_cast<int>(k));
    }
    return worker;
}

std::vector<int>
InputHolders(InputPlacement placement, int inputDim, int workers)
{
    if (placement == InputPlacement::kSource)
    {
        return std::vector<int>(static_cast<size_t>(inputDim), kSourceHolder);
    }
    return ContiguousAssignment(BalancedCapacities(inputDim, workers));
}

std::vector<int>
BlockOrder(const std::vector<int>& worker)
{
    std::vector<int> order(worker.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return worker[static_cast<size_t>(a)] < worker[static_cast<size_t>(b)];
    });
    return order;
}

std::vector<Eigen::MatrixXd>
LayerInputs(const DenseStack& net, const Eigen::MatrixXd& x)
{
    std::vector<Eigen::MatrixXd> inputs{x};
    for (size_t l = 0; l < net.size(); ++l)
    {
        Eigen::MatrixXd z = net[l].weights * inputs.back();
        z.colwise() += net[l].bias;
        if (l + 1 < net.size())
        {
            z = z.cwiseMax(0.0);
        }
        inputs.push_back(std::move(z));
    }
    return inputs;
}

Eigen::MatrixXd
ForwardDense(const DenseStack& net, const Eigen::MatrixXd& x)
{
    return LayerInputs(net, x).back();
}

Eigen::MatrixXd
ForwardRestructured(const RestructuredNetwork& net, const Eigen::MatrixXd& x)
{
    // Inputs in their holders' block order (the source keeps the original order).
    std::vector<int> inOrder = BlockOrder(net.inputHolder);
    Eigen::MatrixXd a(x.rows(), x.cols());
    for (size_t p = 0; p < inOrder.size(); ++p)
    {
        a.row(static_cast<Eigen::Index>(p)) = x.row(inOrder[p]);
    }
    for (size_t l = 0; l < net.layers.size(); ++l)
    {
        const RestructuredLayer& layer = net.layers[l];
        const std::vector<int> outOrder = BlockOrder(layer.worker);
        Eigen::MatrixXd w(layer.weights.rows(), layer.weights.cols());
        Eigen::VectorXd b(layer.bias.size());
        for (size_t r = 0; r < outOrder.size(); ++r)
        {
            const Eigen::Index p = static_cast<Eigen::Index>(r);
            b(p) = layer.bias(outOrder[r]);
            for (size_t c = 0; c < inOrder.size(); ++c)
            {
                const bool kept = layer.mask(outOrder[r], inOrder[c]) != 0;
                w(p, static_cast<Eigen::Index>(c)) = kept ? layer.weights(outOrder[r], inOrder[c]) : 0.0;
            }
        }
        Eigen::MatrixXd z = w * a;
        z.colwise() += b;
        a = (l + 1 < net.layers.size()) ? Eigen::MatrixXd(z.cwiseMax(0.0)) : z;
        inOrder = outOrder;
    }
    Eigen::MatrixXd logits(a.rows(), a.cols());
    for (size_t p = 0; p < inOrder.size(); ++p)
    {
        logits.row(inOrder[p]) = a.row(static_cast<Eigen::Index>(p));
    }
    return logits;
}

double
Accuracy(const Eigen::MatrixXd& logits, const std::vector<int>& labels)
{
    if (logits.cols() == 0)
    {
        return 0.0;
    }
    long correct = 0;
    for (Eigen::Index s = 0; s < logits.cols(); ++s)
    {
        Eigen::Index best = 0;
        logits.col(s).maxCoeff(&best);
        correct += (best == labels[static_cast<size_t>(s)]) ? 1 : 0;
    }
    return static_cast<double>(correct) / static_cast<double>(logits.cols());
}

RestructuredNetwork
Unpruned(const DenseStack& net,
         const std::vector<int>& inputHolder,
         const std::vector<std::vector<int>>& worker,
         int workers)
{
    RestructuredNetwork out;
    out.workers = workers;
    out.inputHolder = inputHolder;
    for (size_t l = 0; l < net.size(); ++l)
    {
        RestructuredLayer layer;
        layer.worker = worker[l];
        layer.mask = Mask::Ones(net[l].weights.rows(), net[l].weights.cols());
        layer.weights = net[l].weights;
        layer.bias = net[l].bias;
        out.layers.push_back(std::move(layer));
    }
    return out;
}

} // namespace wfl
