/*
 * The histogram of integer symbols known to lie in [lo, hi], filled a block
 * at a time, so an encoder can count the symbols it has just written while
 * they are still in the L1 cache, instead of a later pass over the whole
 * message (and a min/max pass to find the range it already knows).
 *
 * Two ways to count, both exact, chosen by the range (hi - lo + 1 values):
 *  - up to kPackedValues = 32 values: each of 16 lanes keeps 4-bit counters
 *    packed eight to a 32-bit word, in W = 1, 2 or 4 words (8, 16 or 32
 *    values); value v adds 1 << 4 (v mod 8) to word v div 8, so 16 symbols
 *    cost four vector ops (subtract lo, mask, shift, variable shift) and an
 *    add per word, plus with W > 1 a compare or mask per word, whatever the
 *    values. A
 *    nibble holds 15, so every 15 rounds of 16 symbols the nibbles are
 *    spilled into byte counters (even and odd nibbles apart, two masks, a
 *    shift and two adds per word), and a byte holds 255 = 17 spills, after
 *    which the bytes are emptied into the counts. Counting DQSG's 7 values
 *    cost 0.080 ms per 2^20 symbols with byte counters four to a word (one
 *    compare and masked add per word, W = 2), 0.046-0.052 ms like this
 *    (microbenchmark). The lanes persist across Add calls, so blocks of any
 *    length cost no extra spilling.
 *  - up to kMaxTableValues = 2^16 values: two tables of 32-bit counts
 *    filled in turn, so that runs of one symbol do not serialise on one
 *    counter, emptied into 64-bit counts before a table could overflow (a
 *    load and a store per symbol: about 0.25 ms per 2^20 symbols, the cost
 *    of QSGD's wide alphabets, bench-compressors; four tables of 64-bit
 *    counts, 312 KiB at 10^4 values, cost 0.30 ms).
 */
#ifndef WFL_SYMBOL_COUNTER_H
#define WFL_SYMBOL_COUNTER_H

#include <cstddef>
#include <cstdint>
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
    static constexpr size_t kLanes = 16;
    static constexpr size_t kMaxWords = kPackedValues / 8;
    static constexpr size_t kRoundsPerSpill = 15; ///< a nibble holds 15
    static constexpr size_t kSpillsPerEmpty = 17; ///< a byte holds 255 = 17 x 15

    template <typename Symbol>
    void AddAny(const Symbol* s, size_t n);
    template <size_t Words, typename Symbol>
    void AddPacked(const Symbol* s, size_t n);
    template <typename Symbol>
    void AddToTables(const Symbol* s, size_t n);
    void SpillNibbles();
    void EmptyBytes();
    void EmptyTables();

    int32_t m_lo;
    size_t m_width;               ///< hi - lo + 1
    size_t m_words = 0;           ///< packed: words per lane (1, 2 or 4); 0: tables
    std::vector<size_t> m_counts;   ///< the counts emptied from lanes or tables
    std::vector<uint32_t> m_tables; ///< tables: 2 of m_width
    size_t m_sinceEmptied = 0;      ///< symbols in the tables (each table holds at most half)
    size_t m_emptyAt;               ///< kEmptyTablesEvery, or less in tests
    /// Packed nibble counters: nibble j of word w of lane k counts value
    /// lo + 8w + j; then the bytes they are spilled into: byte b of
    /// m_evenBytes[w][k] counts value lo + 8w + 2b, of m_oddBytes lo + 8w + 2b + 1.
    uint32_t m_nibbles[kMaxWords][kLanes] = {};
    uint32_t m_evenBytes[kMaxWords][kLanes] = {};
    uint32_t m_oddBytes[kMaxWords][kLanes] = {};
    size_t m_rounds = 0; ///< rounds of kLanes symbols in the nibbles
    size_t m_spills = 0; ///< spills in the bytes
};

} // namespace wfl

#endif
