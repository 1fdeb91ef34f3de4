#include "dataset-cache.h"
#include "dataset.h"
#include "idx-reader.h"
#include "input-error.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

namespace wfl
{
namespace
{

std::string
FindIdxFile(const std::string& directory, const std::string& stem)
{
    struct stat st;
    for (const std::string& name : {stem + ".gz", stem})
    {
        const std::string path = directory + "/" + name;
        if (stat(path.c_str(), &st) == 0)
        {
            return path;
        }
    }
    throw InputError("data.path: " + directory + " has no " + stem + "[.gz] (install Debian's " +
                     "dataset-fashion-mnist or point data.path at an IDX directory)");
}

Dataset
LoadSplit(const std::string& directory, const std::string& prefix)
{
    const std::string imagesPath = FindIdxFile(directory, prefix + "-images-idx3-ubyte");
    const std::string labelsPath = FindIdxFile(directory, prefix + "-labels-idx1-ubyte");
    const IdxArray images = ReadIdx(imagesPath);
    const IdxArray labels = ReadIdx(labelsPath);
    if (images.dims.size() != 3)
    {
        throw InputError(imagesPath + ": expected a rank-3 image array");
    }
    if (labels.dims.size() != 1)
    {
        throw InputError(labelsPath + ": expected a rank-1 label array");
    }
    if (images.dims[0] != labels.dims[0])
    {
        throw InputError(imagesPath + ": " + std::to_string(images.dims[0]) + " images but " +
                         labelsPath + " has " + std::to_string(labels.dims[0]) + " labels");
    }
    const Eigen::Index count = images.dims[0];
    const Eigen::Index dim = Eigen::Index{images.dims[1]} * images.dims[2];

    Dataset data;
    data.pixels.resize(dim, count);
    // Before the first write, so the pages are born huge.
    AdviseHugePages(data.pixels.data(), static_cast<size_t>(data.pixels.size()));
    std::copy(images.data.begin(), images.data.end(), data.pixels.data());
    data.pixelScale = 1.0f / 255.0f;
    data.labels.assign(labels.data.begin(), labels.data.end());
    int maxLabel = 0;
    for (int y : data.labels)
    {
        maxLabel = std::max(maxLabel, y);
    }
    if (maxLabel > 9)
    {
        throw InputError(labelsPath + ": label " + std::to_string(maxLabel) + " outside [0, 9]");
    }
    data.numClasses = 10;
    return data;
}

} // namespace

TrainTestData
LoadFashionMnist(const std::string& directory)
{
    return LoadFashionMnistCached(directory, DatasetCacheDir());
}

TrainTestData
LoadFashionMnistCached(const std::string& directory, const std::string& cacheDir, CacheStatus* status)
{
    CacheStatus lookup = CacheStatus::Missing;
    std::vector<std::string> sources;
    std::string cachePath;
    if (!cacheDir.empty())
    {
        std::error_code ec;
        const std::string dir = std::filesystem::absolute(directory, ec).string();
        for (const char* stem : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
        {
            sources.push_back(FindIdxFile(dir, stem));
        }
        char name[64];
        std::snprintf(name, sizeof(name), "/fashion-mnist-%016llx.v1",
                      static_cast<unsigned long long>(
                          Hash64(reinterpret_cast<const uint8_t*>(dir.data()), dir.size())));
        cachePath = cacheDir + name;
        TrainTestData cached;
        cached.name = "fashion-mnist";
        lookup = ReadDatasetCache(cachePath, sources, cached);
        if (lookup == CacheStatus::Hit)
        {
            if (status)
            {
                *status = lookup;
            }
            return cached;
        }
    }
    TrainTestData out;
    out.name = "fashion-mnist";
    out.train = LoadSplit(directory, "train");
    out.test = LoadSplit(directory, "t10k");
    if (out.train.Dim() != out.test.Dim())
    {
        throw InputError("data.path: train and test images in " + directory +
                         " have different sizes");
    }
    if (!cachePath.empty())
    {
        const std::string error = WriteDatasetCache(cachePath, sources, out);
        if (!error.empty())
        {
            std::fprintf(stderr, "wfl: dataset cache not written: %s\n", error.c_str());
        }
    }
    if (status)
    {
        *status = lookup;
    }
    return out;
}

} // namespace wfl
