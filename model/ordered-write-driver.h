/*
 * An HDF5 file driver (VFD) that puts each flush on disk in an order that
 * keeps the file readable after a kill at any moment between two writes.
 *
 * Why: HDF5's own sec2 driver writes a flush in the library's order: new raw
 * chunks, then the metadata cache in address order (object headers, B-tree
 * nodes, heaps), then the superblock, whose end-of-allocation (EOA) covers
 * the space allocated since the last flush. Killed between an object header
 * that already points at a new chunk index node and the superblock, the file
 * has metadata pointing past the on-disk EOA, and every reader refuses that
 * dataset ("addr overflow"). A kill between a dataset's new extent and its
 * chunk index entry would instead read the new row as the fill value (0).
 *
 * The rule kept here, with E the EOA on disk (the superblock's), is: nothing
 * on disk refers to an address at or past E, and a parent is never on disk
 * before its children. A write to bytes never written before (space
 * allocated since the last flush, or the unused rest of an earlier
 * allocation block, which nothing on disk can refer to) goes to the file at
 * once; a write over bytes already on disk (chunks gaining a row, index
 * nodes, heaps, object headers, the superblock) waits in memory until the
 * flush that HDF5 ends with the driver's flush callback, which then writes:
 *   1. the file grown to the new EOA if it is longer (so EOF >= EOA),
 *   2. the superblock, if the EOA grew (new EOA, old metadata: consistent),
 *   3. the waiting writes, children first: raw data, global heap, local heap,
 *      B-tree nodes (chunk and group indexes), other metadata, object headers
 *      (which hold a dataset's extent and so publish its new rows last; in
 *      descending address order, i.e. the dataset created first is the
 *      last to show its new rows when freed space is not reused),
 *   4. the superblock, if the EOA shrank, then the file cut to the new EOA.
 * New objects are on disk before any waiting write links them (a group's
 * symbol table node naming a new dataset, an index node naming a new chunk).
 * A kill between any two of these writes leaves a state the reader can open
 * whose rows are those of the last flush plus, per dataset, either none or
 * all of the rows of the flush in progress.
 *
 * The files are plain HDF5 files (no driver information is stored); any
 * reader opens them with its default driver. The order is safe for updates
 * of objects already on disk and for new objects in new space; a new object
 * put into space freed in the same session could be written before the
 * update that stops referring to the old one, so TraceFile turns reuse off
 * (file space strategy NONE: no free-space manager, no aggregators, every
 * allocation at the end of the file). Assumed, not enforced: single writes
 * are not torn by a kill (they are small; Linux can stop a write between
 * pages).
 * Nothing is fsync'ed: the order protects against a killed process, not
 * against a power loss.
 */
#ifndef WFL_ORDERED_WRITE_DRIVER_H
#define WFL_ORDERED_WRITE_DRIVER_H

#include <H5Cpp.h>

#include <cstdint>

namespace wfl
{

/// The driver's id (registered on first use), for H5Pset_driver(fapl, id, nullptr).
hid_t OrderedWriteDriver();

/**
 * Test hook: the process kills itself (SIGKILL) just before its n-th change
 * to a file written through the driver (a write or a size change), counted
 * from this call; 0 turns the hook off. Lets a test stop a writer at every
 * step of a flush instead of at random moments.
 */
void KillBeforeFileChangeForTesting(uint64_t n);

/// Changes (writes and size changes) made through the driver so far in this process.
uint64_t FileChangesForTesting();

} // namespace wfl

#endif
