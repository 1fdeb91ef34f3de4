/*
 * Uniform draws for the per-entry rounding and dither of the quantizers, at
 * vector speed.
 *
 * Rng (xoshiro256++) is one serial state: each draw depends on the last, so
 * 2^20 draws cost 0.76 ms, ten times one pass over a 2^20 float vector
 * (bench-compressors). UniformLanes runs kLanes = 8 independent xoshiro256++
 * states side by side (one 512-bit register per state word under AVX-512):
 * draw j of the sequence is lane j mod 8's (j div 8)-th output, as
 * (x >> 11) * 2^-53 on [0, 1) with 53 random bits, exactly as Rng::Uniform.
 *
 * Lane l is seeded with Rng(parent.NextU64()) taken in lane order, so a
 * sender and a receiver holding generators of the same stream (seed, name,
 * client, round) build the same lanes and regenerate the same draws. The
 * sequence does not depend on how Fill calls split it (a partly used group
 * of 8 is kept for the next call), and only integer arithmetic produces it:
 * the same bits with any ISA, compiler or thread count (test-uniform-lanes).
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

    /// Lanes seeded from kLanes draws of `parent` (which advances by kLanes).
    explicit UniformLanes(Rng& parent);

    /// u[0..n) = the next n draws of the sequence, uniform on [0, 1).
    void Fill(double* u, size_t n);

    /// The next n draws minus 1/2: uniform on [-1/2, 1/2), never -0.0.
    void FillCentred(double* u, size_t n);

  private:
    /// The next `groups` groups of kLanes draws (one per lane) into
    /// out[0..groups * kLanes).
    void NextGroups(double* out, size_t groups);

    alignas(64) uint64_t m_s[4][kLanes];
    alignas(64) double m_left[kLanes]; ///< the current group
    size_t m_used = kLanes;            ///< draws of m_left already handed out
};

} // namespace wfl

#endif
