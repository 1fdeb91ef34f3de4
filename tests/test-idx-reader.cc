// Tests of the IDX reader and the Fashion-MNIST loader on small generated files
// in a private temporary directory (never the network, never /usr/share).

#include "dataset.h"
#include "idx-reader.h"
#include "input-error.h"

#include "test-util.h"

#include "idx-fixtures.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sys/resource.h>

using namespace wfl;

namespace
{

using wfltest::Bytes;
using wfltest::IdxBytes;
using wfltest::WriteGz;

Bytes
Pattern(size_t n, unsigned mul = 37)
{
    Bytes out(n);
    for (size_t i = 0; i < n; ++i)
    {
        out[i] = static_cast<uint8_t>((i * mul + 11) % 256);
    }
    return out;
}

void
WriteRaw(const std::string& path, const Bytes& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good()) << path;
}

Bytes
ReadFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Bytes
ImagePixels(int count)
{
    Bytes pixels = Pattern(static_cast<size_t>(count) * 28 * 28, 101);
    pixels[0] = 255; // image 0, row 0, column 0
    pixels[28 * 28 + 28 * 2 + 5] = 0; // image 1, row 2, column 5
    return pixels;
}

Bytes
LabelValues(int count)
{
    Bytes labels(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i)
    {
        labels[static_cast<size_t>(i)] = static_cast<uint8_t>((i * 3) % 10);
    }
    return labels;
}


#define EXPECT_CONTAINS(text, part)                                                      \
    EXPECT_NE(std::string(text).find(part), std::string::npos)                           \
        << "'" << (text) << "' does not contain '" << (part) << "'"

class IdxReaderTest : public testing::Test
{
  protected:
    void SetUp() override
    {
        std::string base = testing::TempDir();
        if (base.empty() || base.back() != '/')
        {
            base += '/';
        }
        std::string templ = base + "wfl-idx-XXXXXX";
        ASSERT_NE(mkdtemp(templ.data()), nullptr);
        m_dir = templ;
    }

    void TearDown() override
    {
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
    }

    std::string Path(const std::string& name) const
    {
        return m_dir + "/" + name;
    }

    std::string m_dir;
};

} // namespace

TEST_F(IdxReaderTest, RoundTripRank1AndRank3RawAndGzip)
{
    const Bytes labels = Pattern(17, 3);
    const Bytes images = Pattern(4 * 5 * 6);
    WriteRaw(Path("l.idx"), IdxBytes({17}, labels));
    WriteGz(Path("l.idx.gz"), IdxBytes({17}, labels));
    WriteRaw(Path("i.idx"), IdxBytes({4, 5, 6}, images));
    WriteGz(Path("i.idx.gz"), IdxBytes({4, 5, 6}, images));
    // The gzip files really are compressed (magic 1f 8b), not stored raw.
    ASSERT_EQ(ReadFile(Path("i.idx.gz")).at(0), 0x1f);

    for (const char* name : {"l.idx", "l.idx.gz"})
    {
        const IdxArray a = ReadIdx(Path(name));
        EXPECT_EQ(a.dims, std::vector<uint32_t>{17}) << name;
        EXPECT_EQ(a.data, labels) << name;
    }
    for (const char* name : {"i.idx", "i.idx.gz"})
    {
        const IdxArray a = ReadIdx(Path(name));
        EXPECT_EQ(a.dims, (std::vector<uint32_t>{4, 5, 6})) << name;
        EXPECT_EQ(a.data, images) << name;
    }
}

TEST_F(IdxReaderTest, MissingFileNamesPath)
{
    const std::string path = Path("no-such-file.gz");
    EXPECT_CONTAINS(wfltest::InputErrorOf([&] { ReadIdx(path); }), path);
}

TEST_F(IdxReaderTest, BadMagic)
{
    Bytes bytes = IdxBytes({3}, Pattern(3));
    bytes[2] = 0x09; // signed-byte type code, not unsigned byte
    WriteRaw(Path("int8.idx"), bytes);
    const std::string msg = wfltest::InputErrorOf([&] { ReadIdx(Path("int8.idx")); });
    EXPECT_CONTAINS(msg, "magic");
    EXPECT_CONTAINS(msg, Path("int8.idx"));

    WriteGz(Path("text.gz"), Bytes{'h', 'e', 'l', 'l', 'o', '\n'});
    EXPECT_CONTAINS(wfltest::InputErrorOf([&] { ReadIdx(Path("text.gz")); }), "magic");
}

