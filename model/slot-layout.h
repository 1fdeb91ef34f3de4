/*
 * Where the symbols of an over-the-air slot sit, and what the slot costs in
 * channel uses.
 *
 * The data slot is cut into coherence blocks of L complex uses (one fading
 * gain each). A block carries data uses and, when the scheme needs one, a
 * pilot use as its last use. Before the data slot, a TDMA feedback mini-slot
 * may carry the clients' reports (power.coordination = feedback); it is
 * error-free and not simulated on the channel, but its uses are charged.
 */
#ifndef WFL_SLOT_LAYOUT_H
#define WFL_SLOT_LAYOUT_H

#include <cstddef>
#include <cstdint>

namespace wfl
{


/// Positions of the data and pilot uses of the data slot.
struct SlotLayout
{
    /**
     * @param dataUses       complex uses of coded data (> 0)
     * @param coherenceUses  uses per fading block, pilot included; 0 = one block
     * @param pilot          whether each block ends with a pilot use
     */
    SlotLayout(size_t dataUses, size_t coherenceUses, bool pilot);

    size_t dataUses;
    size_t pilotUses;     ///< per block: 1 or 0
    size_t blockUses;     ///< uses per block including its pilot
    size_t dataPerBlock;  ///< data uses per (full) block
    size_t blocks;
    size_t totalUses;     ///< data + pilots (the feedback mini-slot is not in it)

    size_t BlockStart(size_t block) const
    {
        return block * blockUses;
    }

    size_t BlockEnd(size_t block) const;

    /// Index of the pilot use of a block (only when pilotUses = 1).
    size_t PilotPosition(size_t block) const
    {
        return BlockEnd(block) - 1;
    }

    /// First data symbol index j carried by a block, and one past its last.
    size_t FirstData(size_t block) const
    {
        return block * dataPerBlock;
    }

    size_t DataEnd(size_t block) const;

    /// Data uses in a block (the last block may be short).
    size_t DataUsesIn(size_t block) const
    {
        return DataEnd(block) - FirstData(block);
    }

    /// Use index of data symbol j.
    size_t DataPosition(size_t j) const
    {
        return j + pilotUses * (j / dataPerBlock);
    }
};

} // namespace wfl

#endif
