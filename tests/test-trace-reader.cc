/*
 * The trace reader on files wfl did not write the way it expects: every
 * defect is a one-line TraceReadError naming the file, never a crash, a hang
 * or an HDF5 error stack on stderr. fuzz/fuzz-trace-reader.cc tries random
 * files; these tests pin the defects it and the sanitizer build found.
 */
#include "test-util.h"

#include <hdf5.h>

#include <fstream>

#define EXPECT_CONTAINS(text, part)                                                      \
    EXPECT_NE(std::string(text).find(part), std::string::npos)                           \
        << "'" << (text) << "' does not contain '" << (part) << "'"

namespace
{

using wfl::ReadColumn;
using wfl::ReadRootAttribute;
using wfl::TraceReadError;

/// what() of the TraceReadError `f` throws; checks it is one line naming `path`.
template <typename F>
std::string
ReadErrorOf(const std::string& path, F f)
{
    try
    {
        f();
    }
    catch (const TraceReadError& e)
    {
        const std::string message = e.what();
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        EXPECT_EQ(message.rfind(path, 0), 0u) << message;
        return message;
    }
    ADD_FAILURE() << "no TraceReadError thrown";
    return "";
}

/// A file with a 3 x 4 double dataset /rounds/round, a 3-value int64 attribute
/// `complete`, a fixed-length (NULLPAD) string column /points/id = {"ab", "cd"}
/// and a variable-length one /points/status = {"complete", "failed"}.
std::string
WriteOddFile(const std::string& dir)
{
    const std::string path = dir + "/odd.h5";
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);

    const hsize_t matrix[2] = {3, 4};
    const double values[12] = {};
    hid_t space = H5Screate_simple(2, matrix, nullptr);
    hid_t ds = H5Dcreate2(file, "/rounds/round", H5T_IEEE_F64LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
    H5Dclose(ds);
    H5Sclose(space);

    const hsize_t three = 3;
    const int64_t flags[3] = {1, 1, 1};
    space = H5Screate_simple(1, &three, nullptr);
    const hid_t attr = H5Acreate2(file, "complete", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attr, H5T_NATIVE_INT64, flags);
    H5Aclose(attr);
    H5Sclose(space);

    const hsize_t two = 2;
    space = H5Screate_simple(1, &two, nullptr);
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, 2);
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    ds = H5Dcreate2(file, "/points/id", type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, "abcd");
    H5Dclose(ds);
    H5Tclose(type);
    type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    const char* status[2] = {"complete", "failed"};
    ds = H5Dcreate2(file, "/points/status", type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, status);
    H5Dclose(ds);
    H5Tclose(type);
    H5Sclose(space);
    H5Pclose(lcpl);
    H5Fclose(file);
    return path;
}

// Before: ReadColumn sized its buffer by the first dimension and let HDF5
// write all 12 values into 3 (AddressSanitizer: heap-buffer-overflow).
TEST(TraceReader, RejectsAColumnThatIsNotOneDimensional)
{
    const std::string path = WriteOddFile(wfltest::MakeTempDir("reader"));
    EXPECT_CONTAINS(ReadErrorOf(path, [&] { ReadColumn(path, "/rounds/round"); }), "rank 2");
}

// Before: ReadRootAttribute read a 3-value attribute into one int64 on the
// stack (AddressSanitizer: stack-buffer-overflow).
TEST(TraceReader, RejectsAnAttributeHoldingSeveralValues)
{
    const std::string path = WriteOddFile(wfltest::MakeTempDir("reader"));
    EXPECT_CONTAINS(ReadErrorOf(path, [&] { ReadRootAttribute(path, "complete"); }), "holds 3 values");
    EXPECT_FALSE(wfl::IsCompleteTrace(path));
}

