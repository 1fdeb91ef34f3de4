#include "dataset-cache.h"

#include "input-error.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace wfl
{
namespace
{

// Multipliers of XXH64 (odd 64-bit constants with good bit mixing).
constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kP3 = 0x165667B19E3779F9ULL;
constexpr uint64_t kP4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t kP5 = 0x27D4EB2F165667C5ULL;

constexpr uint64_t kMagic = 0x3154455344464C57ULL; // "WFLDSET1", little-endian
constexpr uint64_t kVersion = 1;                   // bump when the layout changes
constexpr int kSplits = 2;

inline uint64_t
Rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

inline uint64_t
Round(uint64_t acc, uint64_t input)
{
    return Rotl(acc + input * kP2, 31) * kP1;
}

inline uint64_t
Load64(const uint8_t* p)
{
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

/// Closes a descriptor on scope exit.
struct Fd
{
    int fd = -1;
    ~Fd()
    {
        if (fd >= 0)
        {
            close(fd);
        }
    }
};

bool
ReadAll(int fd, void* out, size_t bytes)
{
    auto* p = static_cast<uint8_t*>(out);
    while (bytes > 0)
    {
        const ssize_t got = read(fd, p, bytes);
        if (got <= 0)
        {
            if (got < 0 && errno == EINTR)
            {
                continue;
            }
            return false;
        }
        p += got;
        bytes -= static_cast<size_t>(got);
    }
    return true;
}

bool
WriteAll(int fd, const void* in, size_t bytes)
{
    const auto* p = static_cast<const uint8_t*>(in);
    while (bytes > 0)
    {
        const ssize_t put = write(fd, p, bytes);
        if (put <= 0)
        {
            if (put < 0 && errno == EINTR)
            {
                continue;
            }
            return false;
        }
        p += put;
        bytes -= static_cast<size_t>(put);
    }
    return true;
}

uint64_t
HashString(const std::string& s)
{
    return Hash64(reinterpret_cast<const uint8_t*>(s.data()), s.size(), 0x5EED);
}

/// Header words: magic, version, word count, source count, 3 words per
/// source (path hash, size, content hash), 5 per split (dim, count, classes,
/// pixel hash, label hash), payload bytes, header hash (of all words before it).
size_t
HeaderWords(size_t sources)
{
    return 4 + 3 * sources + 5 * kSplits + 2;
}

uint64_t
PayloadBytes(const Dataset& d)
{
    return static_cast<uint64_t>(d.pixels.size()) + d.labels.size();
}

} // namespace

std::string
DatasetCacheDir()
{
    if (const char* dir = std::getenv("WFL_CACHE_DIR"))
    {
        return std::string(dir) == "off" ? std::string() : std::string(dir);
    }
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    {
        return std::string(xdg) + "/wfl";
    }
    if (const char* home = std::getenv("HOME"); home && *home)
    {
        return std::string(home) + "/.cache/wfl";
    }
    return std::string();
}

uint64_t
Hash64(const uint8_t* data, size_t bytes, uint64_t seed)
{
    const uint8_t* p = data;
    const uint8_t* end = data + bytes;
    uint64_t h;
    if (bytes >= 32)
    {
        uint64_t v[4] = {seed + kP1 + kP2, seed + kP2, seed, seed - kP1};
        for (; p + 32 <= end; p += 32)
        {
            for (int lane = 0; lane < 4; ++lane)
            {
                v[lane] = Round(v[lane], Load64(p + 8 * lane));
            }
        }
        h = Rotl(v[0], 1) + Rotl(v[1], 7) + Rotl(v[2], 12) + Rotl(v[3], 18);
        for (uint64_t lane : v)
        {
            h = (h ^ Round(0, lane)) * kP1 + kP4;
        }
    }
    else
    {
        h = seed + kP5;
    }
    h += bytes;
    for (; p + 8 <= end; p += 8)
    {
        h = Rotl(h ^ Round(0, Load64(p)), 27) * kP1 + kP4;
    }
    for (; p < end; ++p)
    {
        h = Rotl(h ^ (*p * kP5), 11) * kP1;
    }
    h ^= h >> 33;
    h *= kP2;
    h ^= h >> 29;
    h *= kP3;
    h ^= h >> 32;
    return h;
}

uint64_t
HashFile(const std::string& path)
{
    Fd f{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    struct stat st;
    if (f.fd < 0 || fstat(f.fd, &st) != 0)
    {
        throw InputError(path + ": cannot open (" + std::strerror(errno) + ")");
    }
    const size_t bytes = static_cast<size_t>(st.st_size);
    if (bytes == 0)
    {
        return Hash64(nullptr, 0);
    }
    // MAP_POPULATE maps the page-cache pages up front instead of faulting them in one by one.
    void* map = mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_POPULATE, f.fd, 0);
    if (map == MAP_FAILED)
    {
        throw InputError(path + ": cannot map (" + std::strerror(errno) + ")");
    }
    const uint64_t h = Hash64(static_cast<const uint8_t*>(map), bytes);
    munmap(map, bytes);
    return h;
}

CacheStatus
ReadDatasetCache(const std::string& cachePath,
                 const std::vector<std::string>& sources,
                 TrainTestData& out)
{
    Fd f{open(cachePath.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0)
    {
        return CacheStatus::Missing;
    }
    struct stat st;
    const size_t words = HeaderWords(sources.size());
    std::vector<uint64_t> h(words);
    if (fstat(f.fd, &st) != 0 || !ReadAll(f.fd, h.data(), words * 8) || h[0] != kMagic ||
        h[1] != kVersion || h[2] != words || h[3] != sources.size() ||
        h[words - 1] != Hash64(reinterpret_cast<const uint8_t*>(h.data()), (words - 1) * 8))
    {
        return CacheStatus::Corrupt;
    }
    const uint64_t payload = h[words - 2];
    if (static_cast<uint64_t>(st.st_size) != words * 8 + payload)
    {
        return CacheStatus::Corrupt;
    }
    size_t w = 4;
    for (const std::string& src : sources)
    {
        struct stat s;
        if (h[w] != HashString(src) || stat(src.c_str(), &s) != 0 ||
            h[w + 1] != static_cast<uint64_t>(s.st_size) || h[w + 2] != HashFile(src))
        {
            return CacheStatus::Stale;
        }
        w += 3;
    }
    Dataset* splits[kSplits] = {&out.train, &out.test};
    uint64_t expected = 0;
    for (int i = 0; i < kSplits; ++i)
    {
        const uint64_t* s = &h[w + 5 * i];
        expected += s[0] * s[1] + s[1];
    }
    if (expected != payload)
    {
        return CacheStatus::Corrupt;
    }
    std::vector<uint8_t> labels;
    for (Dataset* d : splits)
    {
        const uint64_t dim = h[w];
        const uint64_t count = h[w + 1];
        d->features.resize(0, 0);
        d->pixels.resize(static_cast<Eigen::Index>(dim), static_cast<Eigen::Index>(count));
        // Before the first write, so the pages are born huge.
        AdviseHugePages(d->pixels.data(), static_cast<size_t>(d->pixels.size()));
        labels.resize(count);
        if (!ReadAll(f.fd, d->pixels.data(), dim * count) || !ReadAll(f.fd, labels.data(), count) ||
            Hash64(d->pixels.data(), dim * count) != h[w + 3] ||
            Hash64(labels.data(), count) != h[w + 4])
        {
            return CacheStatus::Corrupt;
        }
        d->labels.assign(labels.begin(), labels.end());
        d->numClasses = static_cast<int>(h[w + 2]);
        d->pixelScale = 1.0f / 255.0f;
        w += 5;
    }
    return CacheStatus::Hit;
}

std::string
WriteDatasetCache(const std::string& cachePath,
                  const std::vector<std::string>& sources,
                  const TrainTestData& data)
{
    const Dataset* splits[kSplits] = {&data.train, &data.test};
    std::vector<uint64_t> h{kMagic, kVersion, HeaderWords(sources.size()), sources.size()};
    for (const std::string& src : sources)
    {
        struct stat s;
        if (stat(src.c_str(), &s) != 0)
        {
            return src + ": " + std::strerror(errno);
        }
        h.insert(h.end(), {HashString(src), static_cast<uint64_t>(s.st_size), HashFile(src)});
    }
    uint64_t payload = 0;
    std::vector<std::vector<uint8_t>> labels;
    for (const Dataset* d : splits)
    {
        if (!d->IsImage())
        {
            return "only image datasets are cached";
        }
        labels.emplace_back();
        for (int y : d->labels)
        {
            if (y < 0 || y > 255)
            {
                return "label outside [0, 255]";
            }
            labels.back().push_back(static_cast<uint8_t>(y));
        }
        h.insert(h.end(),
                 {static_cast<uint64_t>(d->Dim()), static_cast<uint64_t>(d->Count()),
                  static_cast<uint64_t>(d->numClasses),
                  Hash64(d->pixels.data(), static_cast<size_t>(d->pixels.size())),
                  Hash64(labels.back().data(), labels.back().size())});
        payload += PayloadBytes(*d);
    }
    h.push_back(payload);
    h.push_back(Hash64(reinterpret_cast<const uint8_t*>(h.data()), h.size() * 8));

    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(cachePath).parent_path(), ec);
    std::string temp = cachePath + ".tmp.XXXXXX";
    Fd f{mkstemp(temp.data())};
    if (f.fd < 0)
    {
        return cachePath + ": cannot create a temporary file (" + std::strerror(errno) + ")";
    }
    bool ok = WriteAll(f.fd, h.data(), h.size() * 8);
    for (int i = 0; i < kSplits && ok; ++i)
    {
        ok = WriteAll(f.fd, splits[i]->pixels.data(), static_cast<size_t>(splits[i]->pixels.size())) &&
             WriteAll(f.fd, labels[static_cast<size_t>(i)].data(), labels[static_cast<size_t>(i)].size());
    }
    const int closed = close(f.fd);
    f.fd = -1;
    // rename() is atomic: a reader sees the old file, no file or the whole new one.
    if (!ok || closed != 0 || rename(temp.c_str(), cachePath.c_str()) != 0)
    {
        const std::string reason = std::strerror(errno);
        unlink(temp.c_str());
        return cachePath + ": cannot write (" + reason + ")";
    }
    return std::string();
}

} // namespace wfl
