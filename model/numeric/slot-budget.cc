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
PilotUses(uint64_t dataUses, size_t coherenceUses)
{
    // As SlotLayout: a block holds L - 1 data uses and its pilot.
    return coherenceUses == 0 ? 1 : (dataUses + coherenceUses - 2) / (coherenceUses - 1);
}

SlotBudget
RlcSlotBudget(size_t dim, double ratio, size_t bucket, size_t coherenceUses, uint64_t feedbackUses)
{
    if (dim == 0 || bucket == 0 || coherenceUses == 1)
    {
        throw std::invalid_argument("RlcSlotBudget: need dim >= 1, bucket >= 1 and coherence uses 0 or >= 2");
    }
    const size_t n = RlcEffectiveBucket(dim, bucket);
    const uint64_t buckets = (dim + n - 1) / n;
    const uint64_t realSymbols = buckets * RlcRowsPerBucket(ratio, n);
    SlotBudget budget;
    budget.dataUses = (realSymbols + 1) / 2;
    budget.pilotUses = PilotUses(budget.dataUses, coherenceUses);
    budget.feedbackUses = feedbackUses;
    return budget;
}

} // namespace wfl
