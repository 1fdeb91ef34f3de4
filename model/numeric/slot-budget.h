/*
 * Channel uses of one round's uplink slot at a coding ratio, so that every
 * scheme compared at that ratio gets the same spectrum (issue 9, item 4).
 *
 * The reference is the rlc slot of over-the-air-aggregator.cc:
 *   n      = the smallest power of two >= min(bucket, D)  (a model smaller
 *            than the bucket uses the smallest bucket that holds it)
 *   k      = max(1, round(ratio n))                      rows kept per bucket
 *   data   = ceil(ceil(D / n) k / 2)                     two real symbols per use
 *   pilots = 1 (one block) or ceil(data / (L - 1))       one per coherence block of L uses
 *   total  = data + pilots + feedback
 * Feedback is whatever exchange the over-the-air scheme runs before the slot
 * (a count of uses passed in; 0 when there is none).
 */
#ifndef WFL_SLOT_BUDGET_H
#define WFL_SLOT_BUDGET_H

#include <cstddef>
#include <cstdint>

namespace wfl
{

/// The three parts of an rlc slot, in complex channel uses.
struct SlotBudget
{
    uint64_t dataUses = 0;     ///< code symbols, two real ones per use
    uint64_t pilotUses = 0;    ///< one per coherence block
    uint64_t feedbackUses = 0; ///< the feedback exchange before the slot

    uint64_t Total() const
    {
        return dataUses + pilotUses + feedbackUses;
    }
};

/// Bucket length rlc actually uses for a model of `dim` coordinates.
size_t RlcEffectiveBucket(size_t dim, size_t bucket);

/// Rows kept per bucket of length `effectiveBucket` at `ratio`: max(1, round(ratio n)).
size_t RlcRowsPerBucket(double ratio, size_t effectiveBucket);

/// Pilot uses of a slot with `dataUses` data uses: one per coherence block of
/// `coherenceUses` uses (pilot included), or one for the whole slot when 0.
uint64_t PilotUses(uint64_t dataUses, size_t coherenceUses);

/**
 * The rlc slot for a model of `dim` coordinates at `ratio` with bucket length
 * `bucket` (any value >= 1; rounded up to a power of two as rlc does),
 * `coherenceUses` (0 or >= 2) and `feedbackUses` uses of feedback.
 * Throws std::invalid_argument on dim = 0, bucket = 0 or coherenceUses = 1.
 */
SlotBudget RlcSlotBudget(size_t dim, double ratio, size_t bucket, size_t coherenceUses, uint64_t feedbackUses);

} // namespace wfl

#endif
