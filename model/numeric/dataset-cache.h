/*
 * On-disk cache of decoded image datasets (Fashion-MNIST), so that a sweep
 * point does not pay for gunzip and IDX decoding in every process.
 *
 * One file per source directory, "<cache dir>/fashion-mnist-<hash of the
 * directory path>.v<format>", holding a header and the raw uint8 pixels and
 * labels of both splits. A cached copy is used only if all of these hold,
 * otherwise the sources are decoded again and the file is rewritten:
 *  - magic, format version and a hash of the header match;
 *  - the file is exactly as long as the header says (truncation);
 *  - every source file has the recorded path, size and 64-bit content hash
 *    (the compressed bytes are hashed on every load: a source rewritten in
 *    place with its old mtime restored is still caught; about 3 ms for the
 *    30 MB of Fashion-MNIST);
 *  - the payload hashes to the recorded value (bit rot, partial writes).
 * Writers create a unique temporary file in the cache directory and rename()
 * it over the final name, so concurrent processes each publish a complete
 * file and readers never see a partial one.
 *
 * Location: $WFL_CACHE_DIR if set (the value "off" disables the cache), else
 * $XDG_CACHE_HOME/wfl, else $HOME/.cache/wfl.
 */
#ifndef WFL_DATASET_CACHE_H
#define WFL_DATASET_CACHE_H

#include "dataset.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wfl
{

/// The cache directory the rules above select; empty if caching is off or
/// no location is known.
std::string DatasetCacheDir();

/// 64-bit non-cryptographic hash (four independent multiply-rotate lanes, 32
/// bytes per step, then a final avalanche): detects accidental change, not
/// tampering.
uint64_t Hash64(const uint8_t* data, size_t bytes, uint64_t seed = 0);

/// Content hash of a whole file (memory-mapped); throws InputError if unreadable.
uint64_t HashFile(const std::string& path);

/// Outcome of a cache lookup, for tests and diagnostics.
enum class CacheStatus
{
    Hit,      ///< valid file, data loaded from it
    Missing,  ///< no file
    Stale,    ///< a source file changed (size, path or content)
    Corrupt,  ///< bad magic/version/header, wrong length or payload hash
};

/**
 * Load `cachePath` into `out` if it is valid for `sources` (absolute paths of
 * the files the data were decoded from, in a fixed order).
 */
CacheStatus ReadDatasetCache(const std::string& cachePath,
                             const std::vector<std::string>& sources,
                             TrainTestData& out);

/**
 * Write `data` (image datasets only, labels in [0, 255]) for `sources`
 * atomically. Returns an empty string on success, else the reason.
 */
std::string WriteDatasetCache(const std::string& cachePath,
                              const std::vector<std::string>& sources,
                              const TrainTestData& data);

/**
 * LoadFashionMnist through the cache in `cacheDir` (empty: no cache). A
 * cache that cannot be written costs a one-line warning on stderr, never the
 * run. `status`, if given, receives the lookup's outcome.
 */
TrainTestData LoadFashionMnistCached(const std::string& directory,
                                     const std::string& cacheDir,
                                     CacheStatus* status = nullptr);

} // namespace wfl

#endif
