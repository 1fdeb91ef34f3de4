/*
 * The largest parameter that fits a bit budget, by bisection.
 *
 * The compressors that fit their levels to a budget (DQSG, NDQSG, ISGQ) have
 * raw bits that grow with the levels q (alphabet 2q + 1 symbols per entry,
 * or per factor entry), so "q fits" holds up to some q and not beyond. A scan
 * down from the configured levels evaluated up to 32768 bit sums per message
 * (levels = 32767 with a budget of 0.1 bit a coordinate): with 20 CNN clients,
 * 500 rounds and a dozen tensors, 70 s of a sweep point that fitted nothing,
 * against 19 s for QSGD (sweep compressors-pipe-cnn, full size).
 */
#ifndef WFL_LARGEST_FITTING_H
#define WFL_LARGEST_FITTING_H

namespace wfl
{

/// The largest q in [lo, hi] with fits(q), for a predicate true from lo up
/// to some q and false beyond; lo - 1 if fits(lo) is false (or lo > hi).
/// At most 2 + log2(hi - lo + 1) calls. What a scan down from hi finds, for
/// such predicates (test-largest-fitting checks both against it).
template <typename Int, typename Fits>
Int
LargestFitting(Int lo, Int hi, Fits fits)
{
    if (lo > hi || !fits(lo))
    {
        return lo - 1;
    }
    while (lo < hi)
    {
        const Int mid = lo + (hi - lo + 1) / 2; // rounds up: lo < mid <= hi
        if (fits(mid))
        {
            lo = mid;
        }
        else
        {
            hi = mid - 1;
        }
    }
    return lo;
}

} // namespace wfl

#endif
