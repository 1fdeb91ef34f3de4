/*
 * Fuzz target: the scenario parser (helper/scenario-config.cc).
 *
 * Every input is tried twice: as the bytes of a scenario INI file
 * (`wfl-run FILE`), and split at newlines and NUL bytes into command-line
 * arguments (`wfl-run ARG1 ARG2 ...`). In arguments '/' becomes '_', so that
 * a generated path never names a device or FIFO (reading /dev/zero as a
 * scenario never ends, as it would for a user who asked for it). Either may be rejected, but only with
 * a wfl::InputError whose message is one line; any other exception, crash,
 * sanitizer report or hang is a finding.
 */
#include "fuzz-util.h"
#include "input-error.h"
#include "scenario-config.h"

#include <string>
#include <vector>

namespace
{

void
ParseOrReject(const std::vector<std::string>& args)
{
    std::vector<const char*> argv;
    for (const std::string& a : args)
    {
        argv.push_back(a.c_str());
    }
    try
    {
        const wfl::ParsedArguments parsed = wfl::ParseArguments(static_cast<int>(argv.size()), argv.data());
        // The resolved configuration must print (wfl-run --print-config).
        (void)wfl::ToIni(parsed.config);
    }
    catch (const wfl::InputError& e)
    {
        wfl::fuzz::RequireOneLine("InputError", e.what());
    }
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const wfl::fuzz::TempFile scenario(".ini");
    scenario.Write(data, size);
    ParseOrReject({"wfl-run", scenario.Path()});

    std::vector<std::string> args{"wfl-run"};
    std::string current;
    for (size_t i = 0; i < size; ++i)
    {
        const char c = static_cast<char>(data[i]);
        if (c == '\n' || c == '\0')
        {
            args.push_back(current);
            current.clear();
        }
        else
        {
            current += c == '/' ? '_' : c;
        }
    }
    args.push_back(current);
    ParseOrReject(args);
    return 0;
}
