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

} // namespace

double
EntropySymbolBits(const std::vector<int32_t>& symbols)
{
    if (symbols.empty())
    {
        return 0.0;
    }
    const auto [lo, hi] = std::minmax_element(symbols.begin(), symbols.end());
    const int64_t range = static_cast<int64_t>(*hi) - static_cast<int64_t>(*lo) + 1;
    const double n = static_cast<double>(symbols.size());
    // Small alphabets (every quantizer here): a dense histogram, summed in
    // ascending symbol order; a hash map only for wide ranges.
    if (range <= (int64_t{1} << 16))
    {
        // Four interleaved tables: runs of one symbol do not serialise on one counter.
        const size_t width = static_cast<size_t>(range);
        std::vector<size_t> partial(4 * width, 0);
        const size_t count = symbols.size();
        for (size_t i = 0; i < count; ++i)
        {
            ++partial[(i & 3) * width + static_cast<size_t>(static_cast<int64_t>(symbols[i]) - *lo)];
        }
        std::vector<std::pair<int32_t, size_t>> counts(width);
        for (size_t j = 0; j < width; ++j)
        {
            counts[j].second = partial[j] + partial[width + j] + partial[2 * width + j] + partial[3 * width + j];
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

} // namespace wfl
