#include "learning-task.h"

#include "evaluation.h"
#include "random.h"

#include <chrono>
#include <cmath>

namespace wfl
{

LearningTask::LearningTask(std::shared_ptr<const TrainTestData> data,
                           Partition partition,
                           ModelSpec modelSpec,
                           LocalTrainingSpec training,
                           uint64_t seed,
                           unsigned threads)
    : m_data(std::move(data)),
      m_partition(std::move(partition)),
      m_modelSpec(std::move(modelSpec)),
      m_training(training),
      m_seed(seed),
      m_pool(threads)
{
    const auto prototype = MakeModel<float>(m_modelSpec,
                                            static_cast<int>(m_data->train.Dim()),
                                            m_data->train.numClasses);
    for (unsigned w = 0; w < m_pool.Size(); ++w)
    {
        m_trainers.emplace_back(prototype->Clone());
        m_evalModels.push_back(prototype->Clone());
    }
}

Eigen::Index
LearningTask::NumParams() const
{
    return m_evalModels.front()->NumParams();
}

Eigen::VectorXf
LearningTask::InitialParameters() const
{
    Rng rng(m_seed, "model-init");
    Eigen::VectorXf params;
    m_evalModels.front()->Initialize(params, rng);
    return params;
}

std::vector<LocalUpdate>
LearningTask::TrainClients(const std::vector<uint32_t>& clients,
                           uint32_t round,
                           const Eigen::VectorXf& global)
{
    std::vector<LocalUpdate> updates(clients.size());
    LocalTrainingSpec training = m_training;
    training.learningRate *= std::pow(m_training.learningRateDecay, static_cast<double>(round) - 1.0);
    m_pool.ParallelFor(clients.size(), [&](size_t i, unsigned worker) {
        const uint32_t client = clients[i];
        Rng rng(m_seed, "local-batches", client, round);
        const auto start = std::chrono::steady_clock::now();
        updates[i] = m_trainers[worker].Train(global, m_data->train, m_partition.at(client),
                                              training, rng);
        updates[i].wallSeconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    });
    return updates;
}

Metrics
LearningTask::EvaluateTest(const Eigen::VectorXf& params)
{
    // Fixed chunks, each summed on its own, then combined in chunk order:
    // the result does not depend on the number of threads.
    constexpr Eigen::Index kChunk = 1000;
    const Dataset& test = m_data->test;
    const size_t chunks = static_cast<size_t>((test.Count() + kChunk - 1) / kChunk);
    std::vector<Metrics> partial(chunks);
    std::vector<Eigen::Index> sizes(chunks);
    m_pool.ParallelFor(chunks, [&](size_t c, unsigned worker) {
        const Eigen::Index start = static_cast<Eigen::Index>(c) * kChunk;
        sizes[c] = std::min(kChunk, test.Count() - start);
        partial[c] = EvaluateRange(*m_evalModels[worker], params, test, start, sizes[c]);
    });
    Metrics total;
    for (size_t c = 0; c < chunks; ++c)
    {
        const double weight = static_cast<double>(sizes[c]) / static_cast<double>(test.Count());
        total.loss += partial[c].loss * weight;
    }
    // Accuracy from the counts: exact, where the weighted sum of the chunks'
    // accuracies took its last bit from how the compiler vectorised the loop.
    for (const Metrics& part : partial)
    {
        AddPredictions(total, part);
    }
    return total;
}

} // namespace wfl
