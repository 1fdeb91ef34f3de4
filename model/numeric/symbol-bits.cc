#include "symbol-bits.h"

#include <cmath>
#include <unordered_map>

namespace wfl
{

double
RawSymbolBits(size_t count, double alphabet)
{
    return static_cast<double>(count) * std::log2(alphabet);
}

double
EntropySymbolBits(const std::vector<int32_t>& symbols)
{
    std::unordered_map<int32_t, size_t> histogram;
    for (int32_t s : symbols)
    {
        ++histogram[s];
    }
    const double n = static_cast<double>(symbols.size());
    double bits = 0.0;
    for (const auto& [symbol, count] : histogram)
    {
        const double c = static_cast<double>(count);
        bits -= c * std::log2(c / n);
    }
    return bits;
}

} // namespace wfl
