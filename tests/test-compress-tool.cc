/*
 * wfl-compress and its strict .npy reader: malformed files are one-line
 * InputErrors (exit 2), and the study's numbers match QSGD's theory.
 */
#include "input-error.h"
#include "npy-reader.h"
#include "random.h"
#include "test-util.h"

#include <H5Cpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

using namespace wfl;

namespace
{

/// A .npy file's bytes: version `major`, header dict `dict` (padded), data bytes.
std::string
Npy(const std::string& dict, const std::string& data, int major = 1)
{
    std::string header = dict;
    const size_t prefix = major == 1 ? 10 : 12;
    while ((prefix + header.size() + 1) % 64 != 0)
    {
        header += ' ';
    }
    header += '\n';
    std::string out = std::string("\x93NUMPY") + static_cast<char>(major) + '\0';
    const size_t len = header.size();
    out += static_cast<char>(len & 0xff);
    out += static_cast<char>((len >> 8) & 0xff);
    if (major != 1)
    {
        out += std::string(2, '\0');
    }
    return out + header + data;
}

template <typename T>
std::string
Bytes(const std::vector<T>& values)
{
    return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

std::string
Dict(const std::string& descr, const std::string& shape)
{
    return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
}

std::string
ErrorOf(const std::string& bytes)
{
    try
    {
        ParseNpyVector(bytes, "g.npy");
    }
    catch (const InputError& e)
    {
        return e.what();
    }
    return "";
}

std::string
Field(const std::string& json, const std::string& key)
{
    const size_t at = json.find("\"" + key + "\": ");
    if (at == std::string::npos)
    {
        return "";
    }
    const size_t start = at + key.size() + 4;
    return json.substr(start, json.find_first_of(",}", start) - start);
}

} // namespace

TEST(NpyReader, ReadsFloat32AndFloat64VectorsOfEveryVersion)
{
    const std::vector<float> f{1.5f, -2.0f, 3.25f};
    const std::vector<double> d{0.1, -1e-3, 7.0};
    EXPECT_EQ(ParseNpyVector(Npy(Dict("<f4", "(3,)"), Bytes(f)), "a"), f);
    for (int major : {1, 2, 3})
    {
        const auto v = ParseNpyVector(Npy(Dict("<f8", "(3, )"), Bytes(d), major), "b");
        ASSERT_EQ(v.size(), 3u);
        EXPECT_EQ(v[0], 0.1f);
        EXPECT_EQ(v[1], -1e-3f);
    }
}

// Each malformation is one line naming the file. Break tried: accepting any
// dtype -> the '<i4' and '>f4' cases are not rejected (fails).
TEST(NpyReader, MalformedFilesAreOneLineErrors)
{
    const std::string three = Bytes(std::vector<float>{1, 2, 3});
    const std::vector<std::pair<std::string, std::string>> cases{
        {"magic", "\x93NUMPX" + Npy(Dict("<f4", "(3,)"), three).substr(6)},
        {"version", Npy(Dict("<f4", "(3,)"), three, 4)},
        {"runs past", Npy(Dict("<f4", "(3,)"), three).substr(0, 40)},
        {"dtype '<i4'", Npy(Dict("<i4", "(3,)"), three)},
        {"dtype '>f4'", Npy(Dict(">f4", "(3,)"), three)},
        {"is not (n,)", Npy(Dict("<f4", "(3, 1)"), three)},
        {"is not (n,)", Npy(Dict("<f4", "()"), three)},
        {"needs 12 data bytes, the file has 8", Npy(Dict("<f4", "(3,)"), three.substr(0, 8))},
        {"needs 12 data bytes, the file has 16", Npy(Dict("<f4", "(3,)"), three + "abcd")},
        {"no 'shape'", Npy("{'descr': '<f4', 'fortran_order': False}", three)},
        {"keys besides", Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': True}", three)},
        {"expected '{'", Npy("['descr']", three)},
        {"not a finite float32", Npy(Dict("<f4", "(3,)"), Bytes(std::vector<float>{1, NAN, 3}))},
        {"not a finite float32", Npy(Dict("<f8", "(1,)"), Bytes(std::vector<double>{1e300}))},
    };
    for (const auto& [expected, bytes] : cases)
    {
        const std::string error = ErrorOf(bytes);
        EXPECT_NE(error.find(expected), std::string::npos) << "expected '" << expected << "', got '" << error << "'";
        EXPECT_EQ(error.find('\n'), std::string::npos) << error;
        EXPECT_EQ(error.rfind("g.npy: ", 0), 0u) << error;
    }
}

// The tool on a 1000-vector with QSGD s = 1 (one bucket): bits 32 + 1000
// log2 3, unbiased (rel_bias ~ sqrt(rel_error / draws)), and rel_error_mean
// within 5% of the exact stochastic-rounding variance, itself below
// sqrt(n)/s. Break tried: decoding with s + 1 -> rel_error off by > 5% (fails).
TEST(CompressTool, QsgdStudyMatchesTheoryFromNpyAndHdf5)
{
    const std::string dir = wfltest::MakeTempDir("compress-tool");
    const size_t n = 1000;
    std::vector<double> g(n);
    Rng rng(1, "tool-g");
    for (double& x : g)
    {
        x = rng.Normal();
    }
    {
        std::ofstream(dir + "/g.npy", std::ios::binary) << Npy(Dict("<f8", "(1000,)"), Bytes(g));
        H5::H5File h5(dir + "/g.h5", H5F_ACC_TRUNC);
        const hsize_t dims[1] = {n};
        h5.createGroup("/grads");
        h5.createDataSet("/grads/g", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(1, dims))
            .write(g.data(), H5::PredType::NATIVE_DOUBLE);
    }
    // Exact variance of stochastic rounding with r = ||g|| (float, rounded up), s = 1.
    double norm = 0.0;
    for (double x : g)
    {
        norm += static_cast<double>(static_cast<float>(x)) * static_cast<float>(x);
    }
    norm = std::sqrt(norm);
    float r = static_cast<float>(norm);
    r = r < norm ? std::nextafter(r, INFINITY) : r;
    double exact = 0.0;
    for (double x : g)
    {
        const double d = std::abs(static_cast<float>(x)) / r;
        exact += double(r) * r * d * (1.0 - d);
    }
    exact /= norm * norm;
    for (const std::string& input : {dir + "/g.npy", dir + "/g.h5:/grads/g"})
    {
        const auto result = wfltest::Run({WFL_COMPRESS_BINARY, input, "--compression.levels", "1", "--draws", "400",
                                          "--seed", "3"});
        ASSERT_EQ(result.exitCode, 0) << result.err;
        const std::string& json = result.out;
        EXPECT_EQ(Field(json, "compressor"), "\"qsgd\"");
        EXPECT_EQ(Field(json, "dim"), "1000");
        EXPECT_EQ(Field(json, "draws"), "400");
        const double bits = std::stod(Field(json, "bits_raw"));
        EXPECT_NEAR(bits, 32.0 + 1000.0 * std::log2(3.0), 1e-9);
        EXPECT_NEAR(std::stod(Field(json, "gain")), 32000.0 / bits, 1e-9);
        const double err = std::stod(Field(json, "rel_error_mean"));
        EXPECT_NEAR(err / exact, 1.0, 0.05) << json;
        EXPECT_LT(exact, std::sqrt(1000.0));
        EXPECT_LT(std::stod(Field(json, "rel_bias")), 3.0 * std::sqrt(exact / 400.0)) << json;
        EXPECT_LE(std::stod(Field(json, "bits_entropy")), bits);
    }
}

TEST(CompressTool, BadInputIsExitTwoWithOneLine)
{
    const std::string dir = wfltest::MakeTempDir("compress-tool-bad");
    std::ofstream(dir + "/bad.npy", std::ios::binary) << "not numpy";
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{dir + "/bad.npy"}, {dir + "/missing.npy"}, {dir + "/x.h5:/nope"},
          {dir + "/bad.npy", "--compression.widgets", "3"}, {dir + "/bad.npy", "--draws", "0"},
          {dir + "/bad.npy", "--compression.link", "pipe"}, {"--compression.levels", "2"}})
    {
        std::vector<std::string> argv{WFL_COMPRESS_BINARY};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto result = wfltest::Run(argv);
        EXPECT_EQ(result.exitCode, 2) << args[0] << " " << result.err;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    }
}
