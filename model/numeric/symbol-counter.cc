#include "symbol-counter.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace wfl
{

SymbolCounter::SymbolCounter(int32_t lo, int32_t hi, size_t emptyTablesEvery)
    : m_lo(lo),
      m_emptyAt(std::clamp<size_t>(emptyTablesEvery, 2, kEmptyTablesEvery))
{
    const int64_t width = static_cast<int64_t>(hi) - static_cast<int64_t>(lo) + 1;
    if (width < 1 || width > kMaxTableValues)
    {
        throw std::invalid_argument("SymbolCounter: the range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                    "] must hold 1 to 65536 values");
    }
    m_width = static_cast<size_t>(width);
    if (width <= kPackedValues)
    {
        m_counts.assign(static_cast<size_t>(kPackedValues), 0);
        m_wideLanes.emplace(lo, m_width);
        if (lo >= std::numeric_limits<int16_t>::min() && hi <= std::numeric_limits<int16_t>::max())
        {
            m_narrowLanes.emplace(lo, m_width);
        }
    }
    else
    {
        m_counts.assign(m_width, 0);
        m_tables.assign(2 * m_width, 0);
    }
}

void
SymbolCounter::Add(const int32_t* s, size_t n)
{
    if (m_wideLanes)
    {
        m_wideLanes->Add(s, n, m_counts);
        return;
    }
    AddToTables(s, n);
}

void
SymbolCounter::Add(const int16_t* s, size_t n)
{
    if (m_narrowLanes)
    {
        m_narrowLanes->Add(s, n, m_counts);
        return;
    }
    if (m_wideLanes && n > 0)
    {
        // A range of at most 32 values outside int16: no int16 symbol lies in it.
        throw std::invalid_argument("SymbolCounter: int16 symbols outside the range [" + std::to_string(m_lo) +
                                    ", " + std::to_string(m_lo + static_cast<int64_t>(m_width) - 1) + "]");
    }
    AddToTables(s, n);
}

template <typename Symbol>
void
SymbolCounter::AddToTables(const Symbol* s, size_t n)
{
    uint32_t* t0 = m_tables.data();
    uint32_t* t1 = t0 + m_width;
    size_t i = 0;
    while (i < n)
    {
        if (m_sinceEmptied >= m_emptyAt)
        {
            EmptyTables();
        }
        const size_t last = i + std::min(n - i, m_emptyAt - m_sinceEmptied);
        m_sinceEmptied += last - i;
        for (; i + 2 <= last; i += 2)
        {
            ++t0[static_cast<uint32_t>(static_cast<int32_t>(s[i]) - m_lo)];
            ++t1[static_cast<uint32_t>(static_cast<int32_t>(s[i + 1]) - m_lo)];
        }
        for (; i < last; ++i)
        {
            ++t0[static_cast<uint32_t>(static_cast<int32_t>(s[i]) - m_lo)];
        }
    }
}

void
SymbolCounter::EmptyTables()
{
    for (size_t v = 0; v < m_width; ++v)
    {
        m_counts[v] += static_cast<size_t>(m_tables[v]) + m_tables[m_width + v];
    }
    std::fill(m_tables.begin(), m_tables.end(), 0u);
    m_sinceEmptied = 0;
}

std::vector<size_t>
SymbolCounter::Counts() const
{
    std::vector<size_t> counts(m_width, 0);
    if (m_wideLanes)
    {
        std::vector<size_t> all = m_counts; // kPackedValues entries
        m_wideLanes->AddHeld(all);
        if (m_narrowLanes)
        {
            m_narrowLanes->AddHeld(all);
        }
        std::copy(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(m_width), counts.begin());
        return counts;
    }
    for (size_t v = 0; v < m_width; ++v)
    {
        counts[v] = m_counts[v] + m_tables[v] + m_tables[m_width + v];
    }
    return counts;
}

} // namespace wfl
