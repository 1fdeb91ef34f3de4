/*
 * glibc malloc settings for the simulator's allocation pattern.
 *
 * Every round allocates and frees per-client buffers of 0.1 to 4 MiB:
 * updates, gradients, compressed messages (100 clients of the MLP hold
 * 100 messages at once until the round's decode). By default glibc serves
 * each such block above its adaptive mmap threshold with a fresh mapping and
 * gives freed heap tops back to the kernel (including the per-thread arenas'
 * heaps), so the next round pays a page fault and a kernel page clear per
 * 4 KiB again. Raising the mmap threshold to its maximum (32 MiB on 64-bit)
 * and the trim threshold to 512 MiB keeps the freed blocks for reuse.
 *
 * Measured with bench/round-split.sh 100 5 --digital qsgd (MLP, 100
 * clients, error-free pipe at 2 bits a coordinate), load 1, before ->
 * after: encoding 29.8 -> 12.0 ms/round, local training 317 -> 304 ms/round,
 * round elapsed 195 -> 168 ms, peak RSS 231 -> 233 MB. Allocation addresses
 * reach no result: a 20-client, 3-round trace is identical with and without
 * (every dataset but the wall-clock timings).
 */
#ifndef WFL_ALLOCATOR_TUNING_H
#define WFL_ALLOCATOR_TUNING_H

namespace wfl
{

/// Applies the settings above (glibc only; elsewhere, and where a sanitizer
/// replaces malloc, nothing happens). Call once, first thing in main.
void TuneAllocatorForRounds();

} // namespace wfl

#endif
