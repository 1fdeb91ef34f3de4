#include "random.h"

#include <cmath>

namespace wfl
{

uint64_t
Mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t
StreamSeed(uint64_t seed, std::string_view name, uint64_t a, uint64_t b)
{
    // FNV-1a over the name, then mixed with the numeric parts of the key.
    uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : name)
    {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    h = Mix64(h ^ Mix64(seed));
    h = Mix64(h ^ Mix64(a + 0x51ed270b27b4a3d1ULL));
    return Mix64(h ^ Mix64(b + 0x2545f4914f6cdd1dULL));
}

Rng::Rng(uint64_t seed, std::string_view name, uint64_t a, uint64_t b)
    : Rng(StreamSeed(seed, name, a, b))
{
}

Rng::Rng(uint64_t rawSeed)
{
    ExpandSeed(rawSeed, m_s);
}

void
Rng::ExpandSeed(uint64_t rawSeed, uint64_t state[4])
{
    uint64_t x = rawSeed;
    for (int w = 0; w < 4; ++w)
    {
        x += 0x9e3779b97f4a7c15ULL;
        state[w] = Mix64(x);
    }
}

// 128-bit products for Lemire's method (a GCC/Clang extension).
__extension__ typedef unsigned __int128 Uint128;

double
Rng::Uniform(double lo, double hi)
{
    return lo + (hi - lo) * Uniform();
}

uint64_t
Rng::UniformInt(uint64_t n)
{
    // Lemire's nearly divisionless method on 128-bit products.
    Uint128 m = static_cast<Uint128>(NextU64()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n)
    {
        const uint64_t threshold = (0 - n) % n;
        while (low < threshold)
        {
            m = static_cast<Uint128>(NextU64()) * n;
            low = static_cast<uint64_t>(m);
        }
    }
    return static_cast<uint64_t>(m >> 64);
}

double
Rng::Normal()
{
    if (m_hasCachedNormal)
    {
        m_hasCachedNormal = false;
        return m_cachedNormal;
    }
    double u1 = Uniform();
    while (u1 <= 0.0)
    {
        u1 = Uniform();
    }
    const double u2 = Uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 2.0 * M_PI * u2;
    m_cachedNormal = r * std::sin(theta);
    m_hasCachedNormal = true;
    return r * std::cos(theta);
}

double
Rng::Gamma(double shape)
{
    if (shape < 1.0)
    {
        // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a).
        double u = Uniform();
        while (u <= 0.0)
        {
            u = Uniform();
        }
        return Gamma(shape + 1.0) * std::pow(u, 1.0 / shape);
    }
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;)
    {
        double x;
        double v;
        do
        {
            x = Normal();
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        const double u = Uniform();
        if (u < 1.0 - 0.0331 * x * x * x * x)
        {
            return d * v;
        }
        if (u > 0.0 && std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v)))
        {
            return d * v;
        }
    }
}

int
Rng::Rademacher()
{
    return (NextU64() >> 63) ? 1 : -1;
}

} // namespace wfl
