#include "test-util.h"

#include <gtest/gtest.h>

#include <array>
#include <sstream>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wfltest
{
namespace
{

std::string
ReadAll(int fd)
{
    std::string text;
    std::array<char, 4096> buffer;
    ssize_t n;
    while ((n = read(fd, buffer.data(), buffer.size())) > 0)
    {
        text.append(buffer.data(), static_cast<size_t>(n));
    }
    return text;
}

} // namespace

pid_t
Spawn(const std::vector<std::string>& argv, int stdoutFd, int stderrFd)
{
    const pid_t pid = fork();
    if (pid == 0)
    {
        dup2(stdoutFd, 1);
        dup2(stderrFd, 2);
        std::vector<char*> args;
        for (const std::string& a : argv)
        {
            args.push_back(const_cast<char*>(a.c_str()));
        }
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    return pid;
}

ProcessResult
Run(const std::vector<std::string>& argv)
{
    // Output goes through temporary files, so a chatty child never blocks on a pipe.
    const std::string dir = MakeTempDir("proc");
    const std::string outPath = dir + "/out";
    const std::string errPath = dir + "/err";
    const int outFd = open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int errFd = open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const pid_t pid = Spawn(argv, outFd, errFd);
    close(outFd);
    close(errFd);
    int status = 0;
    waitpid(pid, &status, 0);
    ProcessResult result;
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    const int out = open(outPath.c_str(), O_RDONLY);
    const int err = open(errPath.c_str(), O_RDONLY);
    result.out = ReadAll(out);
    result.err = ReadAll(err);
    close(out);
    close(err);
    return result;
}

std::string
MakeTempDir(const std::string& tag)
{
    std::string pattern = testing::TempDir() + "wfl-" + tag + "-XXXXXX";
    if (!mkdtemp(pattern.data()))
    {
        ADD_FAILURE() << "mkdtemp failed for " << pattern;
    }
    return pattern;
}

std::vector<std::string>
SyntheticRunArgs(const std::string& output, const std::map<std::string, std::string>& overrides)
{
    std::map<std::string, std::string> keys{{"data.dataset", "synthetic"},
                                            {"data.clients", "5"},
                                            {"run.rounds", "8"},
                                            {"run.eval-every", "2"},
                                            {"learner.model", "softmax"},
                                            {"learner.lr", "0.1"},
                                            {"learner.local-steps", "10"},
                                            {"output", output}};
    for (const auto& [key, value] : overrides)
    {
        keys[key] = value;
    }
    std::vector<std::string> args{WFL_RUN_BINARY};
    for (const auto& [key, value] : keys)
    {
        args.push_back("--" + key);
        args.push_back(value);
    }
    return args;
}

GradientProblem
MakeGradientProblem(const wfl::Model<double>& net, Eigen::Index inputDim, int classes, int batch, wfl::Rng& rng)
{
    GradientProblem p;
    net.Initialize(p.params, rng);
    for (Eigen::Index i = 0; i < p.params.size(); ++i)
    {
        p.params(i) += 0.1 * rng.Normal();
    }
    p.x.resize(inputDim, batch);
    for (Eigen::Index i = 0; i < p.x.size(); ++i)
    {
        p.x(i) = rng.Normal();
    }
    for (int j = 0; j < batch; ++j)
    {
        p.labels.push_back(static_cast<int>(rng.UniformInt(static_cast<uint64_t>(classes))));
    }
    return p;
}

} // namespace wfltest
