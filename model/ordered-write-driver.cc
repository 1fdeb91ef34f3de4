#include "ordered-write-driver.h"

#include "byte-ranges.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace wfl
{
namespace
{

std::atomic<uint64_t> g_changes{0};
std::atomic<uint64_t> g_killAt{0}; ///< 0: off, else the change count that is not made

/// Called before every change to a file: the test hook's kill point.
void
CountChange()
{
    const uint64_t n = ++g_changes;
    if (g_killAt.load() != 0 && n >= g_killAt.load())
    {
        raise(SIGKILL);
    }
}

/// A write over bytes already on disk, held until the flush.
struct PendingWrite
{
    H5FD_mem_t type;
    haddr_t addr;
    std::vector<unsigned char> bytes;
};

struct OrderedFile
{
    H5FD_t pub; ///< first member: HDF5 casts between the two
    int fd = -1;
    dev_t device = 0;
    ino_t inode = 0;
    haddr_t eoa = 0;      ///< end of allocation, as HDF5 set it
    haddr_t eof = 0;      ///< end of file as HDF5 sees it (writes and truncates applied)
    haddr_t physical = 0; ///< length of the file on disk
    /// The EOA on disk: nothing on disk refers to an address at or past it.
    haddr_t committed = 0;
    /// Bytes on disk: only these can hold anything a reader follows.
    ByteRanges written;
    std::vector<PendingWrite> pending;
};

const haddr_t kMaxAddr = static_cast<haddr_t>(std::numeric_limits<off_t>::max() - 1);

bool
WriteAt(OrderedFile* f, haddr_t addr, const unsigned char* data, size_t size)
{
    CountChange();
    while (size > 0)
    {
        const ssize_t n = pwrite(f->fd, data, size, static_cast<off_t>(addr));
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n <= 0)
        {
            return false;
        }
        f->written.Add(addr, addr + static_cast<haddr_t>(n));
        addr += static_cast<haddr_t>(n);
        data += n;
        size -= static_cast<size_t>(n);
    }
    f->physical = std::max(f->physical, addr);
    return true;
}

bool
Resize(OrderedFile* f, haddr_t length)
{
    CountChange();
    if (ftruncate(f->fd, static_cast<off_t>(length)) != 0)
    {
        return false;
    }
    f->physical = length;
    f->written.CutAt(length);
    return true;
}

H5FD_t*
Open(const char* name, unsigned flags, hid_t /*fapl*/, haddr_t maxaddr)
{
    if (maxaddr == 0 || maxaddr == HADDR_UNDEF || maxaddr > kMaxAddr)
    {
        return nullptr;
    }
    int oflags = (flags & H5F_ACC_RDWR) ? O_RDWR : O_RDONLY;
    oflags |= (flags & H5F_ACC_TRUNC) ? O_TRUNC : 0;
    oflags |= (flags & H5F_ACC_CREAT) ? O_CREAT : 0;
    oflags |= (flags & H5F_ACC_EXCL) ? O_EXCL : 0;
    const int fd = open(name, oflags | O_CLOEXEC, 0666);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
    {
        if (fd >= 0)
        {
            close(fd);
        }
        return nullptr;
    }
    auto* f = new OrderedFile();
    std::memset(&f->pub, 0, sizeof(f->pub));
    f->fd = fd;
    f->device = st.st_dev;
    f->inode = st.st_ino;
    f->physical = f->eof = f->committed = static_cast<haddr_t>(st.st_size);
    if (st.st_size > 0)
    {
        f->written.Add(0, f->physical);
    }
    return &f->pub;
}

/**
 * Put the flush on disk in the order of the header comment: superblock first
 * if the EOA grew, then waiting writes children first, superblock last if
 * the EOA shrank, then the file's length. Every state in between is readable.
 */
bool
Commit(OrderedFile* f)
{
    const bool grew = f->eoa >= f->committed;
    if (grew && f->physical < f->eoa && !Resize(f, f->eoa))
    {
        return false;
    }
    auto writeType = [&](H5FD_mem_t type) {
        for (const PendingWrite& w : f->pending)
        {
            if (w.type == type && !WriteAt(f, w.addr, w.bytes.data(), w.bytes.size()))
            {
                return false;
            }
        }
        return true;
    };
    const H5FD_mem_t children[] = {H5FD_MEM_DRAW, H5FD_MEM_GHEAP, H5FD_MEM_LHEAP, H5FD_MEM_BTREE};
    bool ok = !grew || writeType(H5FD_MEM_SUPER);
    for (H5FD_mem_t type : children)
    {
        ok = ok && writeType(type);
    }
    // Metadata of any other kind (none expected in a trace), then object headers.
    for (const PendingWrite& w : f->pending)
    {
        const bool other = w.type != H5FD_MEM_SUPER && w.type != H5FD_MEM_OHDR &&
                           std::find(std::begin(children), std::end(children), w.type) ==
                               std::end(children);
        ok = ok && (!other || WriteAt(f, w.addr, w.bytes.data(), w.bytes.size()));
    }
    // Object headers in descending address order: with no reuse of freed
    // space (TraceFile) that is reverse creation order, so the table made
    // first (/rounds, whose length readers take as the rounds flushed) gets
    // its new rows last. Equal addresses keep their order: the later wins.
    std::vector<const PendingWrite*> headers;
    for (const PendingWrite& w : f->pending)
    {
        if (w.type == H5FD_MEM_OHDR)
        {
            headers.push_back(&w);
        }
    }
    std::stable_sort(headers.begin(), headers.end(),
                     [](const PendingWrite* a, const PendingWrite* b) { return a->addr > b->addr; });
    for (const PendingWrite* w : headers)
    {
        ok = ok && WriteAt(f, w->addr, w->bytes.data(), w->bytes.size());
    }
    ok = ok && (grew || writeType(H5FD_MEM_SUPER));
    if (ok && f->physical != f->eof)
    {
        ok = Resize(f, f->eof);
    }
    if (ok)
    {
        f->pending.clear();
        f->committed = f->eoa;
    }
    return ok;
}

herr_t
Close(H5FD_t* file)
{
    auto* f = reinterpret_cast<OrderedFile*>(file);
    const bool ok = Commit(f);
    close(f->fd);
    delete f;
    return ok ? 0 : -1;
}

int
Compare(const H5FD_t* a, const H5FD_t* b)
{
    const auto* f = reinterpret_cast<const OrderedFile*>(a);
    const auto* g = reinterpret_cast<const OrderedFile*>(b);
    if (f->device != g->device)
    {
        return f->device < g->device ? -1 : 1;
    }
    return f->inode < g->inode ? -1 : (f->inode > g->inode ? 1 : 0);
}

herr_t
Query(const H5FD_t* /*file*/, unsigned long* flags)
{
    // Allocation as sec2 does it (same file layout), but no metadata
    // accumulator: it would merge writes of different kinds, some in place
    // and some in new space, into one.
    *flags = H5FD_FEAT_AGGREGATE_METADATA | H5FD_FEAT_AGGREGATE_SMALLDATA;
    return 0;
}

haddr_t
GetEoa(const H5FD_t* file, H5FD_mem_t /*type*/)
{
    return reinterpret_cast<const OrderedFile*>(file)->eoa;
}

herr_t
SetEoa(H5FD_t* file, H5FD_mem_t /*type*/, haddr_t addr)
{
    reinterpret_cast<OrderedFile*>(file)->eoa = addr;
    return 0;
}

haddr_t
GetEof(const H5FD_t* file, H5FD_mem_t /*type*/)
{
    return reinterpret_cast<const OrderedFile*>(file)->eof;
}

herr_t
GetHandle(H5FD_t* file, hid_t /*fapl*/, void** handle)
{
    *handle = &reinterpret_cast<OrderedFile*>(file)->fd;
    return 0;
}

/// Bytes from the disk (zeros past its end), overlaid with the waiting writes.
herr_t
Read(H5FD_t* file, H5FD_mem_t /*type*/, hid_t /*dxpl*/, haddr_t addr, size_t size, void* buffer)
{
    auto* f = reinterpret_cast<OrderedFile*>(file);
    auto* out = static_cast<unsigned char*>(buffer);
    std::memset(out, 0, size);
    for (size_t done = 0; done < size && addr + done < f->physical;)
    {
        const ssize_t n = pread(f->fd, out + done, size - done, static_cast<off_t>(addr + done));
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n <= 0)
        {
            return n == 0 ? 0 : -1;
        }
        done += static_cast<size_t>(n);
    }
    for (const PendingWrite& w : f->pending)
    {
        const haddr_t lo = std::max(addr, w.addr);
        const haddr_t hi = std::min(addr + size, w.addr + w.bytes.size());
        if (lo < hi)
        {
            std::memcpy(out + (lo - addr), w.bytes.data() + (lo - w.addr), hi - lo);
        }
    }
    return 0;
}

