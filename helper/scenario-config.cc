#include "scenario-config.h"

#include "compression-keys.h"
#include "compressor-registry.h"
#include "compute-speed.h"
#include "input-error.h"
#include "key-parsing.h"
#include "trace-keys.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

namespace po = boost::program_options;

namespace wfl
{
namespace
{

/// On the command line a key may be repeated (the last one wins, as when
/// appending an override to a saved command); in a file it may not.
po::options_description
ScenarioOptions(bool repeatable)
{
    po::options_description options("scenario keys");
    for (const KeySpec& key : ScenarioKeys())
    {
        if (repeatable)
        {
            options.add_options()(key.name.c_str(), po::value<std::vector<std::string>>(),
                                  key.help.c_str());
        }
        else
        {
            options.add_options()(key.name.c_str(), po::value<std::string>(), key.help.c_str());
        }
    }
    return options;
}

po::options_description
ProgramOptions()
{
    po::options_description options("program options");
    options.add_options()("help,h", "print every key with unit, default and range, then exit")(
        "config", po::value<std::string>(), "scenario INI file")(
        "overwrite", "replace an existing output file")(
        "print-config", "print the resolved configuration as INI, then exit");
    return options;
}

/// A [sweep] section is wfl-sweep's: wfl-run would otherwise report its keys
/// as unknown, or (worse) run the base scenario as if it were the sweep.
void
RejectSweepSection(std::istream& file, const std::string& path)
{
    std::string line;
    while (std::getline(file, line))
    {
        const size_t first = line.find_first_not_of(" \t");
        const size_t last = line.find_last_not_of(" \t\r");
        if (first != std::string::npos && line.substr(first, last - first + 1) == "[sweep]")
        {
            throw InputError(path + ": has a [sweep] section; run it with wfl-sweep (wfl-run runs "
                             "one scenario)");
        }
    }
    file.clear();
    file.seekg(0);
}

/// Replace each `from` in `text` by `to`, scanning past every replacement.
void
ReplaceEach(std::string& text, const std::string& from, const std::string& to)
{
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    {
        text.replace(at, from.size(), to);
    }
}

/**
 * The message of a Boost.Program_options error about an option. Boost 1.74's
 * what() substitutes placeholders with `while (find("%x%")) replace`, which
 * never ends when the user's token contains its own placeholder
 * (`wfl-run --x=%original_token%` hung and grew without bound; found by
 * fuzz-scenario-config), and substitutes again inside values already put in.
 * This is the same substitution in one pass over Boost's template: the
 * user's text is copied as it is.
 */
class OptionErrorMessage : public po::error_with_option_name
{
  public:
    explicit OptionErrorMessage(const po::error_with_option_name& e)
        : po::error_with_option_name(e)
    {
    }

