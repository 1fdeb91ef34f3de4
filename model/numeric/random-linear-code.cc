#include "random-linear-code.h"

#include "fwht.h"
#include "random.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace wfl
{

RandomLinearCode::RandomLinearCode(size_t dim, size_t bucket, size_t rows, uint64_t seed, uint64_t round)
    : RandomLinearCode(dim, bucket, rows, seed, "rlc", round, 0)
{
}

RandomLinearCode::RandomLinearCode(size_t dim,
                                   size_t bucket,
                                   size_t rows,
                                   uint64_t seed,
                                   std::string_view stream,
                                   uint64_t a,
                                   uint64_t b)
    : m_dim(dim),
      m_bucket(bucket),
      m_buckets((dim + bucket - 1) / bucket),
      m_scale(1.0 / std::sqrt(static_cast<double>(rows)))
{
    if (!IsPowerOfTwo(bucket) || rows < 1 || rows > bucket || dim < 1)
    {
        throw std::invalid_argument("RandomLinearCode: need a power-of-two bucket and 1 <= rows <= bucket");
    }
    // The round's row subset: a uniformly random k-subset, sorted for locality.
    Rng rowRng(seed, std::string(stream) + "-rows", a, b);
    std::vector<uint32_t> all(bucket);
    std::iota(all.begin(), all.end(), 0u);
    for (size_t i = 0; i < rows; ++i)
    {
        std::swap(all[i], all[i + rowRng.UniformInt(bucket - i)]);
    }
    // Sorted by marking, O(n) rather than an O(k log k) sort (same set, same order).
    std::vector<uint8_t> chosen(bucket, 0);
    for (size_t i = 0; i < rows; ++i)
    {
        chosen[all[i]] = 1;
    }
    m_rows.reserve(rows);
    for (size_t j = 0; j < bucket; ++j)
    {
        if (chosen[j] != 0)
        {
            m_rows.push_back(static_cast<uint32_t>(j));
        }
    }

    // Rademacher signs, 64 per generator call.
    Rng signRng(seed, std::string(stream) + "-signs", a, b);
    m_signs.resize(m_buckets * bucket);
    for (size_t i = 0; i < m_signs.size(); i += 64)
    {
        const uint64_t bits = signRng.NextU64();
        const size_t end = std::min(m_signs.size(), i + 64);
        for (size_t j = i; j < end; ++j)
        {
            m_signs[j] = ((bits >> (j - i)) & 1u) ? 1.0f : -1.0f;
        }
    }
}

template <typename T>
void
RandomLinearCode::EncodeImpl(const T* g, T* symbols) const
{
    std::vector<T> buffer(m_bucket);
    const size_t k = m_rows.size();
    const T scale = static_cast<T>(m_scale);
    for (size_t b = 0; b < m_buckets; ++b)
    {
        const size_t start = b * m_bucket;
        const size_t length = std::min(m_bucket, m_dim - start);
        const float* signs = m_signs.data() + start;
        for (size_t i = 0; i < length; ++i)
        {
            buffer[i] = signs[i] * g[start + i];
        }
        std::fill(buffer.begin() + static_cast<std::ptrdiff_t>(length), buffer.end(), T(0));
        Fwht(buffer.data(), m_bucket);
        T* out = symbols + b * k;
        for (size_t j = 0; j < k; ++j)
        {
            out[j] = scale * buffer[m_rows[j]];
        }
    }
}

template <typename T>
void
RandomLinearCode::DecodeImpl(const T* symbols, T* estimate) const
{
    std::vector<T> buffer(m_bucket);
    const size_t k = m_rows.size();
    const T scale = static_cast<T>(m_scale);
    for (size_t b = 0; b < m_buckets; ++b)
    {
        std::fill(buffer.begin(), buffer.end(), T(0));
        const T* in = symbols + b * k;
        for (size_t j = 0; j < k; ++j)
        {
            buffer[m_rows[j]] = in[j];
        }
        Fwht(buffer.data(), m_bucket);
        const size_t start = b * m_bucket;
        const size_t length = std::min(m_bucket, m_dim - start);
        const float* signs = m_signs.data() + start;
        for (size_t i = 0; i < length; ++i)
        {
            estimate[start + i] = scale * signs[i] * buffer[i];
        }
    }
}

void
RandomLinearCode::Encode(const float* g, float* symbols) const
{
    EncodeImpl(g, symbols);
}

void
RandomLinearCode::Encode(const double* g, double* symbols) const
{
    EncodeImpl(g, symbols);
}

void
RandomLinearCode::Decode(const float* symbols, float* estimate) const
{
    DecodeImpl(symbols, estimate);
}

void
RandomLinearCode::Decode(const double* symbols, double* estimate) const
{
    DecodeImpl(symbols, estimate);
}

} // namespace wfl