/**
 * Bytes never written before (space allocated since the last flush, or left
 * over from an earlier allocation) are written now: nothing on disk can refer
 * to them. A write over bytes already on disk waits for the flush.
 */
herr_t
Write(H5FD_t* file, H5FD_mem_t type, hid_t /*dxpl*/, haddr_t addr, size_t size, const void* buffer)
{
    auto* f = reinterpret_cast<OrderedFile*>(file);
    const auto* data = static_cast<const unsigned char*>(buffer);
    if (addr + size > f->eoa)
    {
        return -1;
    }
    if (f->written.Overlaps(addr, addr + size))
    {
        f->pending.push_back({type, addr, std::vector<unsigned char>(data, data + size)});
    }
    else if (!WriteAt(f, addr, data, size))
    {
        return -1;
    }
    f->eof = std::max(f->eof, static_cast<haddr_t>(addr + size));
    return 0;
}

herr_t
Flush(H5FD_t* file, hid_t /*dxpl*/, hbool_t /*closing*/)
{
    return Commit(reinterpret_cast<OrderedFile*>(file)) ? 0 : -1;
}

/// HDF5 asks for EOF = EOA at every flush; the length changes in Commit().
herr_t
Truncate(H5FD_t* file, hid_t /*dxpl*/, hbool_t /*closing*/)
{
    auto* f = reinterpret_cast<OrderedFile*>(file);
    f->eof = f->eoa;
    return 0;
}

