/*
 * An allocator whose value-less construct leaves an int or float
 * uninitialised, so vector::resize(n) allocates without writing n zeros.
 *
 * Why: the quantizers write every symbol of a fresh 2^20-entry vector right
 * after allocating it; std::vector's zero fill before that is one more pass
 * of 4 MiB (memset was 5.6 % of a DQSG encode + decode profile, perf). Use it
 * only where every element is written before it is read.
 */
#ifndef WFL_DEFAULT_INIT_ALLOCATOR_H
#define WFL_DEFAULT_INIT_ALLOCATOR_H

#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace wfl
{

template <typename T>
class DefaultInitAllocator : public std::allocator<T>
{
  public:
    template <typename U>
    struct rebind
    {
        using other = DefaultInitAllocator<U>;
    };

    DefaultInitAllocator() = default;

    template <typename U>
    DefaultInitAllocator(const DefaultInitAllocator<U>& other) noexcept
        : std::allocator<T>(other)
    {
    }

    /// resize(n) and vector(n): default-initialise (for int32_t: nothing).
    template <typename U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible<U>::value)
    {
        ::new (static_cast<void*>(p)) U;
    }

    /// Every other construction as std::allocator's.
    template <typename U, typename... Args>
    void construct(U* p, Args&&... args)
    {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};

/// QSGD's symbols (|l| <= s <= 2^20): every entry written before it is read.
using LevelSymbols = std::vector<int32_t, DefaultInitAllocator<int32_t>>;

/// Symbol arrays of the dithered quantizers (|q| <= 32767, and ISGQ's zero
/// symbol -32768 at most): every entry written before it is read. 16 bits,
/// not 32: the symbol store was a third of a DQSG encode's quantizing loop
/// (perf), and the decoder reads them back.
using DitherSymbols = std::vector<int16_t, DefaultInitAllocator<int16_t>>;

} // namespace wfl

#endif