TEST_F(IdxReaderTest, TruncatedHeader)
{
    WriteRaw(Path("empty.idx"), Bytes{});
    EXPECT_CONTAINS(wfltest::InputErrorOf([&] { ReadIdx(Path("empty.idx")); }), "truncated");
    // Rank 3 declared, only two dimensions present.
    Bytes bytes = IdxBytes({2, 3, 4}, {});
    bytes.resize(bytes.size() - 2);
    WriteGz(Path("short-dims.gz"), bytes);
    EXPECT_CONTAINS(wfltest::InputErrorOf([&] { ReadIdx(Path("short-dims.gz")); }), "truncated");
}

TEST_F(IdxReaderTest, TruncatedPayload)
{
    Bytes bytes = IdxBytes({2, 3, 4}, Pattern(24));
    bytes.pop_back();
    WriteRaw(Path("short.idx"), bytes);
    WriteGz(Path("short.idx.gz"), bytes);
    for (const char* name : {"short.idx", "short.idx.gz"})
    {
        const std::string msg = wfltest::InputErrorOf([&] { ReadIdx(Path(name)); });
        EXPECT_CONTAINS(msg, "truncated");
        EXPECT_CONTAINS(msg, Path(name));
    }
}

TEST_F(IdxReaderTest, TrailingBytes)
{
    Bytes bytes = IdxBytes({5}, Pattern(5));
    bytes.push_back(0);
    WriteRaw(Path("long.idx"), bytes);
    WriteGz(Path("long.idx.gz"), bytes);
    for (const char* name : {"long.idx", "long.idx.gz"})
    {
        EXPECT_CONTAINS(wfltest::InputErrorOf([&] { ReadIdx(Path(name)); }), "trailing");
    }
}

TEST_F(IdxReaderTest, CorruptGzipStream)
{
    // A valid gzip member header (deflate, no flags, OS unix) then garbage:
    // 0xff starts a deflate block of the reserved type 3.
    Bytes bytes{0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03};
    bytes.insert(bytes.end(), 64, 0xff);
    WriteRaw(Path("garbage.gz"), bytes);
    const std::string msg = wfltest::InputErrorOf([&] { ReadIdx(Path("garbage.gz")); });
    EXPECT_CONTAINS(msg, Path("garbage.gz"));
    EXPECT_CONTAINS(msg, "corrupt");
}

TEST_F(IdxReaderTest, GzipCutInTheMiddle)
{
    // Pseudo-random payload compresses poorly, so half the file is mid-payload.
    Bytes payload(20 * 28 * 28);
    uint32_t state = 12345;
    for (uint8_t& b : payload)
    {
        state = state * 1664525u + 1013904223u;
        b = static_cast<uint8_t>(state >> 24);
    }
    WriteGz(Path("full.gz"), IdxBytes({20, 28, 28}, payload));
    ASSERT_EQ(ReadIdx(Path("full.gz")).data, payload);
    Bytes whole = ReadFile(Path("full.gz"));
    ASSERT_GT(whole.size(), 1000u);
    whole.resize(whole.size() / 2);
    WriteRaw(Path("cut.gz"), whole);
    EXPECT_CONTAINS(wfltest::InputErrorOf([&] { ReadIdx(Path("cut.gz")); }), Path("cut.gz"));
}

