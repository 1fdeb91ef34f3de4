#include "sweep-runner.h"

#include "input-error.h"
#include "scenario-runner.h"
#include "trace-reader.h"

#include <H5Cpp.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace wfl
{
namespace
{

void
MakeDirectory(const std::string& path)
{
    for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1))
    {
        const std::string dir = pos == std::string::npos ? path : path.substr(0, pos);
        if (mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
        {
            throw InputError("out: cannot create directory " + dir + " (" + std::strerror(errno) + ")");
        }
        if (pos == std::string::npos)
        {
            return;
        }
    }
}

std::string
TailLines(const std::string& path, size_t count)
{
    std::ifstream file(path);
    std::deque<std::string> lines;
    std::string line;
    while (std::getline(file, line))
    {
        lines.push_back(line);
        if (lines.size() > count)
        {
            lines.pop_front();
        }
    }
    std::string text;
    for (const std::string& l : lines)
    {
        text += l + "\n";
    }
    return text;
}

std::string
Describe(const SweepPoint& point)
{
    std::string text;
    for (const auto& [key, value] : point.axisValues)
    {
        text += value.empty() ? "" : key + "=" + value + " "; // "": axis not applied
    }
    return text + "seed=" + std::to_string(point.seed);
}

std::string
FormatSeconds(double s)
{
    char text[32];
    const long total = static_cast<long>(s + 0.5);
    if (total >= 3600)
    {
        std::snprintf(text, sizeof(text), "%ldh%02ldm", total / 3600, (total / 60) % 60);
    }
    else
    {
        std::snprintf(text, sizeof(text), "%ldm%02lds", total / 60, total % 60);
    }
    return text;
}

/// Start one point; returns the child's pid.
pid_t
Launch(const SweepPoint& point, const SweepRunOptions& options)
{
    const std::string base = options.outDir + "/points/" + point.id;
    ScenarioConfig config = point.config;
    config.output = base + ".h5";
    if (config.threads == 0)
    {
        // Share the cores among the points running at once.
        config.threads = std::max(1u, std::thread::hardware_concurrency() / std::max(1u, options.jobs));
    }
    {
        std::ofstream ini(base + ".ini");
        ini << "# wfl-sweep point " << point.id << ": " << Describe(point) << "\n" << ToIni(config);
    }
    std::remove((base + ".failed").c_str());
    const int log = open((base + ".log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const pid_t pid = fork();
    if (pid == 0)
    {
        // Die with the sweep: an orphan would race a re-run for the same trace.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(log, 1);
        dup2(log, 2);
        const std::string ini = base + ".ini";
        execl(options.wflRun.c_str(), options.wflRun.c_str(), ini.c_str(), "--overwrite",
              static_cast<char*>(nullptr));
        std::fprintf(stderr, "wfl-sweep: cannot execute %s: %s\n", options.wflRun.c_str(),
                     std::strerror(errno));
        _exit(127);
    }
    close(log);
    return pid;
}

} // namespace

std::string
TraceEndStatus(const std::string& path)
{
    if (IsCompleteTrace(path))
    {
        return "complete";
    }
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
    {
        return "";
    }
    try
    {
        H5::Exception::dontPrint();
        return ReadRootAttribute(path, "status") == "diverged" ? "diverged" : "";
    }
    catch (const H5::Exception&)
    {
        return "";
    }
}

std::string
PointTracePath(const SweepPoint& point)
{
    return "points/" + point.id + ".h5";
}

SweepRunSummary
RunSweepPoints(const std::vector<SweepPoint>& points, const SweepRunOptions& options)
{
    MakeDirectory(options.outDir + "/points");
    SweepRunSummary summary;
    std::deque<const SweepPoint*> pending;
    for (const SweepPoint& point : points)
    {
        if (!TraceEndStatus(options.outDir + "/" + PointTracePath(point)).empty())
        {
            ++summary.skipped;
        }
        else
        {
            pending.push_back(&point);
        }
    }
    const size_t toRun = pending.size();
    const auto start = std::chrono::steady_clock::now();
    std::map<pid_t, std::pair<const SweepPoint*, std::chrono::steady_clock::time_point>> running;
    size_t finished = 0;
    auto report = [&](const SweepPoint& point, const char* outcome, double seconds) {
        if (options.quiet)
        {
            return;
        }
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double eta = finished > 0 ? elapsed / finished * (toRun - finished) : 0.0;
        std::ostringstream line;
        line << "[" << finished << "/" << toRun << "] " << outcome << " "
             << point.id << " " << Describe(point) << " (" << FormatSeconds(seconds) << ")";
        std::ostringstream status;
        status << finished << "/" << toRun << " points, " << summary.failed << " failed, "
               << summary.diverged << " diverged, "
               << summary.skipped << " already done, elapsed " << FormatSeconds(elapsed) << ", ETA "
               << FormatSeconds(eta);
        if (options.interactive)
        {
            std::cerr << "\r\033[K" << line.str() << "\n" << status.str() << std::flush;
        }
        else
        {
            std::cerr << line.str() << "  | " << status.str() << "\n";
        }
    };

    while (!pending.empty() || !running.empty())
    {
        while (!pending.empty() && running.size() < std::max(1u, options.jobs))
        {
            const SweepPoint* point = pending.front();
            pending.pop_front();
            running[Launch(*point, options)] = {point, std::chrono::steady_clock::now()};
        }
        int status = 0;
        const pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            break;
        }
        const auto it = running.find(pid);
        if (it == running.end())
        {
            continue;
        }
        const SweepPoint& point = *it->second.first;
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.second).count();
        running.erase(it);
        ++finished;
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        const std::string base = options.outDir + "/points/" + point.id;
        const std::string end = TraceEndStatus(base + ".h5");
        const char* outcome = "ok      ";
        if (code == 0 && end == "complete")
        {
            ++summary.succeeded;
        }
        else if (code == kExitDiverged && end == "diverged")
        {
            ++summary.diverged; // a result of the point, recorded in its trace
            outcome = "DIVERGED";
        }
        else
        {
            ++summary.failed;
            outcome = "FAILED  ";
            std::ofstream failed(base + ".failed");
            failed << code << "\n" << TailLines(base + ".log", 5);
        }
        report(point, outcome, seconds);
    }
    if (options.interactive && !options.quiet && toRun > 0)
    {
        std::cerr << "\n";
    }
    return summary;
}

} // namespace wfl
