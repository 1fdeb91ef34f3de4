/*
 * A set of byte ranges [lo, hi) of a file, kept disjoint and merged when
 * they touch: which bytes are on disk (ordered-write-driver.cc).
 */
#ifndef WFL_BYTE_RANGES_H
#define WFL_BYTE_RANGES_H

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>

namespace wfl
{

class ByteRanges
{
  public:
    /// Whether any byte of [lo, hi) is in the set.
    bool Overlaps(uint64_t lo, uint64_t hi) const
    {
        auto next = m_ranges.upper_bound(lo);
        if (next != m_ranges.begin() && std::prev(next)->second > lo)
        {
            return true;
        }
        return next != m_ranges.end() && next->first < hi;
    }

    /// Add [lo, hi), merging with the ranges it overlaps or touches.
    void Add(uint64_t lo, uint64_t hi)
    {
        auto it = m_ranges.upper_bound(lo);
        if (it != m_ranges.begin() && std::prev(it)->second >= lo)
        {
            --it;
            lo = it->first;
        }
        while (it != m_ranges.end() && it->first <= hi)
        {
            hi = std::max(hi, it->second);
            it = m_ranges.erase(it);
        }
        m_ranges[lo] = hi;
    }

    /// Remove every byte at or past `length` (the file was cut there).
    void CutAt(uint64_t length)
    {
        m_ranges.erase(m_ranges.lower_bound(length), m_ranges.end());
        if (!m_ranges.empty() && m_ranges.rbegin()->second > length)
        {
            m_ranges.rbegin()->second = length;
        }
    }

  private:
    std::map<uint64_t, uint64_t> m_ranges; ///< lo -> hi
};

} // namespace wfl

#endif
