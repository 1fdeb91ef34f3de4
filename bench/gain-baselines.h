/*
 * BENCH-ONLY baselines for the QCS Fig. 3 reproduction (bench/qcs-gain.cc):
 * minimal QSG and unbiased random sparsification, with their closed forms.
 * They are not the simulator's compressors (QSGD is helper h7's, random
 * sparsification helper h10's, in model/numeric/); they exist only so the
 * figure can be drawn from this one program. Do not use them elsewhere.
 *
 * QSG (Alistarh et al. 2017, as in QCS Fig. 3): one bucket (the whole
 * vector), L2 norm, s levels, stochastic rounding of s |g_i| / ||g|| to
 * l or l + 1 with mean s |g_i| / ||g||; bits n log2(2s + 1) + 32.
 * Closed form: QSGD Lemma 3.1, E||g_hat - g||^2 <= min(n/s^2, sqrt(n)/s) ||g||^2.
 *
 * Unbiased random sparsification (Wangni et al. 2018): keep g_i with
 * probability p_i = min(1, c |g_i|) and send g_i / p_i, c such that
 * sum p_i = s (the expected number kept). Variance sum g_i^2/p_i - ||g||^2.
 * For Gaussian g with no p_i capped: (||g||_1^2 / s - ||g||^2), i.e. the
 * closed form 2n/(pi s) - 1 (QCS supplementary; a lower bound in general).
 * Bits: 32 per kept value as in the paper's figure; with positions charged
 * too, 32 + ceil(log2 n) per kept value.
 */
#ifndef WFL_BENCH_GAIN_BASELINES_H
#define WFL_BENCH_GAIN_BASELINES_H

#include "random.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace benchonly
{

inline double
QsgBound(double n, double s)
{
    return std::min(n / (s * s), std::sqrt(n) / s);
}

/// Relative error ||g_hat - g||^2 / ||g||^2 of one QSG draw.
inline double
QsgDraw(const std::vector<double>& g, int levels, wfl::Rng& rng)
{
    double norm2 = 0.0;
    for (double x : g)
    {
        norm2 += x * x;
    }
    const double norm = std::sqrt(norm2);
    double err = 0.0;
    for (double x : g)
    {
        const double a = levels * std::abs(x) / norm;
        const double l = std::floor(a);
        const double xi = l + (rng.Uniform() < a - l ? 1.0 : 0.0);
        const double hat = std::copysign(norm * xi / levels, x);
        err += (hat - x) * (hat - x);
    }
    return err / norm2;
}

inline double
SparsificationClosedForm(double n, double kept)
{
    return 2.0 * n / (M_PI * kept) - 1.0;
}

/// Probabilities p_i = min(1, c |g_i|) with sum p_i = kept (capped entries
/// are fixed at 1 and c is re-solved on the rest until none exceeds 1).
inline std::vector<double>
SparsificationProbabilities(const std::vector<double>& g, double kept)
{
    std::vector<double> p(g.size(), 0.0);
    std::vector<bool> capped(g.size(), false);
    double budget = kept;
    for (bool changed = true; changed;)
    {
        changed = false;
        double l1 = 0.0;
        for (size_t i = 0; i < g.size(); ++i)
        {
            l1 += capped[i] ? 0.0 : std::abs(g[i]);
        }
        for (size_t i = 0; i < g.size(); ++i)
        {
            if (capped[i])
            {
                continue;
            }
            p[i] = budget * std::abs(g[i]) / l1;
            if (p[i] >= 1.0)
            {
                p[i] = 1.0;
                capped[i] = true;
                budget -= 1.0;
                changed = true;
            }
        }
    }
    return p;
}

/// Relative error of one sparsification draw with probabilities p.
inline double
SparsificationDraw(const std::vector<double>& g, const std::vector<double>& p, wfl::Rng& rng)
{
    double err = 0.0, norm2 = 0.0;
    for (size_t i = 0; i < g.size(); ++i)
    {
        const double hat = (p[i] > 0.0 && rng.Uniform() < p[i]) ? g[i] / p[i] : 0.0;
        err += (hat - g[i]) * (hat - g[i]);
        norm2 += g[i] * g[i];
    }
    return err / norm2;
}

} // namespace benchonly

#endif
