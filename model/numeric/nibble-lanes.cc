#include "nibble-lanes.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace wfl
{

template <typename Lane>
NibbleLanes<Lane>::NibbleLanes(int32_t lo, size_t width)
    : m_lo(lo)
{
    if (width < 1 || width > kMaxValues)
    {
        throw std::invalid_argument("NibbleLanes: width must be 1 to 32");
    }
    m_words = 1;
    while (m_words * kPerWord < width)
    {
        m_words *= 2;
    }
}

template <typename Lane>
void
NibbleLanes<Lane>::Add(const Symbol* s, size_t n, std::vector<size_t>& counts)
{
    switch (m_words)
    {
    case 1:
        AddWords<1>(s, n, counts);
        break;
    case 2:
        AddWords<2>(s, n, counts);
        break;
    case 4:
        AddWords<4>(s, n, counts);
        break;
    default:
        AddWords<kMaxWords>(s, n, counts);
    }
}

template <typename Lane>
template <size_t Words>
void
NibbleLanes<Lane>::AddWords(const Symbol* s, size_t n, std::vector<size_t>& counts)
{
    // GCC vector types, one zmm register under AVX-512 (two ymm under AVX2,
    // scalar code elsewhere): integer operations, the same counts on each.
    typedef Lane Vector __attribute__((vector_size(64)));
    typedef Symbol SymbolVector __attribute__((vector_size(64)));
    static_assert(Words <= kMaxWords, "the words fit the arrays");
    // v - lo in Symbol arithmetic: both lie in Symbol's range, and the
    // difference, 0 .. 31, is exact modulo 2^bits.
    const auto lo = static_cast<Symbol>(m_lo);
    size_t i = 0;
    while (i + kLanes <= n)
    {
        Vector words[Words];
        for (size_t w = 0; w < Words; ++w)
        {
            std::memcpy(&words[w], m_nibbles[w], sizeof(Vector));
        }
        const size_t rounds = std::min(kRoundsPerSpill - m_rounds, (n - i) / kLanes);
        for (size_t r = 0; r < rounds; ++r, i += kLanes)
        {
            SymbolVector symbols;
            std::memcpy(&symbols, s + i, sizeof(symbols));
            const auto v = (Vector)(symbols - lo); // a bitcast (GCC vector cast)
            const Vector one = static_cast<Lane>(1) << ((v & static_cast<Lane>(kPerWord - 1)) * static_cast<Lane>(4));
            if (Words == 1)
            {
                words[0] += one;
            }
            else if (Words == 2)
            {
                // One comparison picks the word (a shift and a second one saved).
                const auto isLow = (Vector)(v < static_cast<Lane>(kPerWord)); // all ones where low
                words[0] += one & isLow;
                words[Words - 1] += one & ~isLow;
            }
            else
            {
                const Vector word = v / static_cast<Lane>(kPerWord); // a shift
                for (size_t w = 0; w < Words; ++w)
                {
                    words[w] += one & (Vector)(word == static_cast<Lane>(w)); // all ones where equal
                }
            }
        }
        for (size_t w = 0; w < Words; ++w)
        {
            std::memcpy(m_nibbles[w], &words[w], sizeof(Vector));
        }
        m_rounds += rounds;
        if (m_rounds == kRoundsPerSpill)
        {
            Spill(counts);
        }
    }
    for (; i < n; ++i)
    {
        ++counts[static_cast<size_t>(static_cast<int32_t>(s[i]) - m_lo)];
    }
}

template <typename Lane>
void
NibbleLanes<Lane>::Spill(std::vector<size_t>& counts)
{
    typedef Lane Vector __attribute__((vector_size(64)));
    const auto lowNibbles = static_cast<Lane>(0x0f0f0f0f0f0f0f0fULL); // the even nibbles of a lane
    for (size_t w = 0; w < m_words; ++w)
    {
        Vector nibbles;
        Vector even;
        Vector odd;
        std::memcpy(&nibbles, m_nibbles[w], sizeof(Vector));
        std::memcpy(&even, m_even[w], sizeof(Vector));
        std::memcpy(&odd, m_odd[w], sizeof(Vector));
        even += nibbles & lowNibbles;
        odd += (nibbles >> static_cast<Lane>(4)) & lowNibbles;
        std::memcpy(m_even[w], &even, sizeof(Vector));
        std::memcpy(m_odd[w], &odd, sizeof(Vector));
        std::fill(m_nibbles[w], m_nibbles[w] + kLanes, Lane{0});
    }
    m_rounds = 0;
    if (++m_spills == kSpillsPerEmpty)
    {
        Empty(counts);
    }
}

template <typename Lane>
void
NibbleLanes<Lane>::Empty(std::vector<size_t>& counts)
{
    for (size_t w = 0; w < m_words; ++w)
    {
        for (size_t k = 0; k < kLanes; ++k)
        {
            for (size_t b = 0; b < sizeof(Lane); ++b)
            {
                counts[kPerWord * w + 2 * b] += (m_even[w][k] >> (8 * b)) & 0xffu;
                counts[kPerWord * w + 2 * b + 1] += (m_odd[w][k] >> (8 * b)) & 0xffu;
            }
            m_even[w][k] = 0;
            m_odd[w][k] = 0;
        }
    }
    m_spills = 0;
}

template <typename Lane>
void
NibbleLanes<Lane>::AddHeld(std::vector<size_t>& counts) const
{
    for (size_t v = 0; v < m_words * kPerWord; ++v)
    {
        const size_t w = v / kPerWord;
        const size_t j = v % kPerWord; // nibble j of word w; byte j / 2 of the even (j even) or odd bytes
        const Lane(&bytes)[kLanes] = j % 2 == 0 ? m_even[w] : m_odd[w];
        for (size_t k = 0; k < kLanes; ++k)
        {
            counts[v] += ((m_nibbles[w][k] >> (4 * j)) & 0xfu) + ((bytes[k] >> (8 * (j / 2))) & 0xffu);
        }
    }
}

template class NibbleLanes<uint16_t>;
template class NibbleLanes<uint32_t>;

} // namespace wfl
