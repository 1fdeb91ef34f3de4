#include "symbol-bits.h"

#include <cmath>
#include <algorithm>
#include <limits>
#include <map>
#include <utility>

namespace wfl
{

double
RawSymbolBits(size_t count, double alphabet)
{
    return static_cast<double>(count) * std::log2(alphabet);
}

namespace
{

/// -sum c log2(c / n) over the counts (zero counts skipped).
template <typename Counts>
double
EntropyOfCounts(const Counts& counts, double n)
{
    double bits = 0.0;
    for (const auto& entry : counts)
    {
        const double c = static_cast<double>(entry.second);
        if (c > 0.0)
        {
            bits -= c * std::log2(c / n);
        }
    }
    return bits;
}

/// Alphabets up to this size are counted by passes (CountSmallAlphabet).
constexpr int64_t kCountingPassesUpTo = 8;

/// counts[v] += how many symbols equal lo + v, v < range <= 8. One pass per
/// value over a block small enough for the L1 cache (8192 symbols, 32 KiB),
/// each a compare-and-add that vectorises; a table of counters does not
/// (every increment waits for the last one to the same counter).
void
CountSmallAlphabet(const SymbolSpan& part, int32_t lo, int64_t range, std::vector<size_t>& counts)
{
    constexpr size_t kBlock = 8192;
    for (size_t first = 0; first < part.size; first += kBlock)
    {
        const int32_t* s = part.data + first;
        const size_t n = std::min(kBlock, part.size - first);
        for (int64_t v = 0; v < range; ++v)
        {
            const int32_t value = static_cast<int32_t>(lo + v);
            uint32_t count = 0; // < 2^32 in one block
            for (size_t i = 0; i < n; ++i)
            {
                count += static_cast<uint32_t>(s[i] == value);
            }
            counts[static_cast<size_t>(v)] += count;
        }
    }
}

/// table[k width + (s - lo)] += 1 per symbol, range <= 2^16. Four tables
/// filled in turn, so that runs of one symbol do not serialise on one counter.
void
CountWithTables(const SymbolSpan& part, int32_t lo, size_t width, std::vector<size_t>& table)
{
    size_t* t0 = table.data();
    size_t* t1 = t0 + width;
    size_t* t2 = t1 + width;
    size_t* t3 = t2 + width;
    const int32_t* s = part.data;
    size_t i = 0;
    for (; i + 4 <= part.size; i += 4)
    {
        ++t0[static_cast<uint32_t>(s[i] - lo)];
        ++t1[static_cast<uint32_t>(s[i + 1] - lo)];
        ++t2[static_cast<uint32_t>(s[i + 2] - lo)];
        ++t3[static_cast<uint32_t>(s[i + 3] - lo)];
    }
    for (; i < part.size; ++i)
    {
        ++t0[static_cast<uint32_t>(s[i] - lo)];
    }
}

} // namespace

double
EntropySymbolBits(const std::vector<int32_t>& symbols)
{
    return EntropySymbolBits(std::vector<SymbolSpan>{{symbols.data(), symbols.size()}});
}

double
EntropySymbolBits(const std::vector<SymbolSpan>& parts)
{
    size_t total = 0;
    int32_t lo = std::numeric_limits<int32_t>::max();
    int32_t hi = std::numeric_limits<int32_t>::min();
    for (const SymbolSpan& part : parts)
    {
        total += part.size;
        // Plain min/max loop (vectorises; std::minmax_element does not).
        for (size_t i = 0; i < part.size; ++i)
        {
            lo = std::min(lo, part.data[i]);
            hi = std::max(hi, part.data[i]);
        }
    }
    if (total == 0)
    {
        return 0.0;
    }
    const int64_t range = static_cast<int64_t>(hi) - static_cast<int64_t>(lo) + 1;
    const double n = static_cast<double>(total);
    // Counts in ascending symbol order in every path, so all three give the
    // same bits (test-dithered-quantizer).
    if (range <= kCountingPassesUpTo)
    {
        std::vector<size_t> counts(static_cast<size_t>(range), 0);
        for (const SymbolSpan& part : parts)
        {
            CountSmallAlphabet(part, lo, range, counts);
        }
        return EntropyBitsOfCounts(counts);
    }
    if (range <= (int64_t{1} << 16))
    {
        const size_t width = static_cast<size_t>(range);
        std::vector<size_t> table(4 * width, 0);
        for (const SymbolSpan& part : parts)
        {
            CountWithTables(part, lo, width, table);
        }
        std::vector<std::pair<int32_t, size_t>> counts(width);
        for (size_t j = 0; j < width; ++j)
        {
            counts[j].second = table[j] + table[width + j] + table[2 * width + j] + table[3 * width + j];
        }
        return EntropyOfCounts(counts, n);
    }
    // Wide ranges: an ordered map.
    std::map<int32_t, size_t> histogram;
    for (const SymbolSpan& part : parts)
    {
        for (size_t i = 0; i < part.size; ++i)
        {
            ++histogram[part.data[i]];
        }
    }
    return EntropyOfCounts(histogram, n);
}

double
EntropyBitsOfCounts(const std::vector<size_t>& counts)
{
    size_t n = 0;
    std::vector<std::pair<int32_t, size_t>> entries;
    for (size_t c : counts)
    {
        n += c;
        entries.emplace_back(0, c);
    }
    return n == 0 ? 0.0 : EntropyOfCounts(entries, static_cast<double>(n));
}

} // namespace wfl
