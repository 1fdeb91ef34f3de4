#include "repurpose-keys.h"

#include "inference-keys.h"

#include "input-error.h"
#include "key-parsing.h"
#include "shortest-double.h"

#include <fstream>
#include <iomanip>
#include <sstream>

namespace wfl
{
namespace
{

using C = RepurposeToolConfig;

std::vector<std::string>
SplitList(const std::string& raw)
{
    std::vector<std::string> items;
    std::stringstream in(raw);
    std::string item;
    while (std::getline(in, item, ','))
    {
        items.push_back(item);
    }
    return items;
}

template <typename Access>
RepurposeToolKey
IntKey(std::string name, std::string unit, uint64_t lo, uint64_t hi, Access access, std::string help)
{
    RepurposeToolKey key{name, std::move(unit), "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
                         std::move(help), nullptr, nullptr};
    key.apply = [name, lo, hi, access](const std::string& text, C& c) {
        access(c) = static_cast<std::remove_reference_t<decltype(access(c))>>(ParseUnsignedKey(name, text, lo, hi));
    };
    key.show = [access](const C& c) { return std::to_string(access(const_cast<C&>(c))); };
    return key;
}

template <typename Access>
RepurposeToolKey
ChoiceKey(std::string name, std::vector<std::string> choices, Access access, std::string help)
{
    std::string range;
    for (const std::string& choice : choices)
    {
        range += (range.empty() ? "" : " | ") + choice;
    }
    RepurposeToolKey key{name, "", range, std::move(help), nullptr, nullptr};
    key.apply = [name, choices, range, access](const std::string& raw, C& c) {
        const std::string text = TrimKey(raw);
        for (const std::string& choice : choices)
        {
            if (text == choice)
            {
                access(c) = text;
                return;
            }
        }
        RejectKey(name, raw, "one of " + range);
    };
    key.show = [access](const C& c) { return access(const_cast<C&>(c)); };
    return key;
}

template <typename Access>
RepurposeToolKey
PathKey(std::string name, Access access, std::string help)
{
    RepurposeToolKey key{name, "path", "non-empty path", std::move(help), nullptr, nullptr};
    key.apply = [name, access](const std::string& raw, C& c) {
        const std::string text = TrimKey(raw);
        if (text.empty())
        {
            RejectKey(name, raw, "a non-empty path");
        }
        access(c) = text;
    };
    key.show = [access](const C& c) { return access(const_cast<C&>(c)); };
    return key;
}

/// A list of reals in [lo, hi]; empty allowed only if allowEmpty.
template <typename Access>
RepurposeToolKey
RealListKey(std::string name, std::string unit, double lo, double hi, bool allowEmpty, Access access, std::string help)
{
    const std::string range = std::string(allowEmpty ? "empty or " : "") + "comma-separated numbers in [" +
                              ShortestDouble(lo) + ", " + ShortestDouble(hi) + "]";
    RepurposeToolKey key{name, std::move(unit), range, std::move(help), nullptr, nullptr};
    key.apply = [name, lo, hi, allowEmpty, range, access](const std::string& raw, C& c) {
        std::vector<double> values;
        if (!TrimKey(raw).empty())
        {
            for (const std::string& item : SplitList(raw))
            {
                values.push_back(ParseRealKey(name, item, lo, hi, false));
            }
        }
        if (values.empty() && !allowEmpty)
        {
            RejectKey(name, raw, range);
        }
        access(c) = values;
    };
    key.show = [access](const C& c) {
        std::string text;
        for (double v : access(const_cast<C&>(c)))
        {
            text += (text.empty() ? "" : ",") + ShortestDouble(v);
        }
        return text;
    };
    return key;
}

RepurposeToolKey
WorkersKey()
{
    RepurposeToolKey key{"repurpose.workers", "workers", "comma-separated integers in [1, 1024]",
                         "worker counts K, one set of results each (--workers is short for it)", nullptr,
                         nullptr};
    key.apply = [range = key.range](const std::string& raw, C& c) {
        std::vector<int> values;
        for (const std::string& item : SplitList(raw))
        {
            values.push_back(static_cast<int>(ParseUnsignedKey("repurpose.workers", item, 1, 1024)));
        }
        if (values.empty())
        {
            RejectKey("repurpose.workers", raw, range);
        }
        c.workers = values;
    };
    key.show = [](const C& c) {
        std::string text;
        for (int v : c.workers)
        {
            text += (text.empty() ? "" : ",") + std::to_string(v);
        }
        return text;
    };
    return key;
}

std::vector<RepurposeToolKey>
BuildKeys()
{
    std::vector<RepurposeToolKey> keys;
    keys.push_back(WorkersKey());
    keys.push_back(ChoiceKey("repurpose.input", {"source", "split"}, [](C& c) -> std::string& { return c.input; },
        "network input: a source node sends each worker the features it uses (cnn: the conv front end "
        "runs there), or contiguous feature blocks held by the workers"));
    keys.push_back(RealListKey("repurpose.budget", "fraction", 0.0, 1.0, false,
        [](C& c) -> std::vector<double>& { return c.budgets; },
        "settings: cross units kept per layer, as fractions of the naive split's cross units "
        "(magnitude and repurpose at the same budget)"));
    keys.push_back(RealListKey("repurpose.rho", "Z^2/sample", 0.0, 1e12, true,
        [](C& c) -> std::vector<double>& { return c.rhos; },
        "settings instead of repurpose.budget: cost per kept cross unit (l0 weight); magnitude "
        "then keeps as many units per layer as repurpose did"));
    keys.push_back(IntKey("repurpose.iterations", "iterations", 1, 100, [](C& c) -> int& { return c.iterations; },
        "assignment/pruning alternations per layer"));
    keys.push_back(IntKey("repurpose.sweeps", "sweeps", 0, 100, [](C& c) -> int& { return c.sweeps; },
        "Hungarian sweeps of the initial assignment (0 = contiguous blocks)"));
    keys.push_back(ChoiceKey("repurpose.refit", {"true", "false"}, [](C& c) -> std::string& { return c.refit; },
        "least-squares refit of the kept weights on calibration activations"));
    RepurposeToolKey ridge{"repurpose.ridge", "", "[0, 1e6]", "proximal weight of the refit (relative to the "
                           "mean input power)", nullptr, nullptr};
    ridge.apply = [](const std::string& t, C& c) { c.ridge = ParseRealKey("repurpose.ridge", t, 0.0, 1e6, false); };
    ridge.show = [](const C& c) { return ShortestDouble(c.ridge); };
    keys.push_back(ridge);
    keys.push_back(ChoiceKey("repurpose.unit", {"activation", "weight"}, [](C& c) -> std::string& { return c.unit; },
        "what the l0 budget counts: activation transfers (input j to worker k) or single cross weights"));
    keys.push_back(ChoiceKey("repurpose.assign-cost", {"saliency", "magnitude"},
        [](C& c) -> std::string& { return c.assignCost; },
        "assignment cost of a cross weight: w^2 times the input's mean square, or |w|"));
    keys.push_back(IntKey("repurpose.calibration", "samples", 1, 60000,
        [](C& c) -> uint32_t& { return c.calibration; }, "calibration inputs: the first N training images"));
    keys.push_back(PathKey("data.path", [](C& c) -> std::string& { return c.dataPath; },
        "directory with the Fashion-MNIST IDX files (test set for accuracy, training set for calibration)"));
    keys.push_back(IntKey("data.test-samples", "samples", 0, 10000, [](C& c) -> uint32_t& { return c.testSamples; },
        "test on the first N test images (0 = all 10000)"));
    AddInferenceToolKeys(keys);
    keys.push_back(PathKey("output", [](C& c) -> std::string& { return c.output; },
        "HDF5 result to write (never overwritten without --overwrite)"));
    return keys;
}

const RepurposeToolKey*
FindKey(const std::string& name)
{
    for (const RepurposeToolKey& key : RepurposeToolKeys())
    {
        if (key.name == name)
        {
            return &key;
        }
    }
    return nullptr;
}

/// INI file: "[section]" headers and "key = value" lines; '#' and ';' start comments.
void
ReadIni(const std::string& path, RepurposeToolArguments& a, const std::set<std::string>& given)
{
    std::ifstream file(path);
    if (!file)
    {
        throw InputError("config: cannot open " + path);
    }
    std::string line, section;
    for (int number = 1; std::getline(file, line); ++number)
    {
        const std::string text = TrimKey(line.substr(0, line.find_first_of("#;")));
        const std::string where = path + ":" + std::to_string(number);
        if (text.empty())
        {
            continue;
        }
        if (text.front() == '[' && text.back() == ']')
        {
            section = TrimKey(text.substr(1, text.size() - 2));
            continue;
        }
        const size_t eq = text.find('=');
        if (eq == std::string::npos)
        {
            throw InputError(where + ": expected 'key = value' or '[section]'");
        }
        const std::string name = (section.empty() ? "" : section + ".") + TrimKey(text.substr(0, eq));
        const RepurposeToolKey* key = FindKey(name);
        if (key == nullptr)
        {
            throw InputError(where + ": unknown key " + name + " (wfl-repurpose --help lists every key)");
        }
        if (!given.count(name)) // the command line wins
        {
            key->apply(text.substr(eq + 1), a.config);
            a.givenKeys.insert(name);
        }
    }
}

} // namespace

const std::vector<RepurposeToolKey>&
RepurposeToolKeys()
{
    static const std::vector<RepurposeToolKey> keys = BuildKeys();
    return keys;
}

RepurposeToolArguments
ParseRepurposeArguments(int argc, const char* const* argv)
{
    RepurposeToolArguments a;
    std::string configFile;
    for (int i = 0; i < argc; ++i)
    {
        a.commandLine += (i ? " " : "") + std::string(argv[i]);
    }
    for (int i = 1; i < argc; ++i)
    {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h")
        {
            a.helpRequested = true;
            return a;
        }
        if (arg == "--overwrite")
        {
            a.overwrite = true;
            continue;
        }
        if (arg.rfind("--", 0) != 0)
        {
            if (!a.config.model.empty())
            {
                throw InputError("wfl-repurpose: a second MODEL '" + arg + "' (expected one)");
            }
            a.config.model = arg;
            continue;
        }
        if (i + 1 >= argc)
        {
            throw InputError("wfl-repurpose: " + arg + " needs a value");
        }
        const std::string value = argv[++i];
        const std::string name = arg == "--workers" ? "repurpose.workers" : arg.substr(2);
        if (name == "config")
        {
            configFile = value;
            continue;
        }
        const RepurposeToolKey* key = FindKey(name);
        if (key == nullptr)
        {
            throw InputError("wfl-repurpose: unknown option " + arg + " (wfl-repurpose --help lists every key)");
        }
        key->apply(value, a.config);
        a.givenKeys.insert(name);
    }
    if (!configFile.empty())
    {
        const std::set<std::string> commandLineKeys = a.givenKeys;
        ReadIni(configFile, a, commandLineKeys);
    }
    if (a.config.model.empty())
    {
        throw InputError("wfl-repurpose: no MODEL (a model file or a trace with a /model group)");
    }
    if (a.givenKeys.count("repurpose.budget") && a.givenKeys.count("repurpose.rho"))
    {
        throw InputError("repurpose.rho: set either repurpose.budget or repurpose.rho, not both");
    }
    return a;
}

std::string
RepurposeUsage()
{
    std::ostringstream os;
    os << "usage: wfl-repurpose MODEL [--config FILE.ini] [--workers K[,K...]] [--KEY VALUE ...]\n"
          "                     [--output FILE.h5] [--overwrite]\n\n"
          "Restructures the dense layers of a saved model (wfl-run --trace.save-model FILE or\n"
          "--trace.model true) for parallel inference on K workers with four methods (naive split,\n"
          "direct parallel, magnitude pruning, RePurpose) over a list of settings, and writes test\n"
          "accuracy, cross-worker bytes per inference, per-worker FLOPs, the assignment and the\n"
          "objective history to an HDF5 result (docs/repurpose.md, \"wfl-repurpose\").\n"
          "Every key can be set in the INI file ([repurpose] workers = 2,4) or on the command line\n"
          "(--repurpose.workers 2,4); the command line wins.\n\n";
    const RepurposeToolConfig defaults;
    os << std::left << std::setw(24) << "key" << std::setw(12) << "unit" << std::setw(40) << "default"
       << "accepted\n";
    for (const RepurposeToolKey& key : RepurposeToolKeys())
    {
        os << std::left << std::setw(24) << key.name << std::setw(12) << (key.unit.empty() ? "-" : key.unit)
           << std::setw(40) << key.show(defaults) << key.range << "\n    " << key.help << "\n";
    }
    os << "\nExit codes: 0 done, 1 internal error, 2 bad input.\n";
    return os.str();
}

std::string
RepurposeIni(const RepurposeToolConfig& config)
{
    std::ostringstream os;
    os << "# model = " << config.model << "\n";
    std::vector<std::string> names;
    for (const RepurposeToolKey& key : RepurposeToolKeys())
    {
        names.push_back(key.name);
    }
    os << FormatIniKeys(names, [&](size_t i, const std::string& name) {
        return name + " = " + RepurposeToolKeys()[i].show(config) + "\n";
    });
    return os.str();
}

RepurposeConfig
BaseRepurposeConfig(const RepurposeToolConfig& c, int workers)
{
    RepurposeConfig r;
    r.workers = workers;
    r.input = c.input == "split" ? InputPlacement::kSplit : InputPlacement::kSource;
    r.assignCost = c.assignCost == "magnitude" ? AssignCost::kMagnitude : AssignCost::kSaliency;
    r.sweeps = c.sweeps;
    r.iterations = c.iterations;
    r.unit = c.unit == "weight" ? PruneUnit::kWeight : PruneUnit::kActivation;
    r.refit = c.refit == "true";
    r.ridge = c.ridge;
    return r;
}

} // namespace wfl
