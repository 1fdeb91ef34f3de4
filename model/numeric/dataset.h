/*
 * In-memory labelled datasets and their sources (Fashion-MNIST, synthetic).
 */
#ifndef WFL_DATASET_H
#define WFL_DATASET_H

#include <Eigen/Dense>

#include <cstdint>
#include <string>
#include <vector>

namespace wfl
{

/// Samples are columns (column-major), so that a mini-batch is a contiguous
/// block of columns after gathering. Real-valued data lives in `features`;
/// 8-bit images live in `pixels` (value = pixel * pixelScale), a quarter of
/// the memory and of the memory traffic of local training.
struct Dataset
{
    Eigen::MatrixXf features;                                      ///< [dim x count], or empty
    Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic> pixels; ///< [dim x count], or empty
    float pixelScale = 1.0f / 255.0f;
    std::vector<int> labels; ///< [count], values in [0, numClasses)
    int numClasses = 0;

    bool IsImage() const
    {
        return pixels.size() > 0;
    }

    Eigen::Index Count() const
    {
        return IsImage() ? pixels.cols() : features.cols();
    }

    Eigen::Index Dim() const
    {
        return IsImage() ? pixels.rows() : features.rows();
    }

    /// Samples [start, start + count) as floats into `out`.
    void CopyColumns(Eigen::Index start, Eigen::Index count, Eigen::MatrixXf& out) const;

    /// Keep only the first `count` samples.
    void Truncate(Eigen::Index count);
};

struct TrainTestData
{
    std::string name;
    Dataset train;
    Dataset test;
};

/// Default location of Debian's dataset-fashion-mnist package.
constexpr const char* kDefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/**
 * Load Fashion-MNIST (or MNIST: same layout) from a directory holding
 * {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]. Pixels are scaled to [0, 1].
 * @throws InputError for a missing, corrupt or inconsistent file.
 */
TrainTestData LoadFashionMnist(const std::string& directory);

/// Gaussian class clusters: class means ~ N(0, separation^2 / dim I),
/// samples = mean + N(0, I). Pairwise class distance is about separation * sqrt(2).
struct SyntheticSpec
{
    int classes = 10;
    int dim = 32;
    int trainSamples = 6000;
    int testSamples = 1000;
    double separation = 4.0;
};

/// Deterministic in (spec, seed); train and test come from the same clusters.
TrainTestData MakeSyntheticClusters(const SyntheticSpec& spec, uint64_t seed);

/**
 * Ask the kernel to back [begin, begin + bytes) with transparent huge pages
 * (Linux, THP "madvise" mode): local training reads samples at random places
 * in tens of MB, and 4 KiB pages would make most of those reads TLB misses.
 * A hint only: results never depend on it.
 */
void AdviseHugePages(void* begin, size_t bytes);

/// Ask the CPU to start loading a sample into the cache (no effect on results).
void PrefetchSample(const Dataset& data, int index);

/// Copy the given samples' columns into a batch matrix and label vector.
void GatherBatch(const Dataset& data,
                 const int* indices,
                 Eigen::Index count,
                 Eigen::MatrixXf& batchFeatures,
                 std::vector<int>& batchLabels);

} // namespace wfl

#endif
