#include "uniform-lanes.h"

#include "random.h"

#include <algorithm>
#include <cstring>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace wfl
{

namespace
{
// GCC/clang vector types: one zmm register under AVX-512, two ymm under AVX2,
// plain scalar code elsewhere; integer operations, so the same bits on each.
typedef uint64_t U64x8 __attribute__((vector_size(64)));
typedef uint32_t U32x16 __attribute__((vector_size(64)));
typedef int32_t I32x16 __attribute__((vector_size(64)));
typedef float F32x16 __attribute__((vector_size(64)));
static_assert(UniformLanes::kLanes * sizeof(uint64_t) == sizeof(U64x8), "one vector holds a state word of every lane");
static_assert(UniformLanes::kGroup * sizeof(float) == sizeof(F32x16), "one vector holds a group of draws");

U64x8
Rotl(U64x8 x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/// One xoshiro256++ state transition of every lane:
///   t = s1 << 17; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45).
inline void
Advance(U64x8& s0, U64x8& s1, U64x8& s2, U64x8& s3)
{
    const U64x8 t = s1 << 17;
#if defined(__AVX512F__)
    // Three-input XORs as single instructions (vpternlogq, truth table 0x96
    // = a ^ b ^ c), which GCC 12 does not form from the plain code: 2^20
    // draws 0.105 -> 0.094 ms (microbenchmark). The same bits: the lane tests
    // run this form in the native build and the plain one in the sanitizer
    // build (no -march=native).
    const auto a0 = (__m512i)s0;
    const auto a1 = (__m512i)s1;
    const auto a2 = (__m512i)s2;
    const auto a3 = (__m512i)s3;
    s1 = (U64x8)_mm512_ternarylogic_epi64(a1, a2, a0, 0x96); // s1 ^ (s2 ^ s0)
    s0 = (U64x8)_mm512_ternarylogic_epi64(a0, a3, a1, 0x96); // s0 ^ (s3 ^ s1)
    s2 = (U64x8)_mm512_ternarylogic_epi64(a2, a0, (__m512i)t, 0x96); // s2 ^ s0 ^ t
    s3 = Rotl((U64x8)_mm512_xor_si512(a3, a1), 45);
#else
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = Rotl(s3, 45);
#endif
}

U64x8
Load(const uint64_t* p)
{
    U64x8 v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

void
Store(uint64_t* p, U64x8 v)
{
    std::memcpy(p, &v, sizeof(v));
}
} // namespace

UniformLanes::UniformLanes(Rng& parent)
{
    for (size_t lane = 0; lane < kLanes; ++lane)
    {
        // Lane l starts where Rng(parent.NextU64()) starts.
        uint64_t state[4];
        Rng::ExpandSeed(parent.NextU64(), state);
        for (size_t w = 0; w < 4; ++w)
        {
            m_s[w][lane] = state[w];
        }
    }
}

void
UniformLanes::NextGroups(float* out, size_t groups, float shift)
{
    // xoshiro256++ (Blackman and Vigna), as Rng::NextU64, on all lanes at
    // once; the state stays in registers for the whole call.
    U64x8 s0 = Load(m_s[0]);
    U64x8 s1 = Load(m_s[1]);
    U64x8 s2 = Load(m_s[2]);
    U64x8 s3 = Load(m_s[3]);
    for (size_t k = 0; k < groups; ++k)
    {
        const U64x8 result = Rotl(s0 + s3, 23) + s0;
        Advance(s0, s1, s2, s3);
        // The two 32-bit halves of every lane as one vector of 16: the low
        // halves first, then the high ones (the draw order). Element 2l of
        // the reinterpreted vector is lane l's low half on a little-endian
        // machine, its high half on a big-endian one; the index sets below
        // follow, so the order stays the one defined by shifts. Then the top
        // 24 bits of each half, exact as int32 and float, times 2^-24 minus
        // 0 or 1/2: exact (multiples of 2^-24 in [0, 1)), and 1/2 - 1/2 = +0.
        // One permute, shift, convert and product for 16 draws; masking,
        // shifting and narrowing each half apart cost 0.121 -> 0.102 ms per
        // 2^20 draws (bench-compressors, lane draws).
        const auto halves = (U32x16)result; // a bitcast (GCC vector cast)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        const U32x16 ordered =
            __builtin_shufflevector(halves, halves, 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
#else
        const U32x16 ordered =
            __builtin_shufflevector(halves, halves, 1, 3, 5, 7, 9, 11, 13, 15, 0, 2, 4, 6, 8, 10, 12, 14);
#endif
        const F32x16 draws =
            __builtin_convertvector((I32x16)(ordered >> 8), F32x16) * 0x1.0p-24F - shift;
        std::memcpy(out + k * kGroup, &draws, sizeof(draws));
    }
    Store(m_s[0], s0);
    Store(m_s[1], s1);
    Store(m_s[2], s2);
    Store(m_s[3], s3);
}

void
UniformLanes::FillShifted(float* u, size_t n, float shift)
{
    size_t i = 0;
    // The rest of a group a previous call started (kept unshifted).
    for (; i < n && m_used < kGroup; ++i)
    {
        u[i] = m_left[m_used++] - shift;
    }
    const size_t groups = (n - i) / kGroup;
    NextGroups(u + i, groups, shift);
    i += groups * kGroup;
    if (i < n)
    {
        NextGroups(m_left, 1, 0.0F);
        m_used = 0;
        for (; i < n; ++i)
        {
            u[i] = m_left[m_used++] - shift;
        }
    }
}

void
UniformLanes::Fill(float* u, size_t n)
{
    FillShifted(u, n, 0.0F);
}

void
UniformLanes::FillCentred(float* u, size_t n)
{
    // Shifted in the generator's loop, not by a second pass over the block
    // (DQSG decode of 2^20 entries 0.164 -> 0.153 ms, bench-compressors).
    FillShifted(u, n, 0.5F);
}

} // namespace wfl
