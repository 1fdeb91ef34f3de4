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

/// Alphabets up to this size are counted by packed counters (CountSmallAlphabet).
constexpr int64_t kPackedCountsUpTo = 8;

/// counts[v] += how many symbols equal lo + v, v < range <= 8, in one pass.
/// Each of 16 lanes keeps byte counters packed in two words: value v adds
/// 1 << 8 (v mod 4) to word v div 4, so one shift and two masked adds count
/// a symbol whatever its value (7 ops per 16 symbols; one compare-and-add
/// pass per value cost 2 ops per value, 14 for DQSG's 7 values: its encode
/// of 2^20 went 0.63 -> 0.52 ms, bench-compressors). A byte holds 255, so
/// the lanes are emptied into `counts` every 255 rounds of 16 symbols.
void
CountSmallAlphabet(const SymbolSpan& part, int32_t lo, std::vector<size_t>& counts)
{
    constexpr size_t kWidth = 16;
    constexpr size_t kRoundsPerFlush = 255;
    const int32_t* s = part.data;
    size_t i = 0;
    while (i + kWidth <= part.size)
    {
        uint32_t low[kWidth] = {};  // values 0..3, a byte each
        uint32_t high[kWidth] = {}; // values 4..7
        const size_t rounds = std::min(kRoundsPerFlush, (part.size - i) / kWidth);
        for (size_t r = 0; r < rounds; ++r, i += kWidth)
        {
            for (size_t k = 0; k < kWidth; ++k)
            {
                const auto v = static_cast<uint32_t>(s[i + k] - lo);
                const uint32_t one = 1u << (8 * (v & 3u));
                low[k] += v < 4 ? one : 0u;
                high[k] += v < 4 ? 0u : one;
            }
        }
        for (size_t k = 0; k < kWidth; ++k)
        {
            for (size_t b = 0; b < 4; ++b)
            {
                counts[b] += (low[k] >> (8 * b)) & 0xffu;
                counts[4 + b] += (high[k] >> (8 * b)) & 0xffu;
            }
        }
    }
    for (; i < part.size; ++i)
    {
        ++counts[static_cast<size_t>(s[i] - lo)];
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
    if (range <= kPackedCountsUpTo)
    {
        std::vector<size_t> counts(kPackedCountsUpTo, 0); // values beyond the range stay 0
        for (const SymbolSpan& part : parts)
        {
            CountSmallAlphabet(part, lo, counts);
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
