#include "symbol-counter.h"

#include <algorithm>
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
    if (static_cast<int64_t>(m_width) <= kPackedValues)
    {
        AddPacked(s, n);
    }
    else
    {
        AddToTables(s, n);
    }
}

void
SymbolCounter::AddPacked(const int32_t* s, size_t n)
{
    size_t i = 0;
    while (i + kLanes <= n)
    {
        // Local copies of the lanes: GCC keeps them in one register each
        // (one zmm under AVX-512) and vectorises the lane loop.
        uint32_t low[kLanes];
        uint32_t high[kLanes];
        std::copy(m_low, m_low + kLanes, low);
        std::copy(m_high, m_high + kLanes, high);
        const size_t rounds = std::min(kRoundsPerFlush - m_rounds, (n - i) / kLanes);
        for (size_t r = 0; r < rounds; ++r, i += kLanes)
        {
            for (size_t k = 0; k < kLanes; ++k)
            {
                const auto v = static_cast<uint32_t>(s[i + k] - m_lo);
                const uint32_t one = 1u << (8 * (v & 3u));
                low[k] += v < 4 ? one : 0u;
                high[k] += v < 4 ? 0u : one;
            }
        }
        std::copy(low, low + kLanes, m_low);
        std::copy(high, high + kLanes, m_high);
        m_rounds += rounds;
        if (m_rounds == kRoundsPerFlush)
        {
            EmptyLanes();
        }
    }
    for (; i < n; ++i)
    {
        ++m_counts[static_cast<size_t>(s[i] - m_lo)];
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

void
SymbolCounter::AddToTables(const int32_t* s, size_t n)
{
    size_t* t0 = m_counts.data();
    size_t* t1 = t0 + m_width;
    size_t* t2 = t1 + m_width;
    size_t* t3 = t2 + m_width;
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
    {
        ++t0[static_cast<uint32_t>(s[i] - m_lo)];
        ++t1[static_cast<uint32_t>(s[i + 1] - m_lo)];
        ++t2[static_cast<uint32_t>(s[i + 2] - m_lo)];
        ++t3[static_cast<uint32_t>(s[i + 3] - m_lo)];
    }
    for (; i < n; ++i)
    {
        ++t0[static_cast<uint32_t>(s[i] - m_lo)];
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
