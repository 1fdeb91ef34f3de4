/*
 * Issue 10 section 6: encode + decode speed of every registered compressor
 * (built through the registry, so a new registration is timed without an
 * edit here) on a 2^20-float Gaussian vector, single thread, beside two
 * references measured in the same run:
 *   - two in-place FWHTs of the same length (model/numeric/fwht.h), the
 *     target of QCS (within 2x);
 *   - one pass of memory traffic over the vector: a scaled copy y = a x
 *     (reads 4 MiB, writes 4 MiB), the target of the scalar quantizers
 *     (within 2x), measured twice: hot (the same 4 MiB each time, so from
 *     the caches, as the compressors' input is here) and cold (24 different
 *     vector pairs in turn, 192 MiB, so each pass streams from DRAM, as a
 *     round's many client updates would);
 *   - D draws of the serial generator (Rng) and of the lane generator
 *     (UniformLanes), the floor of any method drawing one number per entry;
 *   - the histogram of D symbols over about 10^4 values (SymbolCounter's
 *     tables), the floor of an exact entropy over QSGD's unbudgeted alphabet.
 * Times are thread CPU time (CLOCK_THREAD_CPUTIME_ID: other processes on a
 * loaded machine do not count), the median of --repeats runs after one
 * warm-up. The vector is one [1024 x 1024] tensor, so per-tensor and
 * per-layer-matrix methods (TernGrad's scale, PowerSGD) see a real matrix.
 * Every compressor runs at its registered defaults (no bit budget), unless
 * --set scheme.key=value overrides one (repeatable); --bits B gives every
 * message a budget of B bits per entry. Without --bits, QSGD is also timed at
 * 8 bits per entry (its unbudgeted default, s = 2^20 at 21 bits an entry, is
 * no compression), and the floor of its unbudgeted exact entropy (the
 * histogram and one draw per entry, measured here) is printed against the
 * cold pass.
 *
 *   bench-compressors [--repeats R] [--only SCHEME] [--set qcs.levels=2] [--bits 2]
 */