    std::string Text() const
    {
        std::string pattern = m_error_template;
        std::map<std::string, std::string> values(m_substitutions);
        values["canonical_option"] = get_canonical_option_name();
        values["prefix"] = get_canonical_option_prefix();
        for (const auto& [name, fallback] : m_substitution_defaults)
        {
            if (values[name].empty())
            {
                ReplaceEach(pattern, fallback.first, fallback.second); // Boost's own text
            }
        }
        std::string text;
        for (size_t at = 0; at < pattern.size();)
        {
            const size_t end = pattern[at] == '%' ? pattern.find('%', at + 1) : std::string::npos;
            const auto value = end == std::string::npos ? values.end()
                                                        : values.find(pattern.substr(at + 1, end - at - 1));
            if (value == values.end())
            {
                text += pattern[at++];
                continue;
            }
            text += value->second;
            at = end + 1;
        }
        return text;
    }
};

/// A one-line message for any Boost.Program_options error.
std::string
OptionsErrorText(const po::error& e)
{
    if (const auto* named = dynamic_cast<const po::error_with_option_name*>(&e))
    {
        return OptionErrorMessage(*named).Text();
    }
    return e.what();
}

} // namespace

ParsedArguments
ParseArguments(int argc, const char* const* argv)
{
    ParsedArguments parsed;
    for (int i = 0; i < argc; ++i)
    {
        parsed.commandLine += (i ? " " : "") + std::string(argv[i]);
    }
    po::options_description all;
    all.add(ProgramOptions()).add(ScenarioOptions(true));
    po::positional_options_description positional;
    positional.add("config", 1);

    // --save-updates ROUNDS is wfl-run's short name of trace.save-updates (trace-keys.h).
    std::vector<std::string> args(argv, argv + argc);
    for (std::string& arg : args)
    {
        if (arg == "--save-updates" || arg.rfind("--save-updates=", 0) == 0)
        {
            arg.replace(0, 14, "--trace.save-updates");
        }
    }
    std::vector<const char*> argp;
    for (const std::string& arg : args)
    {
        argp.push_back(arg.c_str());
    }
    po::variables_map vm;
    try
    {
        po::store(po::command_line_parser(argc, argp.data()).options(all).positional(positional).run(), vm);
    }
    catch (const po::error& e)
    {
        throw InputError("command line: " + OptionsErrorText(e) + " (wfl-run --help lists every key)");
    }
    parsed.helpRequested = vm.count("help") > 0;
    if (parsed.helpRequested)
    {
        return parsed;
    }
    parsed.overwrite = vm.count("overwrite") > 0;
    parsed.printConfig = vm.count("print-config") > 0;
    po::variables_map fileValues;
    if (vm.count("config"))
    {
        parsed.configFile = vm["config"].as<std::string>();
        std::ifstream file(parsed.configFile);
        if (!file)
        {
            throw InputError("config: cannot open scenario file " + parsed.configFile);
        }
        RejectSweepSection(file, parsed.configFile);
        try
        {
            po::store(po::parse_config_file(file, ScenarioOptions(false), false), fileValues);
        }
        catch (const po::error& e)
        {
            throw InputError(parsed.configFile + ": " + OptionsErrorText(e) +
                             " (wfl-run --help lists every key)");
        }
    }
    for (const KeySpec& key : ScenarioKeys())
    {
        // The command line wins over the file.
        if (vm.count(key.name))
        {
            key.apply(vm[key.name].as<std::vector<std::string>>().back(), parsed.config);
            parsed.givenKeys.insert(key.name);
        }
        else if (fileValues.count(key.name))
        {
            key.apply(fileValues[key.name].as<std::string>(), parsed.config);
            parsed.givenKeys.insert(key.name);
        }
    }
    // Keys valid alone but not together.
    ValidateComputeSpeed(parsed.config.computeDistribution, parsed.config.computeSpread);
    CheckGivenKeysTakeEffect(parsed.config, parsed.givenKeys);
    CheckCoordination(parsed.config);
    CheckTraceKeys(parsed.config);
    // The compressor's own checks (a combination its keys' ranges cannot
    // express, e.g. a power-of-two bucket) at parse time, as --print-config
    // and sweeps see them: building it is cheap.
    if (parsed.config.codingScheme == "digital")
    {
        BuildCompressor(parsed.config.compressionScheme, parsed.config.compressionValues,
                        RunFacts(parsed.config));
    }
    return parsed;
}

void
PrintKeyTable(std::ostream& os)
{
    const ScenarioConfig defaults;
    // Wide enough for the longest key name plus a space.
    size_t width = 4;
    size_t unitWidth = 6;
    for (const KeySpec& key : ScenarioKeys())
    {
        width = std::max(width, key.name.size() + 2);
        unitWidth = std::max(unitWidth, key.unit.size() + 2);
    }
    const int units = static_cast<int>(unitWidth);
    os << std::left << std::setw(static_cast<int>(width)) << "key" << std::setw(units) << "unit" << std::setw(36)
       << "default" << "accepted\n";
    for (const KeySpec& key : ScenarioKeys())
    {
        os << std::left << std::setw(static_cast<int>(width)) << key.name << std::setw(units)
           << (key.unit.empty() ? "-" : key.unit) << std::setw(36) << key.show(defaults)
           << key.range << "\n"
           << std::setw(4) << "" << key.help << "\n";
    }
}

std::map<std::string, std::string>
ResolvedKeys(const ScenarioConfig& config)
{
    std::map<std::string, std::string> values;
    for (const KeySpec& key : ScenarioKeys())
    {
        values[key.name] = key.show(config);
    }
    return values;
}

std::string
ToIni(const ScenarioConfig& config, bool markInert)
{
    std::map<std::string, std::string> inert;
    if (markInert)
    {
        for (const InertKey& key : InertKeys(config))
        {
            inert[key.key] = key.condition;
        }
    }
    // "# key = value  (no effect unless ...)": reads back unset.
    auto line = [&](const KeySpec& key, const std::string& name) {
        const auto it = inert.find(key.name);
        if (it == inert.end())
        {
            return name + " = " + key.show(config) + "\n";
        }
        return "# " + name + " = " + key.show(config) + "  (no effect unless " + it->second + ")\n";
    };
    std::vector<std::string> names;
    for (const KeySpec& key : ScenarioKeys())
    {
        names.push_back(key.name);
    }
    return FormatIniKeys(names, [&](size_t i, const std::string& name) { return line(ScenarioKeys()[i], name); });
}

} // namespace wfl
