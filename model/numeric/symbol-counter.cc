#include "symbol-counter.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace wfl
{

SymbolCounter::SymbolCounter(int32_t lo, int32_t hi, size_t emptyTablesEvery)
    : m_lo(lo),
      m_emptyAt(std::clamp<size_t>(emptyTablesEvery, 2, kEmptyTablesEvery))
{
    const int64_t width = static_cast<int64_t>(hi) - static_cast<int64_t>(lo) + 1;
    if (width < 1 || width > kMaxTableValues)
    {
        throw std::invalid_argument("SymbolCounter: the range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                    "] must hold 1 to 65536 values");
    }
    m_width = static_cast<size_t>(width);
    if (width <= kPackedValues)
    {
        m_words = width <= 8 ? 1 : width <= 16 ? 2 : 4;
        m_counts.assign(static_cast<size_t>(kPackedValues), 0);
    }
    else
    {
        m_counts.assign(m_width, 0);
        m_tables.assign(2 * m_width, 0);
    }
}

void
SymbolCounter::Add(const int32_t* s, size_t n)
{
    AddAny(s, n);
}

void
SymbolCounter::Add(const int16_t* s, size_t n)
{
    AddAny(s, n);
}

template <typename Symbol>
void
SymbolCounter::AddAny(const Symbol* s, size_t n)
{
    switch (m_words)
    {
    case 1:
        AddPacked<1>(s, n);
        break;
    case 2:
        AddPacked<2>(s, n);
        break;
    case 4:
        AddPacked<4>(s, n);
        break;
    default:
        AddToTables(s, n);
    }
}

namespace
{
// GCC vector types (one zmm register under AVX-512): written out, because
// the auto-vectoriser took 256-bit vectors for 16-bit symbols and the count
// cost 60 % more than for 32-bit ones (perf).
typedef int32_t I32x16 __attribute__((vector_size(64)));
typedef uint32_t U32x16 __attribute__((vector_size(64)));
typedef int16_t I16x16 __attribute__((vector_size(32)));

/// Symbols s[0..16) widened to 32 bits.
inline I32x16
Load16(const int32_t* s)
{
    I32x16 v;
    std::memcpy(&v, s, sizeof(v));
    return v;
}

inline I32x16
Load16(const int16_t* s)
{
    I16x16 v;
    std::memcpy(&v, s, sizeof(v));
    return __builtin_convertvector(v, I32x16);
}
} // namespace

template <size_t Words, typename Symbol>
void
SymbolCounter::AddPacked(const Symbol* s, size_t n)
{
    static_assert(sizeof(U32x16) == kLanes * sizeof(uint32_t), "one vector holds the lanes");
    size_t i = 0;
    while (i + kLanes <= n)
    {
        U32x16 words[Words];
        for (size_t w = 0; w < Words; ++w)
        {
            std::memcpy(&words[w], m_nibbles[w], sizeof(U32x16));
        }
        const size_t rounds = std::min(kRoundsPerSpill - m_rounds, (n - i) / kLanes);
        for (size_t r = 0; r < rounds; ++r, i += kLanes)
        {
            const auto v = (U32x16)(Load16(s + i) - m_lo); // a bitcast (GCC vector cast)
            const U32x16 one = 1u << ((v & 7u) * 4u);
            if (Words == 1)
            {
                words[0] += one;
            }
            else if (Words == 2)
            {
                // One comparison picks the word (a shift and a second one saved).
                const auto isLow = (U32x16)(v < 8u); // all ones where v < 8
                words[0] += one & isLow;
                words[Words - 1] += one & ~isLow;
            }
            else
            {
                const U32x16 word = v >> 3u;
                for (size_t w = 0; w < Words; ++w)
                {
                    words[w] += one & (U32x16)(word == static_cast<uint32_t>(w)); // all ones where equal
                }
            }
        }
        for (size_t w = 0; w < Words; ++w)
        {
            std::memcpy(m_nibbles[w], &words[w], sizeof(U32x16));
        }
        m_rounds += rounds;
        if (m_rounds == kRoundsPerSpill)
        {
            SpillNibbles();
        }
    }
    for (; i < n; ++i)
    {
        ++m_counts[static_cast<size_t>(static_cast<int32_t>(s[i]) - m_lo)];
    }
}

void
SymbolCounter::SpillNibbles()
{
    for (size_t w = 0; w < m_words; ++w)
    {
        U32x16 nibbles;
        U32x16 even;
        U32x16 odd;
        std::memcpy(&nibbles, m_nibbles[w], sizeof(U32x16));
        std::memcpy(&even, m_evenBytes[w], sizeof(U32x16));
        std::memcpy(&odd, m_oddBytes[w], sizeof(U32x16));
        even += nibbles & 0x0f0f0f0fu;
        odd += (nibbles >> 4u) & 0x0f0f0f0fu;
        std::memcpy(m_evenBytes[w], &even, sizeof(U32x16));
        std::memcpy(m_oddBytes[w], &odd, sizeof(U32x16));
        std::fill(m_nibbles[w], m_nibbles[w] + kLanes, 0u);
    }
    m_rounds = 0;
    if (++m_spills == kSpillsPerEmpty)
    {
        EmptyBytes();
    }
}

void
SymbolCounter::EmptyBytes()
{
    for (size_t w = 0; w < m_words; ++w)
    {
        for (size_t k = 0; k < kLanes; ++k)
        {
            for (size_t b = 0; b < 4; ++b)
            {
                m_counts[8 * w + 2 * b] += (m_evenBytes[w][k] >> (8 * b)) & 0xffu;
                m_counts[8 * w + 2 * b + 1] += (m_oddBytes[w][k] >> (8 * b)) & 0xffu;
            }
            m_evenBytes[w][k] = 0;
            m_oddBytes[w][k] = 0;
        }
    }
    m_spills = 0;
}

template <typename Symbol>
void
SymbolCounter::AddToTables(const Symbol* s, size_t n)
{
    uint32_t* t0 = m_tables.data();
    uint32_t* t1 = t0 + m_width;
    size_t i = 0;
    while (i < n)
    {
        if (m_sinceEmptied >= m_emptyAt)
        {
            EmptyTables();
        }
        const size_t last = i + std::min(n - i, m_emptyAt - m_sinceEmptied);
        m_sinceEmptied += last - i;
        for (; i + 2 <= last; i += 2)
        {
            ++t0[static_cast<uint32_t>(static_cast<int32_t>(s[i]) - m_lo)];
            ++t1[static_cast<uint32_t>(static_cast<int32_t>(s[i + 1]) - m_lo)];
        }
        for (; i < last; ++i)
        {
            ++t0[static_cast<uint32_t>(static_cast<int32_t>(s[i]) - m_lo)];
        }
    }
}

void
SymbolCounter::EmptyTables()
{
    for (size_t v = 0; v < m_width; ++v)
    {
        m_counts[v] += static_cast<size_t>(m_tables[v]) + m_tables[m_width + v];
    }
    std::fill(m_tables.begin(), m_tables.end(), 0u);
    m_sinceEmptied = 0;
}

std::vector<size_t>
SymbolCounter::Counts() const
{
    std::vector<size_t> counts(m_width, 0);
    if (m_words > 0)
    {
        for (size_t v = 0; v < m_width; ++v)
        {
            const size_t w = v / 8;
            const size_t j = v % 8; // nibble j of word w; byte j / 2 of the even (j even) or odd bytes
            const uint32_t(&bytes)[kLanes] = j % 2 == 0 ? m_evenBytes[w] : m_oddBytes[w];
            counts[v] = m_counts[v];
            for (size_t k = 0; k < kLanes; ++k)
            {
                counts[v] += ((m_nibbles[w][k] >> (4 * j)) & 0xfu) + ((bytes[k] >> (8 * (j / 2))) & 0xffu);
            }
        }
        return counts;
    }
    for (size_t v = 0; v < m_width; ++v)
    {
        counts[v] = m_counts[v] + m_tables[v] + m_tables[m_width + v];
    }
    return counts;
}

} // namespace wfl
