/*
 * Bit accounting of quantized messages (methods.md 1.2): the raw rate, a
 * fixed-length code of log2(alphabet) bits per symbol, and the empirical
 * entropy of the symbols actually sent, the rate an ideal entropy coder
 * adapted to the message would approach. Scales cost 32 bits each (float32)
 * in both.
 */
#ifndef WFL_SYMBOL_BITS_H
#define WFL_SYMBOL_BITS_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wfl
{

/// count log2(alphabet) bits: a fixed-length code (alphabet >= 1).
double RawSymbolBits(size_t count, double alphabet);

/// count * H, H the empirical entropy (bits) of the symbols' histogram.
double EntropySymbolBits(const std::vector<int32_t>& symbols);

/// Symbols in several arrays (one per tensor), counted as one message.
struct SymbolSpan
{
    const int32_t* data;
    size_t size;
};

/// The same over the symbols of every part together, without a copy.
double EntropySymbolBits(const std::vector<SymbolSpan>& parts);

/// The same for 32-bit symbols under another allocator (LevelSymbols). A
/// template, so that a braced list still selects the std::vector<int32_t> form.
template <typename Allocator>
double
EntropySymbolBits(const std::vector<int32_t, Allocator>& symbols)
{
    return EntropySymbolBits(std::vector<SymbolSpan>{{symbols.data(), symbols.size()}});
}

/// The same for the dithered quantizers' 16-bit symbols.
double EntropySymbolBits(const int16_t* symbols, size_t n);

/// The same for 16-bit symbols under any allocator (DitherSymbols). A
/// template, so that a braced list still selects the std::vector<int32_t> form.
template <typename Allocator>
double
EntropySymbolBits(const std::vector<int16_t, Allocator>& symbols)
{
    return EntropySymbolBits(symbols.data(), symbols.size());
}

/// The same from the histogram itself: counts in ascending symbol order
/// (zeros allowed), for encoders that count while they quantize.
double EntropyBitsOfCounts(const std::vector<size_t>& counts);

/// Bits of a float32 scale.
constexpr double kScaleBits = 32.0;

} // namespace wfl

#endif
