#include "local-trainer.h"

#include "random.h"

#include <algorithm>
#include <cmath>

namespace wfl
{

/// Samples of the next batch prefetched during the current step.
constexpr size_t kPrefetchAhead = 4;

LocalTrainer::LocalTrainer(std::unique_ptr<Model<float>> model)
    : m_model(std::move(model)),
      m_optimizer(ClientOptimizerSpec())
{
}

int
LocalTrainer::StepsFor(const LocalTrainingSpec& spec, size_t samples)
{
    if (spec.localEpochs > 0)
    {
        const size_t batch = std::min(samples, static_cast<size_t>(spec.batchSize));
        const size_t perEpoch = (samples + batch - 1) / batch;
        return static_cast<int>(perEpoch) * spec.localEpochs;
    }
    return spec.localSteps;
}

LocalUpdate
LocalTrainer::Train(const Eigen::VectorXf& global,
                    const Dataset& data,
                    const std::vector<int>& indices,
                    const LocalTrainingSpec& spec,
                    Rng& rng)
{
    m_params = global;
    ClientOptimizerSpec optimizer = spec.optimizer;
    optimizer.learningRate = spec.learningRate;
    m_optimizer = ClientOptimizer(optimizer);
    m_optimizer.Reset(global.size());
    m_order = indices;
    rng.Shuffle(m_order);
    const size_t n = m_order.size();
    const size_t batch = std::min(n, static_cast<size_t>(spec.batchSize));

    LocalUpdate update;
    update.steps = StepsFor(spec, n);
    // The update is -lr times one gradient only for one plain (or first momentum) step.
    const bool factors = spec.keepFactors && update.steps == 1 && optimizer.kind != "adam" &&
                         optimizer.weightDecay == 0.0 && m_model->RecordFactors(true);
    double lossSum = 0.0;
    size_t cursor = 0;
    for (int step = 0; step < update.steps; ++step)
    {
        if (cursor >= n)
        {
            rng.Shuffle(m_order);
            cursor = 0;
        }
        // The last batch of a pass may be short, so every sample is seen once per pass.
        const size_t take = std::min(batch, n - cursor);
        GatherBatch(data, m_order.data() + cursor, static_cast<Eigen::Index>(take), m_batch,
                    m_batchLabels);
        cursor += take;
        // Start loading the next batch's first samples while this one computes.
        for (size_t i = cursor; i < std::min(n, cursor + kPrefetchAhead); ++i)
        {
            PrefetchSample(data, m_order[i]);
        }
        lossSum += m_model->LossAndGradient(m_params, m_batch, m_batchLabels, m_grad);
        m_optimizer.Step(m_params, m_grad, global);
    }
    update.meanLoss = update.steps > 0 ? lossSum / update.steps : 0.0;
    update.delta = m_params - global;
    if (factors)
    {
        update.factors = m_model->Factors();
        const ParameterLayout layout = m_model->Layout();
        for (LayerFactors& f : update.factors)
        {
            f.error *= -static_cast<float>(spec.learningRate);
            // delta = fl(w - lr g) - w: the new weight is off by at most half
            // an ulp, 2^-24 |w_new| an entry, and the subtraction adds at most
            // 2^-24 |delta| (exact when w_new and w are within 2x, Sterbenz);
            // twice that in norm, for the factors' own float product.
            const TensorLayout& t = layout[f.tensor];
            const auto at = static_cast<Eigen::Index>(t.offset);
            const auto size = static_cast<Eigen::Index>(t.Size());
            f.roundingAllowance =
                std::ldexp(static_cast<double>(m_params.segment(at, size).norm() + update.delta.segment(at, size).norm()), -23);
        }
        m_model->RecordFactors(false);
    }
    return update;
}

} // namespace wfl
