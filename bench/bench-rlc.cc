/*
 * Random linear coding speed: encode + decode of one update against two plain
 * in-place fast Walsh-Hadamard transforms of the same length, in one run.
 *
 *   bench-rlc [--dim 1048576] [--rows 131072] [--repeats 30]
 *
 * Prints the median times (ms) and the ratio the issue targets (<= 2).
 */
#include "fwht.h"
#include "random-linear-code.h"
#include "random.h"

#include <Eigen/Dense>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace
{

double
MedianMs(const std::function<void()>& work, int repeats)
{
    std::vector<double> times;
    work(); // warm-up: page faults and caches
    for (int r = 0; r < repeats; ++r)
    {
        const auto start = std::chrono::steady_clock::now();
        work();
        times.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

size_t
Arg(int argc, char** argv, const char* name, size_t fallback)
{
    for (int i = 1; i + 1 < argc; ++i)
    {
        if (std::strcmp(argv[i], name) == 0)
        {
            return std::strtoull(argv[i + 1], nullptr, 10);
        }
    }
    return fallback;
}

} // namespace

int
main(int argc, char** argv)
{
    const size_t dim = Arg(argc, argv, "--dim", size_t{1} << 20);
    const size_t rows = Arg(argc, argv, "--rows", size_t{1} << 17);
    const int repeats = static_cast<int>(Arg(argc, argv, "--repeats", 30));
    if (!wfl::IsPowerOfTwo(dim))
    {
        std::fprintf(stderr, "bench-rlc: --dim must be a power of two\n");
        return 2;
    }

    wfl::Rng rng(1, "bench");
    std::vector<float> g(dim);
    for (float& x : g)
    {
        x = static_cast<float>(rng.Normal());
    }
    std::vector<float> work = g;
    const double fwhtMs = MedianMs(
        [&] {
            wfl::Fwht(work.data(), dim);
            wfl::Fwht(work.data(), dim);
        },
        repeats);

    std::printf("D = %zu, k = %zu (ratio %.4f), median of %d runs, single thread\n", dim, rows,
                static_cast<double>(rows) / static_cast<double>(dim), repeats);
    std::printf("%-34s %10.3f ms\n", "two in-place FWHTs of D floats", fwhtMs);
    for (size_t bucket : {size_t{4096}, size_t{65536}, dim})
    {
        if (bucket > dim)
        {
            continue;
        }
        const size_t perBucket = rows * bucket / dim;
        const wfl::RandomLinearCode code(dim, bucket, perBucket, 1, 1);
        std::vector<float> symbols(code.CodeLength());
        std::vector<float> estimate(dim);
        const double encodeMs = MedianMs([&] { code.Encode(g.data(), symbols.data()); }, repeats);
        const double decodeMs = MedianMs([&] { code.Decode(symbols.data(), estimate.data()); }, repeats);
        const double buildMs = MedianMs([&] { wfl::RandomLinearCode(dim, bucket, perBucket, 1, 2); }, 5);
        char label[64];
        std::snprintf(label, sizeof(label), "rlc bucket %zu: encode + decode", bucket);
        std::printf("%-34s %10.3f ms  (encode %.3f, decode %.3f; ratio to 2 FWHTs %.2f; "
                    "code set-up per round %.3f ms)\n",
                    label, encodeMs + decodeMs, encodeMs, decodeMs, (encodeMs + decodeMs) / fwhtMs,
                    buildMs);
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("peak RSS %.1f MB (update itself: %.1f MB)\n", usage.ru_maxrss / 1024.0,
                static_cast<double>(dim) * sizeof(float) / 1048576.0);
    return 0;
}
