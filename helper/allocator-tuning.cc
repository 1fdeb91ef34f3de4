#include "allocator-tuning.h"

#include <cstdlib> // defines __GLIBC__ under glibc (features.h)

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace wfl
{

void
TuneAllocatorForRounds()
{
#if defined(__GLIBC__)
    constexpr int kMmapThreshold = 32 << 20;  // glibc's largest accepted value on 64-bit
    constexpr int kTrimThreshold = 512 << 20; // freed memory kept for the next round
    mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
    mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
#endif
}

} // namespace wfl
