/*
 * The histogram of integer symbols known to lie in [lo, hi], for the
 * empirical entropy of a message: the encoder knows the range from its
 * parameters, so no min/max pass is needed. Add may be called on blocks of
 * any length; the encoders call it once per message (or tensor), after
 * quantizing: for small alphabets a call per 256-entry block cost more than
 * the counting itself (DQSG encode of 2^20 entries 0.298 -> 0.271 ms).
 *
 * Two ways to count, both exact, chosen by the range (hi - lo + 1 values):
 *  - up to kPackedValues = 32 values: 4-bit counters packed in vector lanes
 *    (nibble-lanes.h), 16 lanes of 32 bits for int32 symbols and 32 lanes of
 *    16 bits for the dithered quantizers' int16 symbols (never widened);
 *    counting DQSG's 7 values cost 0.080 ms per 2^20 int16 symbols with
 *    byte counters in 32-bit lanes, 0.035 ms so (microbenchmark).
 *  - up to kMaxTableValues = 2^16 values: two tables of 32-bit counts
 *    filled in turn, so that runs of one symbol do not serialise on one
 *    counter, emptied into 64-bit counts before a table could overflow (a
 *    load and a store per symbol: about 0.25 ms per 2^20 symbols, the cost
 *    of QSGD's wide alphabets, bench-compressors; four tables of 64-bit
 *    counts, 312 KiB at 10^4 values, cost 0.30 ms).
 */
#ifndef WFL_SYMBOL_COUNTER_H
#define WFL_SYMBOL_COUNTER_H

#include "nibble-lanes.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace wfl
{

class SymbolCounter
{
  public:
    static constexpr int64_t kPackedValues = 32;
    static constexpr int64_t kMaxTableValues = int64_t{1} << 16;

    /// Symbols the tables take before they are emptied: each of the two
    /// receives half, so each stays below 2^31.
    static constexpr size_t kEmptyTablesEvery = (size_t{1} << 32) - 2;

    /// Counts of the values lo..hi, all zero; throws std::invalid_argument
    /// unless 1 <= hi - lo + 1 <= kMaxTableValues. `emptyTablesEvery` (>= 2)
    /// is lowered only by tests, to reach the emptying without 2^32 symbols.
    SymbolCounter(int32_t lo, int32_t hi, size_t emptyTablesEvery = kEmptyTablesEvery);

    /// Counts s[0..n). Every symbol must lie in [lo, hi]: the encoders that
    /// call it quantize into that range, and checking each symbol would cost
    /// what the counting costs (a symbol outside it is miscounted or, in the
    /// table path, written out of bounds).
    void Add(const int32_t* s, size_t n);
    void Add(const int16_t* s, size_t n); ///< the dithered quantizers' symbols

    /// counts[v - lo] for v = lo..hi (the lanes not yet emptied included).
    std::vector<size_t> Counts() const;

  private:
    template <typename Symbol>
    void AddToTables(const Symbol* s, size_t n);
    void EmptyTables();

    int32_t m_lo;
    size_t m_width;                 ///< hi - lo + 1
    std::vector<size_t> m_counts;   ///< counts emptied from the lanes or tables (packed: kPackedValues)
    std::optional<NibbleLanes<uint32_t>> m_wideLanes;   ///< packed: int32 symbols
    std::optional<NibbleLanes<uint16_t>> m_narrowLanes; ///< packed, range within int16: int16 symbols
    std::vector<uint32_t> m_tables; ///< tables: 2 of m_width
    size_t m_sinceEmptied = 0;      ///< symbols in the tables (each table holds at most half)
    size_t m_emptyAt;               ///< kEmptyTablesEvery, or less in tests
};

} // namespace wfl

#endif