H5FD_class_t
MakeClass()
{
    H5FD_class_t c;
    std::memset(&c, 0, sizeof(c));
    c.name = "wfl-ordered-write";
    c.maxaddr = kMaxAddr;
    c.fc_degree = H5F_CLOSE_WEAK;
    c.open = Open;
    c.close = Close;
    c.cmp = Compare;
    c.query = Query;
    c.get_eoa = GetEoa;
    c.set_eoa = SetEoa;
    c.get_eof = GetEof;
    c.get_handle = GetHandle;
    c.read = Read;
    c.write = Write;
    c.flush = Flush;
    c.truncate = Truncate;
    const H5FD_mem_t map[] = H5FD_FLMAP_DICHOTOMY;
    std::copy(std::begin(map), std::end(map), c.fl_map);
    return c;
}

} // namespace

hid_t
OrderedWriteDriver()
{
    static const H5FD_class_t cls = MakeClass();
    static hid_t id = -1;
    if (id < 0 || H5Iis_valid(id) <= 0)
    {
        id = H5FDregister(&cls);
    }
    return id;
}

void
KillBeforeFileChangeForTesting(uint64_t n)
{
    g_killAt = n == 0 ? 0 : g_changes.load() + n;
}

uint64_t
FileChangesForTesting()
{
    return g_changes.load();
}

} // namespace wfl
