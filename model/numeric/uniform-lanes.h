/*
 * Uniform draws for the per-entry rounding and dither of the quantizers, at
 * vector speed.
 *
 * Rng (xoshiro256++) is one serial state: each draw depends on the last, so
 * 2^20 draws cost 0.75 ms, ten times one pass over a 2^20 float vector
 * (bench-compressors). UniformLanes runs kLanes = 8 independent xoshiro256++
 * states side by side (one 512-bit register per state word under AVX-512),
 * and cuts each 64-bit output into two 32-bit halves, each giving one float
 * draw from its top 24 bits: (h >> 8) * 2^-24 on [0, 1), exact in a float.
 * Draw j of the sequence is, with group g = j div 16 and r = j mod 16, lane
 * (r mod 8)'s g-th output, its low half for r < 8 and its high half for
 * r >= 8 (defined by shifts, so the same on any byte order).
 *
 * Resolution: draws are multiples of 2^-24, so a rounding that goes up when
 * u < p does so with probability ceil(p 2^24) 2^-24, within 2^-24 of p: the
 * quantizers are unbiased up to 2^-24 of one level step, the resolution of
 * a float output. Half a 64-bit output per draw halves the generator work
 * (0.19 -> 0.11 ms for 2^20 draws, bench-compressors; 0.094 ms now, with
 * the halves converted as one vector and the state's XORs fused under
 * AVX-512); the generator, not memory, is the floor of every quantizer that
 * draws once per entry, and the dithered ones draw twice (encode, decode).
 *
 * Lane l is seeded with Rng(parent.NextU64()) taken in lane order, so a
 * sender and a receiver holding generators of the same stream (seed, name,
 * client, round) build the same lanes and regenerate the same draws. The
 * sequence does not depend on how Fill calls split it (a partly used group
 * is kept for the next call), and only integer arithmetic and exact
 * conversions produce it: the same bits with any ISA, compiler or thread
 * count (test-uniform-lanes).
 */
#ifndef WFL_UNIFORM_LANES_H
#define WFL_UNIFORM_LANES_H

#include <cstddef>
#include <cstdint>

namespace wfl
{

class Rng;

class UniformLanes
{
  public:
    static constexpr size_t kLanes = 8;
    /// Draws per step of all lanes: two halves of each lane's output.
    static constexpr size_t kGroup = 2 * kLanes;

    /// Lanes seeded from kLanes draws of `parent` (which advances by kLanes).
    explicit UniformLanes(Rng& parent);

    /// u[0..n) = the next n draws of the sequence, uniform on [0, 1) on a
    /// grid of 2^-24.
    void Fill(float* u, size_t n);

    /// The next n draws minus 1/2 (exact): uniform on [-1/2, 1/2), never -0.0.
    void FillCentred(float* u, size_t n);

  private:
    /// The next n draws minus `shift` (0 or 1/2, exact).
    void FillShifted(float* u, size_t n, float shift);

    /// The next `groups` groups of kGroup draws minus `shift` into
    /// out[0..groups * kGroup).
    void NextGroups(float* out, size_t groups, float shift);

    alignas(64) uint64_t m_s[4][kLanes];
    alignas(64) float m_left[kGroup]; ///< the current group
    size_t m_used = kGroup;           ///< draws of m_left already handed out
};

} // namespace wfl

#endif
