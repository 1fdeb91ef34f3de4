// Tests of the fast Walsh-Hadamard transform and the random linear code's
// structure (methods.md 5.1-5.3, 6.3): orthogonal rows, identity Gram matrix
// on average, decode as the transpose of encode, determinism. The projection
// T^T T against its theory is in test-rlc-projection.cc, the stochastic
// quantizer in test-stochastic-quantizer.cc.
//
// Statistical tests use fixed seeds, so they are deterministic; their
// tolerances are stated in units of the Monte Carlo standard error (SE).

#include "fwht.h"
#include "random-linear-code.h"
#include "random.h"
#include "rlc-fixtures.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>

#include <cmath>
#include <vector>

using namespace wfl;
using namespace rlctest;

namespace
{

/// Sylvester Hadamard matrix: H_1 = [1], H_2n = [[H, H], [H, -H]].
Eigen::MatrixXd
Sylvester(size_t n)
{
    Eigen::MatrixXd h = Eigen::MatrixXd::Ones(1, 1);
    while (static_cast<size_t>(h.rows()) < n)
    {
        const Eigen::Index m = h.rows();
        Eigen::MatrixXd next(2 * m, 2 * m);
        next << h, h, h, -h;
        h = next;
    }
    return h;
}

/// Reference H_n x: explicit matrix up to 1024, above that the Sylvester
/// recursion H_2n [a; b] = [H a + H b; H a - H b] down to an explicit product.
Eigen::VectorXd
ReferenceHadamard(const Eigen::VectorXd& x)
{
    const Eigen::Index n = x.size();
    if (n <= 1024)
    {
        return Sylvester(static_cast<size_t>(n)) * x;
    }
    const Eigen::VectorXd a = ReferenceHadamard(x.head(n / 2));
    const Eigen::VectorXd b = ReferenceHadamard(x.tail(n / 2));
    Eigen::VectorXd y(n);
    y << a + b, a - b;
    return y;
}


/// Explicit matrix of a code: column i = Encode(e_i).
Eigen::MatrixXd
CodeMatrix(const RandomLinearCode& code)
{
    Eigen::MatrixXd t(code.CodeLength(), code.Dim());
    Eigen::VectorXd e = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(code.Dim()));
    Eigen::VectorXd column(t.rows());
    for (Eigen::Index i = 0; i < e.size(); ++i)
    {
        e(i) = 1.0;
        code.Encode(e.data(), column.data());
        t.col(i) = column;
        e(i) = 0.0;
    }
    return t;
}

} // namespace

TEST(Fwht, MatchesSylvesterProductAndInvolution)
{
    Rng rng(1, "fwht");
    for (size_t n = 1; n <= 4096; n *= 2)
    {
        const Eigen::VectorXd x = RandomVector(rng, n);
        const Eigen::VectorXf xf = x.cast<float>();
        const Eigen::VectorXd expected = ReferenceHadamard(x);
        const Eigen::VectorXd expectedF = ReferenceHadamard(xf.cast<double>());
        Eigen::VectorXd yd = x;
        Eigen::VectorXf yf = xf;
        Fwht(yd.data(), n);
        Fwht(yf.data(), n);
        // Each output is a +-1 sum of the inputs: error relative to sum |x_i|.
        const double scale = x.cwiseAbs().sum();
        for (size_t i = 0; i < n; ++i)
        {
            ASSERT_NEAR(yd(i), expected(i), 1e-12 * scale) << "n " << n << " i " << i;
            ASSERT_NEAR(yf(i), expectedF(i), 1e-5 * scale) << "n " << n << " i " << i;
        }
        // H H = n I.
        Fwht(yd.data(), n);
        Fwht(yf.data(), n);
        const double nd = static_cast<double>(n);
        EXPECT_LE((yd - nd * x).norm(), 1e-12 * nd * x.norm()) << "n " << n;
        EXPECT_LE((yf.cast<double>() - nd * xf.cast<double>()).norm(), 1e-5 * nd * x.norm())
            << "n " << n;
    }
}

TEST(RandomLinearCode, RowsAreOrthogonalWithNormNOverK)
{
    const std::vector<std::pair<size_t, size_t>> cases{{64, 16}, {256, 64}, {512, 400}, {1024, 1024}};
    for (const auto& [n, k] : cases)
    {
        const RandomLinearCode code(n, n, k, 3, 5);
        ASSERT_EQ(code.CodeLength(), k);
        const Eigen::MatrixXd t = CodeMatrix(code);
        const Eigen::MatrixXd ttt = t * t.transpose();
        const double ratio = static_cast<double>(n) / static_cast<double>(k);
        const Eigen::MatrixXd expected = ratio * Eigen::MatrixXd::Identity(k, k);
        EXPECT_LE((ttt - expected).cwiseAbs().maxCoeff(), 1e-10) << "n " << n << " k " << k;
    }
}

