/*
 * Named random streams.
 *
 * All randomness in wfl flows from one run seed. A stream is identified by
 * (seed, name, index...) and seeded by hashing that key, so any component
 * can regenerate its numbers without coordination (the shared random linear
 * code at clients and server, a client's mini-batch order in round t, ...),
 * and adding a stream never shifts the numbers of another one.
 *
 * The generator (xoshiro256++) and the distributions are implemented here
 * rather than taken from <random>, whose distributions are
 * implementation-defined: traces must be bit-identical across toolchains.
 */
#ifndef WFL_RANDOM_H
#define WFL_RANDOM_H

#include <cstdint>
#include <string_view>
#include <vector>

namespace wfl
{

/// 64-bit mixing function (SplitMix64 finaliser).
uint64_t Mix64(uint64_t x);

/// Seed of the stream (seed, name, a, b): a stable hash of the key.
uint64_t StreamSeed(uint64_t seed, std::string_view name, uint64_t a = 0, uint64_t b = 0);

/**
 * xoshiro256++ generator with the distributions wfl needs.
 * Not thread-safe; one instance per stream.
 */
class Rng
{
  public:
    /// Generator of the stream (seed, name, a, b).
    Rng(uint64_t seed, std::string_view name, uint64_t a = 0, uint64_t b = 0);
    /// Generator seeded directly from a 64-bit value.
    explicit Rng(uint64_t rawSeed);

    /// The xoshiro256++ state Rng(rawSeed) starts from (SplitMix64 expansion);
    /// UniformLanes seeds its lanes with it.
    static void ExpandSeed(uint64_t rawSeed, uint64_t state[4]);

    /// Inline: the per-entry dither of the quantizers draws one per entry, and
    /// an out-of-line call cost about 10x the generator itself (bench-qcs-gain).
    uint64_t NextU64()
    {
        const uint64_t result = Rotl(m_s[0] + m_s[3], 23) + m_s[0];
        const uint64_t t = m_s[1] << 17;
        m_s[2] ^= m_s[0];
        m_s[3] ^= m_s[1];
        m_s[1] ^= m_s[2];
        m_s[0] ^= m_s[3];
        m_s[2] ^= t;
        m_s[3] = Rotl(m_s[3], 45);
        return result;
    }
    /// Uniform on [0, 1) with 53 random bits.
    double Uniform()
    {
        return static_cast<double>(NextU64() >> 11) * 0x1.0p-53;
    }
    /// Uniform on [lo, hi).
    double Uniform(double lo, double hi);
    /// Uniform integer on [0, n), n > 0, without modulo bias (Lemire).
    uint64_t UniformInt(uint64_t n);
    /// Standard normal (Box-Muller; the second variate is cached).
    double Normal();
    /// Gamma(shape, 1), shape > 0 (Marsaglia-Tsang).
    double Gamma(double shape);
    /// +1 or -1 with probability 1/2 each.
    int Rademacher();
    /// Fisher-Yates shuffle in place.
    template <typename T>
    void Shuffle(std::vector<T>& v)
    {
        for (size_t i = v.size(); i > 1; --i)
        {
            size_t j = static_cast<size_t>(UniformInt(i));
            std::swap(v[i - 1], v[j]);
        }
    }

  private:
    static uint64_t Rotl(uint64_t x, int k)
    {
        return (x << k) | (x >> (64 - k));
    }

    uint64_t m_s[4];
    double m_cachedNormal = 0.0;
    bool m_hasCachedNormal = false;
};

} // namespace wfl

#endif
