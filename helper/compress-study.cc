#include "compress-study.h"

#include "compressor-registry.h"
#include "input-error.h"
#include "key-parsing.h"
#include "npy-reader.h"
#include "saved-updates.h"
#include "shortest-double.h"
#include "trace-reader.h"

#include <H5Cpp.h>

#include <cmath>
#include <limits>
#include <set>
#include <sstream>

namespace wfl
{
namespace
{

const KeySpec*
CompressionKey(const std::string& name)
{
    if (name.rfind("compression.", 0) != 0 || name == "compression.link")
    {
        return nullptr;
    }
    for (const KeySpec& key : ScenarioKeys())
    {
        if (key.name == name)
        {
            return &key;
        }
    }
    return nullptr;
}

std::string
Quote(const std::string& s)
{
    std::string out = "\"";
    for (char c : s)
    {
        out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    }
    return out + "\"";
}

} // namespace

CompressStudyArguments
ParseCompressStudyArguments(int argc, const char* const* argv)
{
    CompressStudyArguments a;
    a.config.codingScheme = "digital";
    a.config.compressionLink = "pipe";
    // One vector sent as client 0: a run of one client (the inert-key rules
    // and the compressor's run facts see the same count).
    a.config.clients = 1;
    std::set<std::string> given;
    for (int i = 1; i < argc; ++i)
    {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h")
        {
            a.helpRequested = true;
            return a;
        }
        if (arg.rfind("--", 0) != 0)
        {
            if (!a.input.empty())
            {
                throw InputError("wfl-compress: a second INPUT '" + arg + "' (expected one)");
            }
            a.input = arg;
            continue;
        }
        const std::string name = arg.substr(2);
        if (i + 1 >= argc)
        {
            throw InputError("wfl-compress: " + arg + " needs a value");
        }
        const std::string value = argv[++i];
        if (name == "draws")
        {
            a.draws = static_cast<uint32_t>(ParseUnsignedKey("--draws", value, 1, 100000000));
        }
        else if (name == "tensor")
        {
            if (TrimKey(value).empty())
            {
                throw InputError("--tensor: expected a tensor name (TRACE.h5:/updates/layout/name lists them)");
            }
            a.tensor = value;
        }
        else if (name == "seed")
        {
            a.seed = ParseUnsignedKey("--seed", value, 0, std::numeric_limits<int64_t>::max());
        }
        else if (name == "compression.link")
        {
            throw InputError("compression.link: wfl-compress has no channel (an error-free pipe); set the "
                             "budget with compression.bits");
        }
        else if (const KeySpec* key = CompressionKey(name))
        {
            given.insert(name);
            key->apply(value, a.config);
        }
        else
        {
            throw InputError("wfl-compress: unknown option " + arg + " (wfl-compress --help lists them)");
        }
    }
    if (a.input.empty())
    {
        throw InputError("wfl-compress: no INPUT (a 1-D .npy file or FILE.h5:/dataset)");
    }
    CheckGivenKeysTakeEffect(a.config, given);
    return a;
}

namespace
{

std::vector<float>
ReadHdf5Vector(const std::string& input, size_t colon)
{
    const std::string file = input.substr(0, colon + 3);
    const std::string dataset = input.substr(colon + 4);
    std::vector<double> values;
    try
    {
        H5::Exception::dontPrint();
        H5::H5File h5(file, H5F_ACC_RDONLY);
        H5::DataSet ds = h5.openDataSet(dataset);
        if (ds.getSpace().getSimpleExtentNdims() != 1)
        {
            throw InputError(input + ": not a 1-D dataset");
        }
        values = ReadColumn(file, dataset);
    }
    catch (const H5::Exception& e)
    {
        throw InputError(input + ": cannot read the dataset (" + e.getDetailMsg() + ")");
    }
    if (values.empty())
    {
        throw InputError(input + ": empty dataset");
    }
    std::vector<float> g(values.size());
    for (size_t i = 0; i < values.size(); ++i)
    {
        if (!std::isfinite(values[i]) || std::abs(values[i]) > 3.4028234663852886e38)
        {
            throw InputError(input + ": entry " + std::to_string(i) + " is not a finite float32");
        }
        g[i] = static_cast<float>(values[i]);
    }
    return g;
}

} // namespace

StudyInput
ReadStudyInput(const std::string& input, const std::string& tensor)
{
    const size_t colon = input.find(".h5:");
    StudyInput study;
    if (colon == std::string::npos)
    {
        if (!tensor.empty())
        {
            throw InputError("--tensor " + tensor + ": INPUT " + input +
                             " has no layout (only FILE.h5:/updates/round_R/client_C of a trace with saved "
                             "updates has one)");
        }
        study.values = ReadNpyVector(input);
        return study;
    }
    study.values = ReadHdf5Vector(input, colon);
    const std::string file = input.substr(0, colon + 3);
    const bool hasLayout = HasSavedLayout(file);
    size_t dim = 0;
    if (hasLayout)
    {
        study.layout = ReadSavedLayout(file);
        dim = study.layout.back().offset + study.layout.back().Size();
    }
    if (!tensor.empty() && (!hasLayout || dim != study.values.size()))
    {
        throw InputError("--tensor " + tensor + ": " + input + " is not a saved update with a layout (" +
                         (hasLayout ? std::to_string(study.values.size()) + " entries, the layout has " +
                                          std::to_string(dim)
                                    : file + " has no " + kSavedLayoutGroup) +
                         ")");
    }
    if (dim != study.values.size())
    {
        study.layout.clear(); // another vector of the file: no layout
        return study;
    }
    if (!tensor.empty())
    {
        TensorLayout t = FindTensor(study.layout, tensor, file);
        study.values = std::vector<float>(study.values.begin() + static_cast<std::ptrdiff_t>(t.offset),
                                          study.values.begin() + static_cast<std::ptrdiff_t>(t.offset + t.Size()));
        t.offset = 0;
        study.layout = {t};
    }
    return study;
}

std::string
RunCompressStudy(const CompressStudyArguments& a, const StudyInput& input)
{
    const std::vector<float>& g = input.values;
    const ScenarioConfig& c = a.config;
    // One vector, sent as client 0 in a round of its own: a run of one client.
    const std::unique_ptr<Compressor> compressor =
        BuildCompressor(c.compressionScheme, c.compressionValues, CompressorRunFacts{c.clients});
    const size_t dim = g.size();
    const Eigen::Map<const Eigen::VectorXf> gv(g.data(), static_cast<Eigen::Index>(dim));
    const double norm2 = gv.cast<double>().squaredNorm();
    if (!(norm2 > 0.0))
    {
        throw InputError(a.input + ": the vector is zero (relative errors undefined)");
    }
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim));
    double bitsRaw = 0.0, bitsEntropy = 0.0, errSum = 0.0, errSq = 0.0;
    for (uint32_t d = 0; d < a.draws; ++d)
    {
        CompressionContext context;
        context.seed = a.seed;
        context.round = d;
        context.client = 0;
        context.bitBudget = c.compressionBits > 0.0 ? c.compressionBits : std::numeric_limits<double>::infinity();
        context.layout = input.layout.empty() ? nullptr : &input.layout;
        std::unique_ptr<ClientState> state = compressor->NewClientState(dim);
        const CompressedMessage m = compressor->Encode(g.data(), dim, context, state.get());
        if (!m.fits)
        {
            throw InputError("compression.bits = " + ShortestDouble(c.compressionBits) + ": compression.scheme = " +
                             c.compressionScheme + " cannot fit a message of " + std::to_string(dim) +
                             " entries in it");
        }
        std::unique_ptr<RoundDecoder> decoder = compressor->NewRoundDecoder(dim);
        decoder->Add(m, 1.0, context);
        const Eigen::VectorXd hat = decoder->Finish().cast<double>();
        const double e = (hat - gv.cast<double>()).squaredNorm() / norm2;
        sum += hat;
        errSum += e;
        errSq += e * e;
        bitsRaw += m.bitsRaw / a.draws;
        bitsEntropy += m.bitsEntropy / a.draws;
    }
    const double n = a.draws;
    const double mean = errSum / n;
    const double var = a.draws > 1 ? std::max(0.0, (errSq - n * mean * mean) / (n - 1.0)) : 0.0;
    const double bias = (sum / n - gv.cast<double>()).norm() / std::sqrt(norm2);
    std::ostringstream json;
    json << "{\"compressor\": " << Quote(c.compressionScheme)
         << (a.tensor.empty() ? "" : ", \"tensor\": " + Quote(a.tensor)) << ", \"dim\": " << dim << ", \"draws\": " << a.draws
         << ", \"seed\": " << a.seed << ", \"bits_raw\": " << ShortestDouble(bitsRaw)
         << ", \"bits_entropy\": " << ShortestDouble(bitsEntropy)
         << ", \"gain\": " << ShortestDouble(32.0 * static_cast<double>(dim) / bitsRaw)
         << ", \"rel_error_mean\": " << ShortestDouble(mean) << ", \"rel_error_std\": " << ShortestDouble(std::sqrt(var))
         << ", \"rel_bias\": " << ShortestDouble(bias) << ", \"keys\": {";
    bool first = true;
    for (const auto& [key, value] : ResolvedKeys(c))
    {
        if (key.rfind("compression.", 0) == 0 && key != "compression.link")
        {
            json << (first ? "" : ", ") << Quote(key) << ": " << Quote(value);
            first = false;
        }
    }
    json << "}}";
    return json.str();
}

