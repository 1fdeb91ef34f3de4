/*
 * The codebook optimisation of deterministic ISGQ (methods.md 4.2, the
 * author's optimize_centers_mviq / optimize_centers_mvuiq).
 *
 * Notation (both factor steps share it): the gradient is G = O^T F with
 * F [B x n] the factor whose codebook is fitted and O [B x m] the other one;
 * the client knows both (they are its own forward/backward quantities).
 * F's symbols q (0..L-1, L = exact zero, never moved) are fixed; its
 * reconstruction is F_hat = sum_i c_i 1_i with 1_i the [B x n] indicator of
 * q = i. With O_hat the other factor's current reconstruction,
 *   G_hat = O_hat^T F_hat = sum_i c_i M_i,   M_i = O_hat^T 1_i   [m x n],
 * so J(c) = ||G_hat - G||_F^2 = c^T K c - 2 r^T c + ||G||_F^2 with
 *   K_ij = <M_i, M_j> = <1_i, P 1_j>,        P = O_hat O_hat^T   [B x B],
 *   r_i  = <M_i, G>   = <1_i, C F>,          C = O_hat O^T       [B x B],
 *   a_i  = sum(M_i)   = sum over q = i of (O_hat 1)_b (row b of the entry),
 *   ||G||^2 = <O O^T, F F^T>,  sum(G) = (O 1)^T (F 1),
 * never forming an M_i: cost 2 B^2 m + B^2 n (L + 1) + 2 B n L
 * multiply-adds, against L B m n for dense M_i.
 * For X's codebook: F = X, O = Delta. For Delta's: the transpose,
 * G^T = X^T Delta, so F = Delta, O = X (the norm and sum are the same).
 *
 * mv:  c = argmin J over the non-empty levels (K c = r, solved by a complete
 *      orthogonal decomposition: a minimiser also when K is singular).
 * mvu: the same subject to the one equality sum(G - G_hat) = 0, i.e.
 *      a^T c = sum(G), solved exactly by the KKT system
 *        [[K, a], [a^T, 0]] [c; lambda] = [r; sum(G)].
 *      The author uses a QP solver (quadprog; closed forms for 1 and 2
 *      levels); with this single equality and no inequality the KKT solution
 *      is the same minimiser.
 * A level no entry uses (or whose M_i is 0) keeps its starting point: it
 * does not change G_hat (the author's "valid_idx", which tests
 * ||O_hat^T 1_i|| >= 1e-6 ||O_hat|| instead). If a = 0 on those levels while
 * sum(G) != 0 the constraint cannot hold; the decomposition then returns the
 * least-squares compromise (not met in the tests).
 * Where this follows the author and where not: the same two quadratic
 * problems and the same fixed zero level; the author fits Delta's (Y's)
 * codebook first and alternates once by default, here X's first (as
 * methods.md words it) and up to IsgqLloydMaxCompressor::kFitRounds.
 */
#ifndef WFL_ISGQ_CODEBOOK_FIT_H
#define WFL_ISGQ_CODEBOOK_FIT_H

#include "default-init-allocator.h"

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace wfl
{

/// J(c) = c^T K c - 2 r^T c + gg and sum(G_hat) = a^T c, for one factor's codebook.
struct CodebookQuadratic
{
    Eigen::MatrixXd k;           ///< L x L, K_ij = <M_i, M_j>
    Eigen::VectorXd r;           ///< r_i = <M_i, G>
    Eigen::VectorXd a;           ///< a_i = sum(M_i)
    double gg = 0.0;             ///< ||G||_F^2
    double sumG = 0.0;           ///< sum(G)
    std::vector<size_t> counts;  ///< entries with symbol i

    /// ||G_hat(c) - G||_F^2 (clamped at 0 against rounding).
    double Objective(const Eigen::VectorXd& c) const;
};

/**
 * The quadratic of F's codebook: f [B x n] with symbols q (column-major, as
 * Eigen stores f; L = zero), `other` = O [B x m] and `otherHat` = O_hat.
 */
CodebookQuadratic FitQuadratic(const Eigen::MatrixXd& f,
                               const LevelSymbols& q,
                               int32_t levels,
                               const Eigen::MatrixXd& other,
                               const Eigen::MatrixXd& otherHat);

/// The optimal codebook from `start`: mv (unbiased = false) or mvu.
Eigen::VectorXd SolveCodebook(const CodebookQuadratic& quadratic, const Eigen::VectorXd& start, bool unbiased);

/// The reconstruction [rows x cols] of symbols q (column-major): codebook[q], 0 for q = L.
Eigen::MatrixXd ReconstructFactor(const LevelSymbols& q,
                                  Eigen::Index rows,
                                  Eigen::Index cols,
                                  const Eigen::VectorXd& codebook);

} // namespace wfl

#endif
