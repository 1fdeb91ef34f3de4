/*
 * Helpers shared by the tests: running wfl-run as a child process and
 * reading trace columns back.
 */
#ifndef WFL_TEST_UTIL_H
#define WFL_TEST_UTIL_H

#include "input-error.h"
#include "trace-reader.h"

#include <H5Cpp.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace wfltest
{

struct ProcessResult
{
    int exitCode = -1; ///< exit status, or 128 + signal
    std::string out;
    std::string err;
};

/// Run a program (argv[0] is the path) and collect its output.
ProcessResult Run(const std::vector<std::string>& argv);

/// A fresh empty directory under the test temp dir.
std::string MakeTempDir(const std::string& tag);

using wfl::ReadColumn;
using wfl::ReadRootAttribute;

/// what() of the InputError `f` throws; records a failure if it throws none.
template <typename F>
std::string
InputErrorOf(F f)
{
    try
    {
        f();
    }
    catch (const wfl::InputError& e)
    {
        return e.what();
    }
    ADD_FAILURE() << "no InputError thrown";
    return "";
}

/// Start argv (argv[0] is the path) with stdout and stderr on the given
/// descriptors; returns its pid.
pid_t Spawn(const std::vector<std::string>& argv, int stdoutFd, int stderrFd);

/// wfl-run arguments of a small synthetic scenario (5 clients, 8 rounds,
/// softmax); `overrides` replace or add keys ("run.rounds" -> "20").
std::vector<std::string> SyntheticRunArgs(const std::string& output,
                                          const std::map<std::string, std::string>& overrides = {});

} // namespace wfltest

#endif
