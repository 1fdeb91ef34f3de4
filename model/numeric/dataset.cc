#include "dataset.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>

namespace wfl
{

void
AdviseHugePages(void* begin, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    constexpr uintptr_t kHuge = uintptr_t{2} << 20;
    const uintptr_t first = (reinterpret_cast<uintptr_t>(begin) + kHuge - 1) & ~(kHuge - 1);
    const uintptr_t last = (reinterpret_cast<uintptr_t>(begin) + bytes) & ~(kHuge - 1);
    if (last > first)
    {
        madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
    }
#else
    (void)begin;
    (void)bytes;
#endif
}

void
PrefetchSample(const Dataset& data, int index)
{
    const char* begin;
    size_t bytes;
    if (data.IsImage())
    {
        begin = reinterpret_cast<const char*>(data.pixels.data() + Eigen::Index{index} * data.Dim());
        bytes = static_cast<size_t>(data.Dim());
    }
    else
    {
        begin = reinterpret_cast<const char*>(data.features.data() + Eigen::Index{index} * data.Dim());
        bytes = static_cast<size_t>(data.Dim()) * sizeof(float);
    }
    constexpr size_t kLine = 64;
    for (size_t offset = 0; offset < bytes; offset += kLine)
    {
        __builtin_prefetch(begin + offset);
    }
}

void
GatherBatch(const Dataset& data,
            const int* indices,
            Eigen::Index count,
            Eigen::MatrixXf& batchFeatures,
            std::vector<int>& batchLabels)
{
    const Eigen::Index dim = data.Dim();
    batchFeatures.resize(dim, count);
    batchLabels.resize(static_cast<size_t>(count));
    // Plain loops over raw columns: the compiler vectorises the byte-to-float
    // conversion, which Eigen's cast expression does not. Samples sit at random
    // places in a dataset larger than the caches, so each one is prefetched a
    // few samples ahead of its conversion: memory latency, not arithmetic, is
    // what a gather costs.
    constexpr Eigen::Index kAhead = 4;
    for (Eigen::Index i = 0; i < count; ++i)
    {
        float* out = batchFeatures.data() + i * dim;
        if (i + kAhead < count)
        {
            PrefetchSample(data, indices[i + kAhead]);
        }
        if (data.IsImage())
        {
            const uint8_t* in = data.pixels.data() + Eigen::Index{indices[i]} * dim;
            const float scale = data.pixelScale;
            for (Eigen::Index j = 0; j < dim; ++j)
            {
                out[j] = static_cast<float>(in[j]) * scale;
            }
        }
        else
        {
            std::copy_n(data.features.data() + Eigen::Index{indices[i]} * dim, dim, out);
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
