/*
 * SymbolCounter (symbol-counter.h): the histogram the dithered encoders fill
 * a block at a time while they quantize, and DitherQuantize's use of it.
 */
#include "dithered-quantizer.h"
#include "random.h"
#include "symbol-counter.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <vector>

namespace
{

using wfl::Rng;
using wfl::SymbolCounter;

/// counts[v - lo] of s[0..n) for v = lo..hi, by a std::map.
template <typename Symbol>
std::vector<size_t>
MapHistogram(const Symbol* s, size_t n, int32_t lo, int32_t hi)
{
    std::map<int32_t, size_t> counts;
    for (size_t i = 0; i < n; ++i)
    {
        ++counts[static_cast<int32_t>(s[i])];
    }
    std::vector<size_t> out;
    for (int32_t v = lo; v <= hi; ++v)
    {
        out.push_back(counts.count(v) ? counts[v] : 0);
    }
    return out;
}

} // namespace

// Every path (nibble lanes, nibble-lanes.h: 16 lanes of 32 bits in 1, 2 or 4
// words for int32 symbols, 32 lanes of 16 bits in 1, 2, 4 or 8 words for
// int16 symbols, up to 32 values; tables beyond), at each width boundary,
// fed in blocks of random length 0..300 (not multiples of the lanes, so
// lanes and tails mix), over 30,000 symbols (125 or 62 nibble spills at 15
// rounds, 7 or 3 byte emptyings at 17 spills), with Counts() asked midway
// (lanes not yet emptied) and at the end: equal to a map histogram. Breaks
// tried, each fails: nibbles spilled every 16 rounds (range 1: a nibble
// wraps to 0); bytes emptied every 18 spills (a byte wraps); Counts()
// without the nibbles not yet spilled; even and odd bytes swapped when
// emptied; one 32-bit word for 9 values (the 9th never counted); one 16-bit
// word for 5 values; the 16-bit lanes' bytes emptied as if 4 to a lane.
TEST(SymbolCounter, BlocksOfAnyLengthMatchAMapHistogram)
{
    Rng rng(5, "symbol-counter");
    for (int32_t width : {1, 2, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33, 300, 65536})
    {
        const int32_t lo = -width / 2;
        const int32_t hi = lo + width - 1;
        std::vector<int32_t> s(30000);
        for (int32_t& v : s)
        {
            // Mostly one value, so that a wrapped byte counter shows.
            v = rng.Uniform() < 0.7 ? lo : lo + static_cast<int32_t>(rng.UniformInt(static_cast<uint64_t>(width)));
        }
        const std::vector<int16_t> narrow(s.begin(), s.end()); // every width here fits 16 bits
        SymbolCounter counter(lo, hi);
        SymbolCounter narrowCounter(lo, hi);
        size_t at = 0;
        bool checkedMidway = false;
        while (at < s.size())
        {
            const size_t n = std::min(s.size() - at, static_cast<size_t>(rng.UniformInt(301)));
            counter.Add(s.data() + at, n);
            narrowCounter.Add(narrow.data() + at, n);
            at += n;
            if (!checkedMidway && at > s.size() / 2)
            {
                EXPECT_EQ(counter.Counts(), MapHistogram(s.data(), at, lo, hi)) << width;
                EXPECT_EQ(narrowCounter.Counts(), MapHistogram(s.data(), at, lo, hi)) << width << " int16";
                checkedMidway = true;
            }
        }
        EXPECT_EQ(counter.Counts(), MapHistogram(s.data(), s.size(), lo, hi)) << width;
        EXPECT_EQ(narrowCounter.Counts(), MapHistogram(s.data(), s.size(), lo, hi)) << width << " int16";
    }
}

// The tables' emptying into 64-bit counts (every 2^32 - 2 symbols in a run,
// lowered here to every 7, 64 and 1000), over the same random blocks: the
// counts stay exact. Breaks tried, each fails: the tables not zeroed after
// emptying (counted twice); Counts() without the tables not yet emptied.
TEST(SymbolCounter, TablesEmptiedAtAnyPointStayExact)
{
    Rng rng(8, "symbol-counter-tables");
    std::vector<int32_t> s(20000);
    for (int32_t& v : s)
    {
        v = static_cast<int32_t>(rng.UniformInt(100)) - 50;
    }
    for (size_t every : {7, 64, 1000})
    {
        SymbolCounter counter(-50, 49, every);
        size_t at = 0;
        while (at < s.size())
        {
            const size_t n = std::min(s.size() - at, static_cast<size_t>(rng.UniformInt(301)));
            counter.Add(s.data() + at, n);
            at += n;
        }
        EXPECT_EQ(counter.Counts(), MapHistogram(s.data(), s.size(), -50, 49)) << every;
    }
}

TEST(SymbolCounter, RefusesAnEmptyOrTooWideRange)
{
    // int16 symbols cannot lie in a small range outside int16: refused, not miscounted.
    const int16_t symbol = 0;
    SymbolCounter outside(-40000, -39990);
    EXPECT_THROW(outside.Add(&symbol, 1), std::invalid_argument);
    EXPECT_NO_THROW(outside.Add(&symbol, 0));
    EXPECT_THROW(SymbolCounter(3, 2), std::invalid_argument);
    EXPECT_THROW(SymbolCounter(0, 65536), std::invalid_argument);
    EXPECT_NO_THROW(SymbolCounter(0, 65535));
}

// DitherQuantize with a counter counts exactly the symbols it returns, for
// the one-bit form (values +-1), Q = 1, 3 (packed) and 40 (tables), over
// buckets whose lengths are not multiples of the 256-entry draw block. Break
// tried: the counter fed before the symbols are written fails (the block's
// uninitialised contents lie outside the range: the test crashes).
TEST(SymbolCounter, DitherQuantizeCountsTheSymbolsItReturns)
{
    Rng rng(6, "symbol-counter-input");
    std::vector<float> x(5003);
    for (float& v : x)
    {
        v = static_cast<float>(rng.Normal());
    }
    for (int32_t levels : {0, 1, 3, 40})
    {
        SymbolCounter counter = wfl::DitherCounter(levels);
        Rng dither(7, "symbol-counter-dither");
        const wfl::DitheredVector q = wfl::DitherQuantize(x.data(), x.size(), 777, levels, dither, &counter);
        const int32_t top = std::max(levels, 1);
        EXPECT_EQ(counter.Counts(), MapHistogram(q.symbols.data(), q.symbols.size(), -top, top)) << levels;
    }
}