// A memory type of the wrong padding would cut "ab" to "a".
TEST(TraceReader, ReadsFixedAndVariableLengthStrings)
{
    const std::string path = WriteOddFile(wfltest::MakeTempDir("reader"));
    EXPECT_EQ(wfl::ReadStringColumn(path, "/points/id"), (std::vector<std::string>{"ab", "cd"}));
    EXPECT_EQ(wfl::ReadStringColumn(path, "/points/status"),
              (std::vector<std::string>{"complete", "failed"}));
    EXPECT_EQ(ReadRootAttribute(path, "absent"), "");
}

TEST(TraceReader, EveryFailureIsOneLineNamingTheFile)
{
    const std::string dir = wfltest::MakeTempDir("reader");
    const std::string odd = WriteOddFile(dir);
    const std::string text = dir + "/text.h5";
    std::ofstream(text) << "not an HDF5 file\n";
    const std::string missing = dir + "/missing.h5";
    EXPECT_CONTAINS(ReadErrorOf(missing, [&] { ReadColumn(missing, "/rounds/round"); }), "no such file");
    EXPECT_CONTAINS(ReadErrorOf(text, [&] { ReadRootAttribute(text, "complete"); }), "file signature not found");
    EXPECT_CONTAINS(ReadErrorOf(odd, [&] { ReadColumn(odd, "/rounds/nope"); }), "no dataset /rounds/nope");
    EXPECT_CONTAINS(ReadErrorOf(odd, [&] { ReadColumn(odd, "/points/status"); }), "not a numeric column");
    EXPECT_CONTAINS(ReadErrorOf(odd, [&] { wfl::ReadStringColumn(odd, "/rounds/round"); }), "not a string");
    EXPECT_FALSE(wfl::IsCompleteTrace(missing));
    EXPECT_FALSE(wfl::IsCompleteTrace(text));
}

