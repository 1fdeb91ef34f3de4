#include "learning-task.h"

#include "evaluation.h"
#include "random.h"

#include <chrono>

namespace wfl
{

LearningTask::LearningTask(std::shared_ptr<const TrainTestData> data,
                           Partition partition,
                           ModelSpec modelSpec,
                           LocalTrainingSpec training,
                           uint64_t seed)
    : m_data(std::move(data)),
      m_partition(std::move(partition)),
      m_modelSpec(std::move(modelSpec)),
      m_training(training),
      m_seed(seed),
      m_trainer(MakeModel<float>(m_modelSpec,
                                 static_cast<int>(m_data->train.Dim()),
                                 m_data->train.numClasses)),
      m_evalModel(m_trainer.GetModel().Clone())
{
}

Eigen::Index
LearningTask::NumParams() const
{
    return m_evalModel->NumParams();
}

Eigen::VectorXf
LearningTask::InitialParameters() const
{
    Rng rng(m_seed, "model-init");
    Eigen::VectorXf params;
    m_evalModel->Initialize(params, rng);
    return params;
}

LocalUpdate
LearningTask::TrainClient(uint32_t client, uint32_t round, const Eigen::VectorXf& global)
{
    Rng rng(m_seed, "local-batches", client, round);
    const auto start = std::chrono::steady_clock::now();
    LocalUpdate update = m_trainer.Train(global, m_data->train, m_partition.at(client), m_training, rng);
    update.wallSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return update;
}

Metrics
LearningTask::EvaluateTest(const Eigen::VectorXf& params)
{
    return Evaluate(*m_evalModel, params, m_data->test);
}

} // namespace wfl
