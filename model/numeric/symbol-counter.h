/*
 * The histogram of integer symbols known to lie in [lo, hi], filled a block
 * at a time, so an encoder can count the symbols it has just written while
 * they are still in the L1 cache, instead of a later pass over the whole
 * message (and a min/max pass to find the range it already knows).
 *
 * Two ways to count, both exact, chosen by the range (hi - lo + 1 values):
 *  - up to kPackedValues = 8 values: each of 16 lanes keeps byte counters
 *    packed in two 32-bit words; value v adds 1 << 8 (v mod 4) to word
 *    v div 4, so one shift and two masked adds count a symbol whatever its
 *    value (7 vector ops per 16 symbols; one compare-and-add pass per value
 *    cost 14 for DQSG's 7 values). A byte holds 255, so the lanes are
 *    emptied into the counts every 255 rounds of 16 symbols. The lanes
 *    persist across Add calls, so blocks of any length cost no extra flush.
 *  - up to kMaxTableValues = 2^16 values: four tables of counts filled in
 *    turn, so that runs of one symbol do not serialise on one counter.
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
    static constexpr int64_t kPackedValues = 8;
    static constexpr int64_t kMaxTableValues = int64_t{1} << 16;

    /// Counts of the values lo..hi, all zero; throws std::invalid_argument
    /// unless 1 <= hi - lo + 1 <= kMaxTableValues.
    SymbolCounter(int32_t lo, int32_t hi);

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
    static constexpr size_t kRoundsPerFlush = 255;

    template <typename Symbol>
    void AddAny(const Symbol* s, size_t n);
    template <typename Symbol>
    void AddPacked(const Symbol* s, size_t n);
    template <typename Symbol>
    void AddToTables(const Symbol* s, size_t n);
    void EmptyLanes();

    int32_t m_lo;
    size_t m_width;              ///< hi - lo + 1
    std::vector<size_t> m_counts; ///< packed: the counts; tables: 4 tables of m_width
    uint32_t m_low[kLanes] = {};  ///< packed byte counters of values lo + 0..3
    uint32_t m_high[kLanes] = {}; ///< of values lo + 4..7
    size_t m_rounds = 0;          ///< rounds of kLanes symbols in the lanes
};

} // namespace wfl

#endif
