#include "slot-budget.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wfl
{

size_t
RlcEffectiveBucket(size_t dim, size_t bucket)
{
    // As OverTheAirAggregator::MakeCode: the smallest power of two >= min(bucket, dim).
    size_t n = 1;
    while (n < std::min(bucket, dim))
    {
        n *= 2;
    }
    return n;
}

size_t
RlcRowsPerBucket(double ratio, size_t effectiveBucket)
{
    return std::max<size_t>(1, static_cast<size_t>(std::lround(ratio * static_cast<double>(effectiveBucket))));
}

uint64_t
CoherenceBlocks(uint64_t dataUses, size_t coherenceUses, bool pilot)
{
    if (dataUses == 0 || coherenceUses == 1)
    {
        throw std::invalid_argument("CoherenceBlocks: need data uses >= 1 and coherence uses 0 or >= 2");
    }
    if (coherenceUses == 0)
    {
        return 1;
    }
    const uint64_t dataPerBlock = coherenceUses - (pilot ? 1 : 0);
    return (dataUses + dataPerBlock - 1) / dataPerBlock;
}

SlotBudget
OverTheAirSlotBudget(uint64_t dataUses, const SlotOverhead& overhead)
{
    const uint64_t blocks = CoherenceBlocks(dataUses, overhead.coherenceUses, overhead.pilot);
    SlotBudget budget;
    budget.dataUses = dataUses;
    budget.pilotUses = overhead.pilot ? blocks : 0;
    budget.feedbackUses = overhead.usesPerReport * blocks * overhead.scheduledClients;
    return budget;
}

SlotBudget
RlcSlotBudget(size_t dim, double ratio, size_t bucket, const SlotOverhead& overhead)
{
    if (dim == 0 || bucket == 0)
    {
        throw std::invalid_argument("RlcSlotBudget: need dim >= 1 and bucket >= 1");
    }
    const size_t n = RlcEffectiveBucket(dim, bucket);
    const uint64_t buckets = (dim + n - 1) / n;
    const uint64_t realSymbols = buckets * RlcRowsPerBucket(ratio, n);
    return OverTheAirSlotBudget((realSymbols + 1) / 2, overhead);
}

} // namespace wfl
