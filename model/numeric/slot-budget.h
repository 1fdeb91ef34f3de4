/*
 * Channel uses of one round's uplink slot, by purpose, and the rlc slot at a
 * coding ratio, so that every scheme compared at that ratio gets the same
 * spectrum (issue 9, item 4). This is the one place where these counts are
 * made: the over-the-air aggregator charges its slot with OverTheAirSlotBudget
 * and the digital baseline is given RlcSlotBudget(...).Total().
 *
 * An over-the-air data slot of `data` uses is cut into coherence blocks of L
 * uses (0 = one block); a block carries L - 1 data uses and a pilot when the
 * scheme sends one, else L data uses:
 *   blocks   = 1 (L = 0) or ceil(data / (L - pilot))
 *   pilots   = blocks if a pilot is sent, else 0
 *   feedback = usesPerReport x blocks x scheduled clients (one report per
 *              scheduled client and block, power.coordination = feedback)
 * The rlc data uses at a ratio:
 *   n      = the smallest power of two >= min(bucket, D)
 *   k      = max(1, round(ratio n))                      rows kept per bucket
 *   data   = ceil(ceil(D / n) k / 2)                     two real symbols per use
 */
#ifndef WFL_SLOT_BUDGET_H
#define WFL_SLOT_BUDGET_H

#include <cstddef>
#include <cstdint>

namespace wfl
{

/// The three parts of a slot, in complex channel uses.
struct SlotBudget
{
    uint64_t dataUses = 0;     ///< code symbols, two real ones per use
    uint64_t pilotUses = 0;    ///< one per coherence block, when the scheme sends pilots
    uint64_t feedbackUses = 0; ///< the report mini-slot before the data slot

    uint64_t Total() const
    {
        return dataUses + pilotUses + feedbackUses;
    }
};

/// How the over-the-air slot is organised around its data.
struct SlotOverhead
{
    size_t coherenceUses = 0;   ///< uses per fading block, pilot included (0 = one block, else >= 2)
    bool pilot = false;         ///< each block ends with a pilot use
    uint64_t usesPerReport = 0; ///< feedback uses per scheduled client and block (0 = no reports)
    size_t scheduledClients = 0;
};

/// Bucket length rlc actually uses for a model of `dim` coordinates.
size_t RlcEffectiveBucket(size_t dim, size_t bucket);

/// Rows kept per bucket of length `effectiveBucket` at `ratio`: max(1, round(ratio n)).
size_t RlcRowsPerBucket(double ratio, size_t effectiveBucket);

/// Coherence blocks of a data slot (see the file comment).
uint64_t CoherenceBlocks(uint64_t dataUses, size_t coherenceUses, bool pilot);

/// A slot of `dataUses` data uses with its pilots and reports.
/// Throws std::invalid_argument on dataUses = 0 or a block without data.
SlotBudget OverTheAirSlotBudget(uint64_t dataUses, const SlotOverhead& overhead);

/**
 * The rlc slot for a model of `dim` coordinates at `ratio` with bucket length
 * `bucket` (any value >= 1; rounded up to a power of two as rlc does).
 * Throws std::invalid_argument on dim = 0 or bucket = 0.
 */
SlotBudget RlcSlotBudget(size_t dim, double ratio, size_t bucket, const SlotOverhead& overhead);

} // namespace wfl

#endif
