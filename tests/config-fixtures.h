/*
 * Helpers shared by the scenario-configuration tests (test-config*.cc):
 * parsing a command line as wfl-run does, writing a scenario file, and the
 * InputError message of a parse.
 */
#ifndef WFL_CONFIG_FIXTURES_H
#define WFL_CONFIG_FIXTURES_H

#include "input-error.h"
#include "scenario-config.h"
#include "test-util.h"

#include <fstream>
#include <string>
#include <vector>

namespace configtest
{

/// ParseArguments of `args` after argv[0] = "wfl-run".
inline wfl::ParsedArguments
Parse(std::vector<std::string> args)
{
    args.insert(args.begin(), "wfl-run");
    std::vector<const char*> argv;
    for (const std::string& a : args)
    {
        argv.push_back(a.c_str());
    }
    return wfl::ParseArguments(static_cast<int>(argv.size()), argv.data());
}

/// `text` written to scenario.ini in a fresh temp dir; returns its path.
inline std::string
WriteFile(const std::string& text)
{
    const std::string path = wfltest::MakeTempDir("cfg") + "/scenario.ini";
    std::ofstream(path) << text;
    return path;
}

/// The InputError message of parsing `args`, or "" if it parsed.
inline std::string
ErrorOf(const std::vector<std::string>& args)
{
    try
    {
        Parse(args);
    }
    catch (const wfl::InputError& e)
    {
        return e.what();
    }
    return "";
}

} // namespace configtest

#endif
