#include "dataset.h"
#include "idx-reader.h"
#include "input-error.h"

#include <sys/stat.h>

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
    TrainTestData out;
    out.name = "fashion-mnist";
    out.train = LoadSplit(directory, "train");
    out.test = LoadSplit(directory, "t10k");
    if (out.train.Dim() != out.test.Dim())
    {
        throw InputError("data.path: train and test images in " + directory +
                         " have different sizes");
    }
    return out;
}

} // namespace wfl
