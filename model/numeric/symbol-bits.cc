#include "symbol-bits.h"

#include <cmath>
#include <algorithm>
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

/// Alphabets up to this size are counted by passes (CountEqual).
constexpr int64_t kCountingPassesUpTo = 3;

/// How many symbols equal v.
size_t
CountEqual(const std::vector<int32_t>& symbols, int32_t v)
{
    // 32-bit counts per chunk (a chunk cannot overflow them), summed in 64 bits.
    constexpr size_t kChunk = size_t{1} << 30;
    size_t total = 0;
    for (size_t first = 0; first < symbols.size(); first += kChunk)
    {
        const size_t last = std::min(symbols.size(), first + kChunk);
        uint32_t count = 0;
        for (size_t i = first; i < last; ++i)
        {
            count += static_cast<uint32_t>(symbols[i] == v);
        }
        total += count;
    }
    return total;
}

} // namespace

double
EntropySymbolBits(const std::vector<int32_t>& symbols)
{
    if (symbols.empty())
    {
        return 0.0;
    }
    // Plain min/max loop (vectorises; std::minmax_element does not).
    int32_t lo = symbols[0], hi = symbols[0];
    for (int32_t s : symbols)
    {
        lo = std::min(lo, s);
        hi = std::max(hi, s);
    }
    const int64_t range = static_cast<int64_t>(hi) - static_cast<int64_t>(lo) + 1;
    const double n = static_cast<double>(symbols.size());
    // Signs and ternary symbols: one counting pass per symbol value, each a
    // compare-and-add that vectorises (a table of counters does not: every
    // increment waits for the last one to the same counter).
    if (range <= kCountingPassesUpTo)
    {
        std::vector<std::pair<int32_t, size_t>> counts(static_cast<size_t>(range));
        for (int64_t v = 0; v < range; ++v)
        {
            counts[static_cast<size_t>(v)].second = CountEqual(symbols, static_cast<int32_t>(lo + v));
        }
        return EntropyOfCounts(counts, n);
    }
    // Other small alphabets: a dense histogram, summed in ascending symbol
    // order; an ordered map only for wide ranges.
    if (range <= (int64_t{1} << 16))
    {
        // Four tables filled in turn: runs of one symbol do not serialise on
        // one counter.
        const size_t width = static_cast<size_t>(range);
        std::vector<size_t> table(4 * width, 0);
        size_t* t0 = table.data();
        size_t* t1 = t0 + width;
        size_t* t2 = t1 + width;
        size_t* t3 = t2 + width;
        const int32_t* s = symbols.data();
        const size_t count = symbols.size();
        size_t i = 0;
        for (; i + 4 <= count; i += 4)
        {
            ++t0[static_cast<uint32_t>(s[i] - lo)];
            ++t1[static_cast<uint32_t>(s[i + 1] - lo)];
            ++t2[static_cast<uint32_t>(s[i + 2] - lo)];
            ++t3[static_cast<uint32_t>(s[i + 3] - lo)];
        }
        for (; i < count; ++i)
        {
            ++t0[static_cast<uint32_t>(s[i] - lo)];
        }
        std::vector<std::pair<int32_t, size_t>> counts(width);
        for (size_t j = 0; j < width; ++j)
        {
            counts[j].second = t0[j] + t1[j] + t2[j] + t3[j];
        }
        return EntropyOfCounts(counts, n);
    }
    std::map<int32_t, size_t> histogram;
    for (int32_t s : symbols)
    {
        ++histogram[s];
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