std::string
CompressStudyUsage()
{
    std::ostringstream os;
    os << "usage: wfl-compress INPUT [--compression.KEY VALUE ...] [--draws N] [--seed S] [--tensor NAME]\n\n"
          "INPUT: a 1-D .npy file (float32 or float64) or FILE.h5:/path/to/dataset, e.g. a saved\n"
          "update TRACE.h5:/updates/round_0003/client_0001 of wfl-run --save-updates (its stored\n"
          "layout goes to the compressor as in the run; --tensor NAME studies one tensor alone,\n"
          "e.g. dense0.weight; the names are in TRACE.h5:/updates/layout/name).\n"
          "Compresses and decodes INPUT N times (default 100) with independent shared randomness\n"
          "(seed S, default 1) over an error-free pipe of compression.bits per message (0 = no budget)\n"
          "and prints one JSON line: compressor, dim, draws, bits_raw, bits_entropy, gain = 32 dim /\n"
          "bits_raw, rel_error_mean and rel_error_std of ||g_hat - g||^2 / ||g||^2, rel_bias =\n"
          "||mean(g_hat) - g|| / ||g||.\n\nCompression keys (as in wfl-run):\n";
    for (const KeySpec& key : ScenarioKeys())
    {
        if (key.name.rfind("compression.", 0) == 0 && key.name != "compression.link")
        {
            os << "  " << key.name << " (" << (key.unit.empty() ? "-" : key.unit) << "; " << key.range << ")\n      "
               << key.help << "\n";
        }
    }
    os << "\nExit codes: 0 done, 1 internal error, 2 bad input.\n";
    return os.str();
}

} // namespace wfl
