#include "dataset.h"

namespace wfl
{

void
GatherBatch(const Dataset& data,
            const int* indices,
            Eigen::Index count,
            Eigen::MatrixXf& batchFeatures,
            std::vector<int>& batchLabels)
{
    batchFeatures.resize(data.Dim(), count);
    batchLabels.resize(static_cast<size_t>(count));
    for (Eigen::Index i = 0; i < count; ++i)
    {
        batchFeatures.col(i) = data.features.col(indices[i]);
        batchLabels[static_cast<size_t>(i)] = data.labels[static_cast<size_t>(indices[i])];
    }
}

} // namespace wfl