#include "compressor-registry.h"
#include "fwht.h"
#include "random.h"
#include "symbol-counter.h"
#include "uniform-lanes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace
{

double
ThreadCpuSeconds()
{
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

/// Median thread CPU time of `work` in ms over `repeats` runs after a warm-up.
double
MedianMs(const std::function<void()>& work, int repeats)
{
    work();
    std::vector<double> times;
    for (int r = 0; r < repeats; ++r)
    {
        const double start = ThreadCpuSeconds();
        work();
        times.push_back(1e3 * (ThreadCpuSeconds() - start));
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

/// Which reference a scheme's target is measured against ("" = no target).
std::string
TargetOf(const std::string& scheme)
{
    static const std::map<std::string, std::string> targets{
        {"qcs", "fwht"},       {"qsgd", "memory"},    {"terngrad", "memory"}, {"signsgd", "memory"},
        {"ef-sign", "memory"}, {"dqsg", "memory"},    {"ndqsg", "memory"},    {"isgq", "memory"},
        {"isgq-lloyd-max", "memory"}}; // a flat vector has no factors: its direct scalar quantizer
    const auto it = targets.find(scheme);
    return it == targets.end() ? "" : it->second;
}

/// FNV-1a over the decoded vector's bytes and the message's bit counts, as hex.
std::string
Checksum(const wfl::CompressedMessage& message, const std::vector<float>& decoded)
{
    uint64_t h = 1469598103934665603ULL;
    auto mix = [&h](const void* data, size_t bytes) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (size_t i = 0; i < bytes; ++i)
        {
            h = (h ^ p[i]) * 1099511628211ULL;
        }
    };
    mix(decoded.data(), decoded.size() * sizeof(float));
    mix(&message.bitsRaw, sizeof(double));
    mix(&message.bitsEntropy, sizeof(double));
    char text[20];
    std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(h));
    return text;
}

/// The run's reference times (ms) the targets are measured against.
struct References
{
    double hotMemory;
    double coldMemory;
    double fwht;
};

/// Times one compressor's Encode, Decode and RoundDecoder::Add on g (median
/// of `repeats`), prints its row as `label`, and returns "label checksum".
std::string
TimeCompressor(const std::string& scheme,
               const std::string& label,
               const wfl::CompressorValues& values,
               double bitsPerEntry,
               const std::vector<float>& g,
               const wfl::ParameterLayout& layout,
               const References& refs,
               int repeats)
{
    const size_t dim = g.size();
    const auto compressor = wfl::BuildCompressor(scheme, values, {1});
    std::unique_ptr<wfl::ClientState> state = compressor->NewClientState(dim);
    wfl::CompressionContext context;
    context.layout = &layout;
    if (bitsPerEntry > 0.0)
    {
        context.bitBudget = bitsPerEntry * static_cast<double>(dim);
    }
    std::vector<float> out(dim);
    wfl::CompressedMessage message;
    const double encodeMs =
        MedianMs([&] { message = compressor->Encode(g.data(), dim, context, state.get()); }, repeats);
    const double decodeMs = MedianMs([&] { compressor->Decode(message, dim, context, out.data()); }, repeats);
    // A round decoder as the uplink uses it: built once per round, one Add
    // per client (repeated Adds of the same message time the per-client cost).
    const std::unique_ptr<wfl::RoundDecoder> round = compressor->NewRoundDecoder(dim);
    const double addMs = MedianMs([&] { round->Add(message, 1.0, context); }, repeats);
    const double sum = encodeMs + decodeMs;
    const std::string target = TargetOf(scheme);
    const auto meets = [&](double reference) { return sum <= 2.0 * reference ? "yes" : "no"; };
    std::string verdict = "-";
    if (target == "fwht")
    {
        verdict = meets(refs.fwht);
    }
    else if (target == "memory")
    {
        verdict = std::string(meets(refs.hotMemory)) + "/" + meets(refs.coldMemory);
    }
    std::printf("%-22s %9.3f %9.3f %9.3f %9.3f %8.3f %8.2f %8.2f %9.2f %-10s %s\n", label.c_str(), encodeMs,
                decodeMs, addMs, sum, message.bitsRaw / static_cast<double>(dim), sum / refs.hotMemory,
                sum / refs.coldMemory, sum / refs.fwht, target.empty() ? "-" : ("2x " + target).c_str(),
                verdict.c_str());
    return label + " " + Checksum(message, out);
}


struct Options
{
    int repeats = 7;
    double bitsPerEntry = 0.0; ///< 0: no bit budget
    std::string only;
    std::map<std::string, wfl::CompressorValues> values; ///< scheme -> key -> text
};

Options
ParseOptions(int argc, char** argv)
{
    Options o;
    for (int i = 1; i + 1 < argc; i += 2)
    {
        const std::string flag = argv[i];
        const std::string value = argv[i + 1];
        if (flag == "--repeats")
        {
            o.repeats = std::max(1, std::atoi(value.c_str()));
        }
        else if (flag == "--bits")
        {
            o.bitsPerEntry = std::atof(value.c_str());
        }
        else if (flag == "--only")
        {
            o.only = value;
        }
        else if (flag == "--set")
        {
            const size_t dot = value.find('.');
            const size_t eq = value.find('=');
            if (dot == std::string::npos || eq == std::string::npos || eq < dot)
            {
                std::fprintf(stderr, "--set expects scheme.key=value, got %s\n", value.c_str());
                std::exit(2);
            }
            o.values[value.substr(0, dot)][value.substr(dot + 1, eq - dot - 1)] = value.substr(eq + 1);
        }
        else
        {
            std::fprintf(stderr, "unknown option %s\n", flag.c_str());
            std::exit(2);
        }
    }
    return o;
}

} // namespace

int
main(int argc, char** argv)
{
    const Options options = ParseOptions(argc, argv);
    const size_t side = 1024;
    const size_t dim = side * side;
    wfl::Rng rng(1, "bench-compressors");
    std::vector<float> g(dim);
    for (float& x : g)
    {
        x = static_cast<float>(rng.Normal());
    }
    const wfl::ParameterLayout layout{{"w", {side, side}, 0}};

    // One pass of memory traffic: y = a x over D floats.
    std::vector<float> copy(dim);
    float scale = 0.5F;
    const double memoryMs = MedianMs(
        [&] {
            for (size_t i = 0; i < dim; ++i)
            {
                copy[i] = scale * g[i];
            }
            scale = copy[dim / 2] == 0.0F ? 0.5F : 0.5F + 1e-7F; // keep the loop from being hoisted
        },
        options.repeats);
    // The same pass from DRAM: kColdPairs (x, y) pairs of D floats in turn,
    // 192 MiB in all, six times the last-level cache of the machines used.
    constexpr size_t kColdPairs = 24;
    std::vector<std::vector<float>> coldIn(kColdPairs, g);
    std::vector<std::vector<float>> coldOut(kColdPairs, std::vector<float>(dim));
    size_t coldNext = 0;
    const double coldMemoryMs = MedianMs(
        [&] {
            const float* x = coldIn[coldNext].data();
            float* y = coldOut[coldNext].data();
            for (size_t i = 0; i < dim; ++i)
            {
                y[i] = scale * x[i];
            }
            scale = y[dim / 2] == 0.0F ? 0.5F : 0.5F + 1e-7F;
            coldNext = (coldNext + 1) % kColdPairs;
        },
        std::max(options.repeats, static_cast<int>(2 * kColdPairs)));
    coldIn.clear();
    coldOut.clear();
    // Two FWHTs multiply by D: rescale by 1/D each time so values stay finite;
    // the rescale pass is timed alone and subtracted (as bench-qcs-gain does).
    std::vector<float> work = g;
    const float inverse = 1.0F / static_cast<float>(dim);
    auto rescale = [&] {
        for (float& x : work)
        {
            x *= inverse;
        }
    };
    const double rescaleMs = MedianMs(rescale, options.repeats);
    const double fwhtMs = MedianMs(
                              [&] {
                                  wfl::Fwht(work.data(), dim);
                                  wfl::Fwht(work.data(), dim);
                                  rescale();
                              },
                              options.repeats) -
                          rescaleMs;

    // The floor of any method drawing one shared random number per entry
    // (dither, stochastic rounding): D draws of the named-stream generator
    // (random.h, xoshiro256++ with a serial state), summed so none is elided.
    double drawSum = 0.0;
    const double drawsMs = MedianMs(
        [&] {
            wfl::Rng draws(1, "bench-draws");
            for (size_t i = 0; i < dim; ++i)
            {
                drawSum += draws.Uniform();
            }
        },
        options.repeats);

    std::vector<float> laneDraws(dim);
    const double laneDrawsMs = MedianMs(
        [&] {
            wfl::Rng parent(1, "bench-draws");
            wfl::UniformLanes lanes(parent);
            lanes.Fill(laneDraws.data(), dim);
            drawSum += laneDraws[dim / 2];
        },
        options.repeats);

    // The floor of an exact entropy over a wide alphabet: QSGD's symbols at
    // its unbudgeted default (s = 2^20, levels |g_i| s / ||g|| of a Gaussian,
    // about 10^4 values) counted by SymbolCounter's tables, one load and one
    // store per symbol.
    std::vector<int32_t> wideSymbols(dim);
    for (size_t i = 0; i < dim; ++i)
    {
        wideSymbols[i] = static_cast<int32_t>(std::lround(g[i] * 1024.0F));
    }
    const auto [wideLo, wideHi] = std::minmax_element(wideSymbols.begin(), wideSymbols.end());
    size_t histogramSum = 0;
    const double histogramMs = MedianMs(
        [&] {
            wfl::SymbolCounter counter(*wideLo, *wideHi);
            counter.Add(wideSymbols.data(), dim);
            histogramSum += counter.Counts()[static_cast<size_t>(-*wideLo)];
        },
        options.repeats);

    std::printf("D = 2^20 floats as one [1024 x 1024] tensor, single thread, thread CPU time, median of %d\n",
                options.repeats);
    std::printf("%-34s %9.3f ms\n", "one memory pass, hot (y = a x)", memoryMs);
    std::printf("%-34s %9.3f ms\n", "one memory pass, cold (DRAM)", coldMemoryMs);
    std::printf("%-34s %9.3f ms\n", "two in-place FWHTs", fwhtMs);
    std::printf("%-34s %9.3f ms\n", "D uniform draws (Rng::Uniform)", drawsMs);
    std::printf("%-34s %9.3f ms  (sum %.1f)\n", "D uniform draws (UniformLanes)", laneDrawsMs, drawSum);
    std::printf("%-34s %9.3f ms  (%d values, %zu at 0)\n\n", "histogram of D wide symbols", histogramMs,
                *wideHi - *wideLo + 1, histogramSum);
    std::vector<std::string> checksums;
    std::printf("%-22s %9s %9s %9s %9s %8s %8s %8s %9s %-10s %s\n", "compressor", "enc ms", "dec ms", "add ms",
                "sum ms", "bits/D", "x hot", "x cold", "x 2 FWHT", "target", "meets (hot/cold)");
    const References refs{memoryMs, coldMemoryMs, fwhtMs};
    const auto valuesOf = [&options](const std::string& scheme) {
        const auto given = options.values.find(scheme);
        return given == options.values.end() ? wfl::CompressorValues{} : given->second;
    };
    for (const wfl::CompressorRegistration& r : wfl::CompressorRegistry())
    {
        if (!options.only.empty() && r.scheme != options.only)
        {
            continue;
        }
        checksums.push_back(TimeCompressor(r.scheme, r.scheme, valuesOf(r.scheme), options.bitsPerEntry, g, layout,
                                           refs, options.repeats));
    }
    const bool qsgdTimed = options.only.empty() || options.only == "qsgd";
    if (qsgdTimed && options.bitsPerEntry == 0.0)
    {
        // QSGD as the sweeps run it: its unbudgeted default (s = 2^20, 21
        // bits an entry) is no compression, and its exact entropy needs a
        // histogram of about 10^4 values.
        checksums.push_back(
            TimeCompressor("qsgd", "qsgd, 8 b/entry", valuesOf("qsgd"), 8.0, g, layout, refs, options.repeats));
        std::printf("\nqsgd's unbudgeted floor: the histogram of its alphabet (%.3f ms, above) and one draw\n"
                    "per entry (%.3f ms) alone are %.2fx a cold memory pass, before the quantizer's norm,\n"
                    "rounding and decode.\n",
                    histogramMs, laneDrawsMs, (histogramMs + laneDrawsMs) / coldMemoryMs);
    }
    std::printf("\nenc ms + dec ms = sum (lone Decode); add ms: RoundDecoder::Add, the per-client decode\n"
                "cost inside a round. Output checksums (FNV-1a of the decoded vector and the bits; a\n"
                "speed change must leave them unchanged):\n");
    for (const std::string& c : checksums)
    {
        std::printf("  %s\n", c.c_str());
    }
    return 0;
}
