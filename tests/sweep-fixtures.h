/*
 * Helpers shared by the wfl-sweep tests (test-sweep*.cc): the binary and a
 * dry run's listing.
 */
#ifndef WFL_SWEEP_FIXTURES_H
#define WFL_SWEEP_FIXTURES_H

#include "test-util.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace sweeptest
{

inline const std::string kSweep = WFL_SWEEP_BINARY;

/// The lines wfl-sweep `args` --dry-run prints (one per point); expects exit 0.
inline std::vector<std::string>
DryRun(const std::vector<std::string>& args)
{
    std::vector<std::string> all = args;
    all.push_back("--dry-run");
    const auto result = wfltest::Run(all);
    EXPECT_EQ(result.exitCode, 0) << result.err;
    std::vector<std::string> lines;
    std::istringstream stream(result.out);
    std::string line;
    while (std::getline(stream, line))
    {
        lines.push_back(line);
    }
    return lines;
}

} // namespace sweeptest

#endif
