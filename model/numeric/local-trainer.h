/*
 * Local training of one client: mini-batch SGD from the global model.
 */
#ifndef WFL_LOCAL_TRAINER_H
#define WFL_LOCAL_TRAINER_H

#include "client-optimizer.h"
#include "dataset.h"
#include "model.h"

#include <vector>

namespace wfl
{

class Rng;

struct LocalTrainingSpec
{
    /// Client optimizer (kind, momentum, Adam betas, weight decay, FedProx mu);
    /// its learning rate is learningRate below.
    ClientOptimizerSpec optimizer;
    double learningRate = 0.05;
    double learningRateDecay = 1.0; ///< per round: round t trains at lr * decay^(t-1)
    int batchSize = 32;
    int localSteps = 10; ///< SGD steps per round when localEpochs == 0
    int localEpochs = 0; ///< if > 0, passes over the client's data per round
    /// FedSGD: keep the factors of the dense layers' update (LocalUpdate::factors).
    bool keepFactors = false;
};

struct LocalUpdate
{
    Eigen::VectorXf delta; ///< trained minus global parameters
    double meanLoss = 0.0; ///< mean mini-batch training loss over the steps
    int steps = 0;
    double wallSeconds = 0.0; ///< wall-clock time of the training
    /**
     * With keepFactors, one step (FedSGD) of sgd or momentum without weight
     * decay and a model that records factors: per dense layer, X and
     * Delta' = -lr Delta, so that the layer's update is -lr dL/dW = Delta'^T X
     * (exactly, up to the float rounding of w - lr g - w in delta). Else empty:
     * other updates are not a product of two factors.
     */
    std::vector<LayerFactors> factors;
};

/**
 * Runs the client optimizer (SGD, momentum, Adam; weight decay; FedProx
 * towards the round's global model) on one client's samples; the optimizer
 * state starts from zero in every round. Batches walk through a fresh random
 * permutation of the client's indices (drawn from `rng`), reshuffled when a
 * pass ends, so the batch sequence depends only on the stream it is given.
 * Holds scratch buffers: one trainer per thread.
 */
class LocalTrainer
{
  public:
    explicit LocalTrainer(std::unique_ptr<Model<float>> model);

    /// Number of SGD steps the spec implies for a client with `samples` samples.
    static int StepsFor(const LocalTrainingSpec& spec, size_t samples);

    LocalUpdate Train(const Eigen::VectorXf& global,
                      const Dataset& data,
                      const std::vector<int>& indices,
                      const LocalTrainingSpec& spec,
                      Rng& rng);

    Model<float>& GetModel()
    {
        return *m_model;
    }

  private:
    std::unique_ptr<Model<float>> m_model;
    ClientOptimizer m_optimizer;
    Eigen::VectorXf m_params;
    Eigen::VectorXf m_grad;
    Eigen::MatrixXf m_batch;
    std::vector<int> m_batchLabels;
    std::vector<int> m_order;
};

} // namespace wfl

#endif
