#include "slot-layout.h"

#include "slot-budget.h"

#include "ns3/abort.h"

#include <algorithm>

namespace wfl
{

SlotLayout::SlotLayout(size_t data, size_t coherenceUses, bool pilot)
    : dataUses(data),
      pilotUses(pilot ? 1 : 0),
      blockUses(coherenceUses == 0 ? data + pilotUses : coherenceUses),
      dataPerBlock(blockUses - pilotUses),
      blocks(0),
      totalUses(0)
{
    NS_ABORT_MSG_IF(data == 0, "empty slot");
    NS_ABORT_MSG_IF(dataPerBlock == 0, "a coherence block needs at least 2 uses (data + pilot)");
    blocks = CoherenceBlocks(data, coherenceUses, pilot); // the count the slot is charged
    NS_ABORT_MSG_IF(blocks != (data + dataPerBlock - 1) / dataPerBlock, "block count mismatch");
    totalUses = data + blocks * pilotUses;
}

size_t
SlotLayout::BlockEnd(size_t block) const
{
    return std::min((block + 1) * blockUses, totalUses);
}

size_t
SlotLayout::DataEnd(size_t block) const
{
    return std::min(dataUses, FirstData(block) + dataPerBlock);
}

} // namespace wfl
