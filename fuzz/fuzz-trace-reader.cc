/*
 * Fuzz target: the HDF5 trace reader (helper/trace-reader.cc), as wfl-sweep
 * and the tests use it on traces and sweep indexes.
 *
 * The input is written to a file and read with every reader function, on the
 * names wfl writes. Each call returns or throws a one-line wfl::TraceReadError
 * and leaves no HDF5 identifier open (LeakSanitizer cannot see a forgotten one:
 * HDF5 keeps it reachable); any other exception, crash, abort, sanitizer
 * report or hang is a finding.
 */
#include "fuzz-util.h"
#include "trace-reader.h"

#include <hdf5.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace
{

/// Open HDF5 files, groups, datasets, attributes and datatypes (the library
/// keeps its predefined datatypes open; dataspaces are not counted by HDF5).
hsize_t
OpenIdentifiers()
{
    const ssize_t count = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (count < 0)
    {
        std::abort();
    }
    return static_cast<hsize_t>(count);
}

hsize_t
Baseline()
{
    static const hsize_t baseline = (H5open(), OpenIdentifiers());
    return baseline;
}

template <typename F>
void
ReadOrReject(F read)
{
    try
    {
        read();
    }
    catch (const wfl::TraceReadError& e)
    {
        wfl::fuzz::RequireOneLine("TraceReadError", e.what());
    }
    const hsize_t open = OpenIdentifiers();
    if (open != Baseline())
    {
        std::fprintf(stderr, "wfl-fuzz: %llu HDF5 identifiers open, %llu before\n",
                     static_cast<unsigned long long>(open), static_cast<unsigned long long>(Baseline()));
        std::abort();
    }
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const wfl::fuzz::TempFile trace(".h5");
    (void)Baseline();
    trace.Write(data, size);
    const std::string& path = trace.Path();
    ReadOrReject([&] { (void)wfl::IsCompleteTrace(path); });
    for (const char* name : {"complete", "config", "seed", "max_power_w", "num_params"})
    {
        ReadOrReject([&] { (void)wfl::ReadRootAttribute(path, name); });
    }
    for (const char* column : {"/rounds/round", "/rounds/test_accuracy", "/points/exit_code"})
    {
        ReadOrReject([&] { (void)wfl::ReadColumn(path, column); });
    }
    for (const char* column : {"/points/status", "/points/id"})
    {
        ReadOrReject([&] { (void)wfl::ReadStringColumn(path, column); });
    }
    return 0;
}