TEST_F(IdxReaderTest, LoadFashionMnistTinyDirectory)
{
    const uint32_t counts[2] = {12, 5};
    const char* prefixes[2] = {"train", "t10k"};
    for (int s = 0; s < 2; ++s)
    {
        const std::string p = Path(prefixes[s]);
        WriteGz(p + "-images-idx3-ubyte.gz",
                IdxBytes({counts[s], 28, 28}, ImagePixels(static_cast<int>(counts[s]))));
        WriteGz(p + "-labels-idx1-ubyte.gz",
                IdxBytes({counts[s]}, LabelValues(static_cast<int>(counts[s]))));
    }
    const TrainTestData data = LoadFashionMnist(m_dir);
    const Dataset* splits[2] = {&data.train, &data.test};
    for (int s = 0; s < 2; ++s)
    {
        const Dataset& d = *splits[s];
        ASSERT_EQ(d.Count(), counts[s]);
        ASSERT_EQ(d.Dim(), 784);
        EXPECT_EQ(d.numClasses, 10);
        const Bytes labels = LabelValues(static_cast<int>(counts[s]));
        EXPECT_EQ(d.labels, std::vector<int>(labels.begin(), labels.end()));
        Eigen::MatrixXf f;
        d.CopyColumns(0, d.Count(), f);
        EXPECT_GE(f.minCoeff(), 0.0f);
        EXPECT_LE(f.maxCoeff(), 1.0f);
        EXPECT_FLOAT_EQ(f(0, 0), 1.0f);
        EXPECT_EQ(f(2 * 28 + 5, 1), 0.0f);
        // Every pixel, column i = image i in row-major order, scaled by 1/255.
        const Bytes pixels = ImagePixels(static_cast<int>(counts[s]));
        for (Eigen::Index i = 0; i < d.Count(); ++i)
        {
            for (Eigen::Index k = 0; k < 784; ++k)
            {
                ASSERT_NEAR(f(k, i), pixels[static_cast<size_t>(i * 784 + k)] / 255.0f, 1e-6f)
                    << "pixel " << k << " of image " << i;
            }
        }
    }
}

TEST_F(IdxReaderTest, LoadFashionMnistUncompressedFallback)
{
    WriteRaw(Path("train-images-idx3-ubyte"), IdxBytes({3, 28, 28}, ImagePixels(3)));
    WriteRaw(Path("train-labels-idx1-ubyte"), IdxBytes({3}, LabelValues(3)));
    WriteGz(Path("t10k-images-idx3-ubyte.gz"), IdxBytes({2, 28, 28}, ImagePixels(2)));
    WriteGz(Path("t10k-labels-idx1-ubyte.gz"), IdxBytes({2}, LabelValues(2)));
    const TrainTestData data = LoadFashionMnist(m_dir);
    EXPECT_EQ(data.train.Count(), 3);
    EXPECT_EQ(data.test.Count(), 2);
}

TEST_F(IdxReaderTest, LoadFashionMnistMismatchedCounts)
{
    WriteGz(Path("train-images-idx3-ubyte.gz"), IdxBytes({12, 28, 28}, ImagePixels(12)));
    WriteGz(Path("train-labels-idx1-ubyte.gz"), IdxBytes({11}, LabelValues(11)));
    WriteGz(Path("t10k-images-idx3-ubyte.gz"), IdxBytes({5, 28, 28}, ImagePixels(5)));
    WriteGz(Path("t10k-labels-idx1-ubyte.gz"), IdxBytes({5}, LabelValues(5)));
    const std::string msg = wfltest::InputErrorOf([&] { LoadFashionMnist(m_dir); });
    EXPECT_CONTAINS(msg, "12 images");
    EXPECT_CONTAINS(msg, "11 labels");
}

TEST_F(IdxReaderTest, LoadFashionMnistEmptyDirectory)
{
    const std::string msg = wfltest::InputErrorOf([&] { LoadFashionMnist(m_dir); });
    EXPECT_CONTAINS(msg, "data.path");
    EXPECT_CONTAINS(msg, m_dir);
}

// A 26-byte file declaring 4096 x 4096 x 1024 bytes (16 GiB, the largest size
// accepted). Before: ReadIdx allocated and zeroed all 16 GiB before finding
// the payload truncated (std::bad_alloc under `ulimit -v 4000000`, or 16 GB of
// RSS). Now memory grows with the bytes read: the peak stays below 256 MiB
// (the test process itself uses about 10 MB).
TEST_F(IdxReaderTest, HugeDeclaredSizeInATinyFileTakesNoMemory)
{
    WriteRaw(Path("huge.idx"), IdxBytes({4096, 4096, 1024}, Pattern(10)));
    WriteGz(Path("huge.idx.gz"), IdxBytes({4096, 4096, 1024}, Pattern(10)));
    for (const char* name : {"huge.idx", "huge.idx.gz"})
    {
        EXPECT_CONTAINS(wfltest::InputErrorOf([&] { ReadIdx(Path(name)); }),
                        "truncated payload (10 of 17179869184 bytes)");
    }
    struct rusage usage;
    ASSERT_EQ(getrusage(RUSAGE_SELF, &usage), 0);
    EXPECT_LT(usage.ru_maxrss, 256 * 1024) << "peak RSS in KiB";
}
