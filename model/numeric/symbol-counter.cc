#include "symbol-counter.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace wfl
{

SymbolCounter::SymbolCounter(int32_t lo, int32_t hi)
    : m_lo(lo)
{
    const int64_t width = static_cast<int64_t>(hi) - static_cast<int64_t>(lo) + 1;
    if (width < 1 || width > kMaxTableValues)
    {
        throw std::invalid_argument("SymbolCounter: the range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                    "] must hold 1 to 65536 values");
    }
    m_width = static_cast<size_t>(width);
    m_counts.assign(width <= kPackedValues ? static_cast<size_t>(kPackedValues) : 4 * m_width, 0);
}

void
SymbolCounter::Add(const int32_t* s, size_t n)
{
    AddAny(s, n);
}

void
SymbolCounter::Add(const int16_t* s, size_t n)
{
    AddAny(s, n);
}

template <typename Symbol>
void
SymbolCounter::AddAny(const Symbol* s, size_t n)
{
    if (static_cast<int64_t>(m_width) <= kPackedValues)
    {
        AddPacked(s, n);
    }
    else
    {
        AddToTables(s, n);
    }
}

namespace
{
// GCC vector types (one zmm register under AVX-512): written out, because
// the auto-vectoriser took 256-bit vectors for 16-bit symbols and the count
// cost 60 % more than for 32-bit ones (perf).
typedef int32_t I32x16 __attribute__((vector_size(64)));
typedef uint32_t U32x16 __attribute__((vector_size(64)));
typedef int16_t I16x16 __attribute__((vector_size(32)));

/// Symbols s[0..16) widened to 32 bits.
inline I32x16
Load16(const int32_t* s)
{
    I32x16 v;
    std::memcpy(&v, s, sizeof(v));
    return v;
}

inline I32x16
Load16(const int16_t* s)
{
    I16x16 v;
    std::memcpy(&v, s, sizeof(v));
    return __builtin_convertvector(v, I32x16);
}
} // namespace

template <typename Symbol>
void
SymbolCounter::AddPacked(const Symbol* s, size_t n)
{
    static_assert(sizeof(U32x16) == kLanes * sizeof(uint32_t), "one vector holds the lanes");
    size_t i = 0;
    while (i + kLanes <= n)
    {
        U32x16 low;
        U32x16 high;
        std::memcpy(&low, m_low, sizeof(low));
        std::memcpy(&high, m_high, sizeof(high));
        const size_t rounds = std::min(kRoundsPerFlush - m_rounds, (n - i) / kLanes);
        for (size_t r = 0; r < rounds; ++r, i += kLanes)
        {
            const auto v = (U32x16)(Load16(s + i) - m_lo); // a bitcast (GCC vector cast)
            const U32x16 one = 1u << ((v & 3u) * 8u);
            const auto isLow = (U32x16)(v < 4u); // all ones where v < 4
            low += one & isLow;
            high += one & ~isLow;
        }
        std::memcpy(m_low, &low, sizeof(low));
        std::memcpy(m_high, &high, sizeof(high));
        m_rounds += rounds;
        if (m_rounds == kRoundsPerFlush)
        {
            EmptyLanes();
        }
    }
    for (; i < n; ++i)
    {
        ++m_counts[static_cast<size_t>(static_cast<int32_t>(s[i]) - m_lo)];
    }
}

void
SymbolCounter::EmptyLanes()
{
    for (size_t k = 0; k < kLanes; ++k)
    {
        for (size_t b = 0; b < 4; ++b)
        {
            m_counts[b] += (m_low[k] >> (8 * b)) & 0xffu;
            m_counts[4 + b] += (m_high[k] >> (8 * b)) & 0xffu;
        }
        m_low[k] = 0;
        m_high[k] = 0;
    }
    m_rounds = 0;
}

template <typename Symbol>
void
SymbolCounter::AddToTables(const Symbol* s, size_t n)
{
    size_t* t0 = m_counts.data();
    size_t* t1 = t0 + m_width;
    size_t* t2 = t1 + m_width;
    size_t* t3 = t2 + m_width;
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
    {
        ++t0[static_cast<uint32_t>(static_cast<int32_t>(s[i]) - m_lo)];
        ++t1[static_cast<uint32_t>(static_cast<int32_t>(s[i + 1]) - m_lo)];
        ++t2[static_cast<uint32_t>(static_cast<int32_t>(s[i + 2]) - m_lo)];
        ++t3[static_cast<uint32_t>(static_cast<int32_t>(s[i + 3]) - m_lo)];
    }
    for (; i < n; ++i)
    {
        ++t0[static_cast<uint32_t>(static_cast<int32_t>(s[i]) - m_lo)];
    }
}

std::vector<size_t>
SymbolCounter::Counts() const
{
    std::vector<size_t> counts(m_width, 0);
    if (static_cast<int64_t>(m_width) <= kPackedValues)
    {
        for (size_t v = 0; v < m_width; ++v)
        {
            counts[v] = m_counts[v];
            const uint32_t* lanes = v < 4 ? m_low : m_high;
            for (size_t k = 0; k < kLanes; ++k)
            {
                counts[v] += (lanes[k] >> (8 * (v & 3u))) & 0xffu;
            }
        }
        return counts;
    }
    for (size_t v = 0; v < m_width; ++v)
    {
        counts[v] = m_counts[v] + m_counts[m_width + v] + m_counts[2 * m_width + v] + m_counts[3 * m_width + v];
    }
    return counts;
}

} // namespace wfl
