/*
 * Random linear code of one round (methods.md 5.1 and 6.3):
 *
 *   T = (1/sqrt(k)) S H R,  bucketed,
 *
 * R = diag of Rademacher signs, H the n x n Walsh-Hadamard matrix (fast
 * transform), S a selection of k of its n rows. The update is zero-padded to
 * whole buckets of n; each bucket gets its own signs and the round's row set.
 * T T^T = (n/k) I and E[T^T T] = I, so T^T T g is unbiased with
 * E||T^T T g - g||^2 = (n/k - 1) ||g||^2.
 *
 * Everything is regenerated from (seed, round): every client and the server
 * build the same code without exchanging it, so sum_k T g_k = T sum_k g_k.
 * No k x n matrix is ever formed: O(D) memory, O(D log n) time.
 */
#ifndef WFL_RANDOM_LINEAR_CODE_H
#define WFL_RANDOM_LINEAR_CODE_H

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace wfl
{

class RandomLinearCode
{
  public:
    /**
     * @param dim     length D of the vectors to code
     * @param bucket  bucket length n, a power of two
     * @param rows    rows k kept per bucket, 1 <= k <= n
     */
    RandomLinearCode(size_t dim, size_t bucket, size_t rows, uint64_t seed, uint64_t round);

    /**
     * The same code drawn from other named streams: rows from
     * (seed, "<stream>-rows", a, b), signs from (seed, "<stream>-signs", a, b).
     * The constructor above is stream "rlc" with a = round, b = 0 (one code per
     * round, shared by all clients); QCS uses stream "qcs" with a = client,
     * b = round (its own code per client and round).
     */
    RandomLinearCode(size_t dim,
                     size_t bucket,
                     size_t rows,
                     uint64_t seed,
                     std::string_view stream,
                     uint64_t a,
                     uint64_t b);

    size_t Dim() const
    {
        return m_dim;
    }

    size_t BucketLength() const
    {
        return m_bucket;
    }

    size_t RowsPerBucket() const
    {
        return m_rows.size();
    }

    size_t Buckets() const
    {
        return m_buckets;
    }

    /// Number of real code symbols: Buckets() * RowsPerBucket().
    size_t CodeLength() const
    {
        return m_buckets * m_rows.size();
    }

    /// symbols[CodeLength()] = T g, g of length Dim().
    void Encode(const float* g, float* symbols) const;
    void Encode(const double* g, double* symbols) const;

    /// estimate[Dim()] = T^T symbols.
    void Decode(const float* symbols, float* estimate) const;
    void Decode(const double* symbols, double* estimate) const;

  private:
    template <typename T>
    void EncodeImpl(const T* g, T* symbols) const;
    template <typename T>
    void DecodeImpl(const T* symbols, T* estimate) const;

    size_t m_dim;
    size_t m_bucket;
    size_t m_buckets;
    std::vector<uint32_t> m_rows; ///< kept rows of H, ascending
    std::vector<float> m_signs;   ///< [m_buckets * m_bucket] of +-1
    double m_scale;               ///< 1 / sqrt(k)
};

} // namespace wfl

#endif
