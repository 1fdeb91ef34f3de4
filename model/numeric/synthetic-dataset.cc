#include "dataset.h"
#include "random.h"

namespace wfl
{
namespace
{

Dataset
DrawSamples(const Eigen::MatrixXf& means, int count, Rng& rng)
{
    Dataset data;
    data.numClasses = static_cast<int>(means.cols());
    data.features.resize(means.rows(), count);
    data.labels.resize(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i)
    {
        const int label = static_cast<int>(rng.UniformInt(static_cast<uint64_t>(data.numClasses)));
        data.labels[static_cast<size_t>(i)] = label;
        for (Eigen::Index d = 0; d < means.rows(); ++d)
        {
            data.features(d, i) = means(d, label) + static_cast<float>(rng.Normal());
        }
    }
    return data;
}

} // namespace

TrainTestData
MakeSyntheticClusters(const SyntheticSpec& spec, uint64_t seed)
{
    Rng meanRng(seed, "synthetic-means");
    const double scale = spec.separation / std::sqrt(static_cast<double>(spec.dim));
    Eigen::MatrixXf means(spec.dim, spec.classes);
    for (Eigen::Index c = 0; c < means.cols(); ++c)
    {
        for (Eigen::Index d = 0; d < means.rows(); ++d)
        {
            means(d, c) = static_cast<float>(scale * meanRng.Normal());
        }
    }
    Rng trainRng(seed, "synthetic-train");
    Rng testRng(seed, "synthetic-test");
    TrainTestData out;
    out.name = "synthetic";
    out.train = DrawSamples(means, spec.trainSamples, trainRng);
    out.test = DrawSamples(means, spec.testSamples, testRng);
    return out;
}

} // namespace wfl