TEST(RandomLinearCode, GramMatrixIsIdentityOnAverage)
{
    const size_t n = 64;
    const size_t k = 16;
    const int rounds = 2000;
    Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(n, n);
    Eigen::MatrixXd sumSq = Eigen::MatrixXd::Zero(n, n);
    for (int r = 0; r < rounds; ++r)
    {
        const Eigen::MatrixXd t = CodeMatrix(RandomLinearCode(n, n, k, 3, static_cast<uint64_t>(r)));
        const Eigen::MatrixXd gram = t.transpose() * t;
        sum += gram;
        sumSq += gram.cwiseProduct(gram);
    }
    const Eigen::MatrixXd mean = sum / rounds;
    for (Eigen::Index i = 0; i < mean.rows(); ++i)
    {
        // Diagonal: (1/k) sum over the k kept rows of H_li^2 = 1 in every draw.
        ASSERT_NEAR(mean(i, i), 1.0, 1e-12);
        for (Eigen::Index j = 0; j < i; ++j)
        {
            // Off-diagonal: (r_i r_j / k) sum_{l in S} H_li H_lj, a sum of k
            // balanced +-1 drawn without replacement: variance
            // (n - k) / (k (n - 1)) = 0.048 per draw, SE 0.0049 over 2000 rounds.
            // Tolerance: 5 empirical SE (about 0.024); 2016 entries at
            // P(|Z| > 5) = 6e-7 each. The variance itself must match within
            // 0.01, about 6.6 SE of a sample variance (Var(x^2) ~ 2 var^2).
            const double var = (sumSq(i, j) / rounds - mean(i, j) * mean(i, j)) * rounds / (rounds - 1);
            ASSERT_NEAR(var, (64.0 - 16.0) / (16.0 * 63.0), 0.01) << i << "," << j;
            ASSERT_NEAR(mean(i, j), 0.0, 5.0 * std::sqrt(var / rounds)) << i << "," << j;
        }
    }
}

TEST(RandomLinearCode, DecodeIsTransposeOfEncodeAcrossBuckets)
{
    Rng rng(4, "adjoint");
    const size_t n = 64;
    for (size_t dim : {n, 3 * n + 17})
    {
        for (size_t k : {size_t{1}, size_t{16}, n})
        {
            const RandomLinearCode code(dim, n, k, 9, 2);
            ASSERT_EQ(code.Buckets(), (dim + n - 1) / n);
            ASSERT_EQ(code.CodeLength(), code.Buckets() * k);
            const Eigen::VectorXd x = RandomVector(rng, dim);
            const Eigen::VectorXd y = RandomVector(rng, code.CodeLength());
            Eigen::VectorXd tx(y.size());
            Eigen::VectorXd tty(x.size());
            code.Encode(x.data(), tx.data());
            code.Decode(y.data(), tty.data());
            // <T x, y> = <x, T^T y>, relative to the size of the terms.
            const double lhs = tx.dot(y);
            const double rhs = x.dot(tty);
            EXPECT_NEAR(lhs, rhs, 1e-9 * tx.norm() * y.norm()) << "dim " << dim << " k " << k;
            // The float path computes the same code (float rounding: 1e-5 relative).
            const Eigen::VectorXf xf = x.cast<float>();
            Eigen::VectorXf txf(y.size());
            code.Encode(xf.data(), txf.data());
            EXPECT_LE((txf.cast<double>() - tx).norm(), 1e-5 * tx.norm()) << "dim " << dim << " k " << k;
        }
    }
}

TEST(RandomLinearCode, DeterministicPerSeedAndRound)
{
    Rng rng(5, "determinism");
    const Eigen::VectorXd g = RandomVector(rng, 300);
    auto encode = [&](uint64_t seed, uint64_t round) {
        const RandomLinearCode code(300, 128, 32, seed, round);
        std::vector<double> out(code.CodeLength());
        code.Encode(g.data(), out.data());
        return out;
    };
    EXPECT_EQ(encode(7, 3), encode(7, 3));
    EXPECT_NE(encode(7, 3), encode(7, 4));
    EXPECT_NE(encode(7, 3), encode(8, 3));
}