// A chunked column whose extent claims 2^40 rows with no data behind them:
// reading it would allocate 8 TiB. Before: std::bad_alloc (or the OOM killer).
TEST(TraceReader, RejectsASizeTheFileCannotHold)
{
    const std::string path = wfltest::MakeTempDir("reader") + "/huge.h5";
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t rows = hsize_t{1} << 40;
    const hsize_t unlimited = H5S_UNLIMITED;
    const hsize_t chunk = 1024;
    const hid_t space = H5Screate_simple(1, &rows, &unlimited);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Dclose(H5Dcreate2(file, "/x", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(file);
    EXPECT_CONTAINS(ReadErrorOf(path, [&] { ReadColumn(path, "/x"); }), "more than this file can hold");
}

// libhdf5 1.10.8 loops forever on this file (a global heap object of size 0,
// found by fuzz-trace-reader); the reader must reject it instead. A timeout of
// the test is the failure mode without the check.
TEST(TraceReader, RejectsACorruptGlobalHeapInsteadOfHanging)
{
    const std::string path = std::string(WFL_SOURCE_DIR) + "/fuzz/regressions/trace-reader/hdf5-hang-global-heap.h5";
    EXPECT_CONTAINS(ReadErrorOf(path, [&] { wfl::ReadStringColumn(path, "/points/status"); }),
                    "global heap at byte 2048: object 0 of 0 bytes");
    // The same file's numeric data, outside the heap, still reads.
    EXPECT_EQ(ReadColumn(path, "/points/exit_code"), (std::vector<double>{0, 2}));
    const std::string intact = std::string(WFL_SOURCE_DIR) + "/fuzz/corpus/trace-reader/index.h5";
    EXPECT_EQ(wfl::ReadStringColumn(intact, "/points/status"), (std::vector<std::string>{"complete", "failed"}));
}

// libhdf5 1.10.8 opens this file (the corpus trace with /rounds/round's layout
// dimensionality 2 -> 1: a rank-0 chunk on a 1-D column) and H5Dread on it
// never returns; the reader must refuse it. A timeout of the test is the
// failure mode without Reader::CheckChunks (tried: the replay hangs).
TEST(TraceReader, RejectsAChunkOfTheWrongRankInsteadOfHanging)
{
    const std::string path = std::string(WFL_SOURCE_DIR) + "/fuzz/regressions/trace-reader/hdf5-hang-chunk-rank-0.h5";
    EXPECT_CONTAINS(ReadErrorOf(path, [&] { ReadColumn(path, "/rounds/round"); }),
                    "/rounds/round has a chunk of rank 0");
    // The other column of the same file is intact and still reads.
    EXPECT_EQ(ReadColumn(path, "/rounds/test_accuracy").size(), 2U);
}

// A 12 kB file (found by fuzz-trace-reader) whose /points/exit_code claims
// 4,194,306 rows in chunks of 4: libhdf5 spent 3.6 s (over 10 s under ASan)
// looking up a million chunks in a corrupt index. Every chunk of a wfl trace
// is written, so more chunks than the file has 8-byte words is refused first.
TEST(TraceReader, RejectsMoreChunksThanTheFileCanIndex)
{
    const std::string path = std::string(WFL_SOURCE_DIR) + "/fuzz/regressions/trace-reader/hdf5-slow-1M-chunks.h5";
    EXPECT_CONTAINS(ReadErrorOf(path, [&] { ReadColumn(path, "/points/exit_code"); }),
                    "/points/exit_code claims 1048577 chunks of 4 rows, more than this file can index");
}

// The corpus sweep index with /points/status's second string pointing at a
// global heap beyond the file: libhdf5 1.10.8 had converted the first string
// ("complete", 9 bytes) into its own buffer and dropped it on the error path,
// a leak LeakSanitizer reported in a fuzz run. Read row by row, the first
// string is wfl's to free before the second read fails. The leak itself is
// caught by scripts/test --fuzz, which runs every regression input first as a
// seed with a leak check per input: with one read for the whole column it
// stops on this file ("a leak has been found in the initial corpus"; tried).
// The sanitizer build's replay does not see it (tried): LeakSanitizer finds
// the lost string still referenced there, so it is not a check of this.
TEST(TraceReader, AStringColumnWithABadHeapReferenceFailsOnItsRow)
{
    const std::string path =
        std::string(WFL_SOURCE_DIR) + "/fuzz/regressions/trace-reader/hdf5-leak-vlen-conversion.h5";
    EXPECT_CONTAINS(ReadErrorOf(path, [&] { wfl::ReadStringColumn(path, "/points/status"); }),
                    "cannot read /points/status row 1");
}

// A fuzzed trace whose /rounds/round is an integer of 100,663,304 bytes:
// libhdf5 1.10.8 read it through a conversion buffer it never got and
// crashed (SIGSEGV at address 0). The reader refuses numbers wider than 16
// bytes first; without the check this test crashes (tried: the replay does).
TEST(TraceReader, RejectsAHugeNumericTypeInsteadOfCrashing)
{
    const std::string path = std::string(WFL_SOURCE_DIR) + "/fuzz/regressions/trace-reader/hdf5-segv-96MB-integer.h5";
    EXPECT_CONTAINS(ReadErrorOf(path, [&] { ReadColumn(path, "/rounds/round"); }),
                    "/rounds/round has 100663304-byte numbers, expected 1 to 16 bytes");
}

// The same hang with the collection's signature intact but a reserved byte
// non-zero (fuzz-trace-reader): libhdf5 1.10.8 skips the reserved bytes and
// loads the collection, so the heap scan must match "GCOL" and the version
// alone. With the reserved bytes in the signature the scan missed it and the
// read hung (tried: the replay ran past 60 s).
TEST(TraceReader, RejectsACorruptGlobalHeapWithANonZeroReservedByte)
{
    const std::string path =
        std::string(WFL_SOURCE_DIR) + "/fuzz/regressions/trace-reader/hdf5-hang-global-heap-reserved-byte.h5";
    EXPECT_CONTAINS(ReadErrorOf(path, [&] { wfl::ReadStringColumn(path, "/points/status"); }),
                    "global heap at byte 2048");
}

} // namespace
