/*
 * What the federation learns: data, partition, model architecture and the
 * local training recipe, shared by the server and all clients of a run.
 */
#ifndef WFL_LEARNING_TASK_H
#define WFL_LEARNING_TASK_H

#include "dataset.h"
#include "evaluation.h"
#include "local-trainer.h"
#include "model.h"
#include "partition.h"
#include "thread-pool.h"

#include <cstdint>
#include <memory>

namespace wfl
{

/**
 * Owns the datasets, the clients' sample indices and one local trainer that
 * clients borrow in turn, so no client ever holds a model copy between rounds.
 */
class LearningTask
{
  public:
    /// @param threads worker threads for training and evaluation (0 = all cores)
    LearningTask(std::shared_ptr<const TrainTestData> data,
                 Partition partition,
                 ModelSpec modelSpec,
                 LocalTrainingSpec training,
                 uint64_t seed,
                 unsigned threads = 1);

    const TrainTestData& Data() const
    {
        return *m_data;
    }

    const Partition& GetPartition() const
    {
        return m_partition;
    }

    const ModelSpec& GetModelSpec() const
    {
        return m_modelSpec;
    }

    const LocalTrainingSpec& Training() const
    {
        return m_training;
    }

    uint64_t Seed() const
    {
        return m_seed;
    }

    Eigen::Index NumParams() const;

    /// Initial global parameters, from the stream ("model-init").
    Eigen::VectorXf InitialParameters() const;

    /// Local training of several clients at once on the thread pool; result i
    /// belongs to clients[i]. Client k's batch order comes from the stream
    /// ("local-batches", k, round), so results are bit-identical for any thread
    /// count and order.
    std::vector<LocalUpdate> TrainClients(const std::vector<uint32_t>& clients,
                                          uint32_t round,
                                          const Eigen::VectorXf& global);

    unsigned Threads() const
    {
        return m_pool.Size();
    }

    /// The worker pool, lent to the aggregator between training and evaluation.
    ThreadPool& Workers()
    {
        return m_pool;
    }

    /// Test-set accuracy and loss of `params` (chunks in parallel, summed in a fixed order).
    Metrics EvaluateTest(const Eigen::VectorXf& params);

  private:
    std::shared_ptr<const TrainTestData> m_data;
    Partition m_partition;
    ModelSpec m_modelSpec;
    LocalTrainingSpec m_training;
    uint64_t m_seed;
    ThreadPool m_pool;
    std::vector<LocalTrainer> m_trainers;                 ///< one per worker thread
    std::vector<std::unique_ptr<Model<float>>> m_evalModels; ///< one per worker thread
};

} // namespace wfl

#endif
