#include "symbol-bits.h"

#include "symbol-counter.h"

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
    // Counts in ascending symbol order in every path, so all give the same
    // bits (test-dithered-quantizer, test-symbol-bits).
    if (range <= SymbolCounter::kMaxTableValues)
    {
        SymbolCounter counter(lo, hi);
        for (const SymbolSpan& part : parts)
        {
            counter.Add(part.data, part.size);
        }
        return EntropyBitsOfCounts(counter.Counts());
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
EntropySymbolBits(const int16_t* symbols, size_t n)
{
    if (n == 0)
    {
        return 0.0;
    }
    int32_t lo = symbols[0];
    int32_t hi = symbols[0];
    for (size_t i = 0; i < n; ++i)
    {
        lo = std::min(lo, static_cast<int32_t>(symbols[i]));
        hi = std::max(hi, static_cast<int32_t>(symbols[i]));
    }
    SymbolCounter counter(lo, hi); // at most 2^16 values
    counter.Add(symbols, n);
    return EntropyBitsOfCounts(counter.Counts());
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
