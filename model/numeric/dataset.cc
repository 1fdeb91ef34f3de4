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
        if (data.IsImage())
        {
            batchFeatures.col(i) = data.pixels.col(indices[i]).cast<float>() * data.pixelScale;
        }
        else
        {
            batchFeatures.col(i) = data.features.col(indices[i]);
        }
        batchLabels[static_cast<size_t>(i)] = data.labels[static_cast<size_t>(indices[i])];
    }
}

void
Dataset::CopyColumns(Eigen::Index start, Eigen::Index count, Eigen::MatrixXf& out) const
{
    if (IsImage())
    {
        out = pixels.middleCols(start, count).cast<float>() * pixelScale;
    }
    else
    {
        out = features.middleCols(start, count);
    }
}

void
Dataset::Truncate(Eigen::Index count)
{
    if (count <= 0 || count >= Count())
    {
        return;
    }
    if (IsImage())
    {
        pixels.conservativeResize(Eigen::NoChange, count);
    }
    else
    {
        features.conservativeResize(Eigen::NoChange, count);
    }
    labels.resize(static_cast<size_t>(count));
}

} // namespace wfl
