/*
 * wfl-sweep: a parameter grid x seeds, each point its own wfl-run process.
 *
 *   wfl-sweep --config scenarios/default.ini --grid channel.snr-db=-10:5:30 \
 *             --grid coding.scheme=rlc,digital,analog --seeds 3 --out results/snr -j 2
 *   mpirun -np 4 wfl-sweep ...          # points spread over the ranks
 *   wfl-sweep ... --shard 3/8           # job-array share, no MPI
 *
 * Re-running the same command skips finished (complete or diverged) points
 * and re-runs the rest. Exit codes: 0 every point of this share finished
 * (complete, or diverged: a result recorded in its trace and the index),
 * 1 some failed, 2 bad input.
 */
#include "input-error.h"
#include "sweep-index.h"
#include "sweep-plan.h"
#include "sweep-runner.h"

#include <boost/program_options.hpp>

#include <H5Cpp.h>

#include <climits>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

#ifdef WFL_HAVE_MPI
#include <mpi.h>
#endif

namespace po = boost::program_options;

namespace
{

struct Communicator
{
    int rank = 0;
    int size = 1;

    bool mpi = false;

    /// MPI only under a launcher (mpirun sets these); a plain start stays
    /// MPI-free and fast.
    Communicator(int& argc, char**& argv)
    {
#ifdef WFL_HAVE_MPI
        if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK"))
        {
            MPI_Init(&argc, &argv);
            MPI_Comm_rank(MPI_COMM_WORLD, &rank);
            MPI_Comm_size(MPI_COMM_WORLD, &size);
            mpi = true;
        }
#else
        (void)argc;
        (void)argv;
#endif
    }

    ~Communicator()
    {
#ifdef WFL_HAVE_MPI
        if (mpi)
        {
            MPI_Finalize();
        }
#endif
    }

    void Barrier() const
    {
#ifdef WFL_HAVE_MPI
        if (mpi)
        {
            MPI_Barrier(MPI_COMM_WORLD);
        }
#endif
    }

    long Sum(long value) const
    {
#ifdef WFL_HAVE_MPI
        if (mpi)
        {
            long total = 0;
            MPI_Allreduce(&value, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
            return total;
        }
#endif
        return value;
    }
};

std::string
SiblingWflRun()
{
    char self[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
    {
        return "wfl-run";
    }
    std::string path(self, static_cast<size_t>(n));
    return path.substr(0, path.rfind('/') + 1) + "wfl-run";
}

int
Run(int argc, char** argv, const Communicator& comm)
{
    po::options_description options("wfl-sweep options");
    options.add_options()("help,h", "print this help")(
        "config", po::value<std::string>(), "scenario INI (its [sweep] section is read too)")(
        "grid", po::value<std::vector<std::string>>(),
        "KEY=START:STEP:STOP or KEY=v1,v2,...; with ' if KEY2=a,b' only where KEY2 is a or b (repeat)")(
        "set", po::value<std::vector<std::string>>(),
        "KEY=VALUE for every point, or 'KEY=VALUE if KEY2=a,b' (repeat)")(
        "seeds", po::value<std::string>(), "N: seeds 1..N")(
        "seed-list", po::value<std::string>(), "comma-separated seeds")(
        "out", po::value<std::string>(), "output directory (default results/sweep)")(
        "jobs,j", po::value<unsigned>(), "points running at once per process (default 1)")(
        "shard", po::value<std::string>(), "i/N: run only points with index % N == i")(
        "target-accuracy", po::value<double>(), "accuracy for rounds_to_target (default 0.8)")(
        "wfl-run", po::value<std::string>(), "wfl-run executable (default: next to wfl-sweep)")(
        "dry-run", "list the points and exit")(
        "index-only", "only rebuild OUT/index.h5 from the files (after --shard jobs)")(
        "quiet,q", "no progress output");
    po::positional_options_description positional;
    positional.add("config", 1);
    po::variables_map vm;
    try
    {
        po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), vm);
    }
    catch (const po::error& e)
    {
        throw wfl::InputError(std::string("command line: ") + e.what());
    }
    if (vm.count("help"))
    {
        if (comm.rank == 0)
        {
            std::cout << "usage: wfl-sweep [SCENARIO.ini] [--grid KEY=SPEC ...] [--seeds N] --out DIR "
                         "[-j N]\n\n"
                      << options
                      << "\nA [sweep] section in the scenario may hold grid = KEY=SPEC (repeat), "
                         "set = KEY=VALUE,\nseeds, seed-list, out, jobs, target-accuracy; the "
                         "command line adds to or overrides it.\n";
        }
        return 0;
    }

    wfl::SweepSpec spec;
    if (vm.count("config"))
    {
        spec = wfl::ReadSweepFile(vm["config"].as<std::string>());
    }
    std::vector<std::pair<std::string, std::string>> commandLineSets;
    if (vm.count("set"))
    {
        for (const std::string& text : vm["set"].as<std::vector<std::string>>())
        {
            const size_t eq = text.find('=');
            if (eq == std::string::npos)
            {
                throw wfl::InputError("--set '" + text + "': expected KEY=VALUE");
            }
            commandLineSets.emplace_back(text.substr(0, eq), text.substr(eq + 1));
        }
    }
    if (vm.count("grid"))
    {
        for (const std::string& text : vm["grid"].as<std::vector<std::string>>())
        {
            wfl::SweepAxis axis = wfl::ParseAxis(text);
            bool replaced = false;
            for (wfl::SweepAxis& existing : spec.axes)
            {
                if (existing.key == axis.key)
                {
                    existing = axis;
                    replaced = true;
                }
            }
            if (!replaced)
            {
                spec.axes.push_back(axis);
            }
        }
    }
    spec.sets = wfl::MergeSets(spec.sets, commandLineSets, spec.axes);
    if (vm.count("seeds"))
    {
        spec.seeds = wfl::ParseSeeds("seeds", vm["seeds"].as<std::string>());
    }
    if (vm.count("seed-list"))
    {
        spec.seeds = wfl::ParseSeeds("seed-list", vm["seed-list"].as<std::string>());
    }
    if (vm.count("out"))
    {
        spec.outDir = vm["out"].as<std::string>();
    }
    if (vm.count("jobs"))
    {
        spec.jobs = std::max(1u, vm["jobs"].as<unsigned>());
    }
    if (vm.count("target-accuracy"))
    {
        spec.targetAccuracy = vm["target-accuracy"].as<double>();
    }
    size_t shardIndex = static_cast<size_t>(comm.rank);
    size_t shardCount = static_cast<size_t>(comm.size);
    if (vm.count("shard"))
    {
        if (comm.size > 1)
        {
            throw wfl::InputError("--shard: not with MPI (the ranks already share the points)");
        }
        std::tie(shardIndex, shardCount) = wfl::ParseShard(vm["shard"].as<std::string>());
    }

    const std::vector<wfl::SweepPoint> points = wfl::ExpandSweep(spec);
    std::vector<wfl::SweepPoint> share;
    for (const wfl::SweepPoint& point : points)
    {
        if (point.index % shardCount == shardIndex)
        {
            share.push_back(point);
        }
    }
    if (vm.count("dry-run"))
    {
        for (const wfl::SweepPoint& p : share)
        {
            std::cout << p.index << " " << p.id;
            for (const auto& [key, value] : p.axisValues)
            {
                if (!value.empty()) // "": a conditional axis that does not apply
                {
                    std::cout << " " << key << "=" << value;
                }
            }
            std::cout << " seed=" << p.seed << "\n";
        }
        return 0;
    }

    wfl::SweepRunOptions run;
    run.outDir = spec.outDir;
    run.wflRun = vm.count("wfl-run") ? vm["wfl-run"].as<std::string>() : SiblingWflRun();
    run.jobs = spec.jobs;
    run.quiet = vm.count("quiet") > 0;
    run.interactive = comm.size == 1 && isatty(STDERR_FILENO);
    if (!run.quiet && comm.rank == 0)
    {
        std::cerr << "wfl-sweep: " << points.size() << " points";
        if (shardCount > 1)
        {
            std::cerr << " (" << shardCount << " shares)";
        }
        std::cerr << ", output " << spec.outDir << "\n";
    }
    const wfl::SweepRunSummary summary =
        vm.count("index-only") ? wfl::SweepRunSummary{} : wfl::RunSweepPoints(share, run);
    const long failedEverywhere = comm.Sum(static_cast<long>(summary.failed));
    const long divergedEverywhere = comm.Sum(static_cast<long>(summary.diverged));
    comm.Barrier();

    // One index for the whole sweep, from what is on disk (all shares when they share a disk).
    wfl::SweepIndexCounts counts;
    if (comm.rank == 0)
    {
        wfl::SweepIndexInfo info;
        info.baseConfig = spec.baseIni;
        info.targetAccuracy = spec.targetAccuracy;
        for (int i = 0; i < argc; ++i)
        {
            info.commandLine += (i ? " " : "") + std::string(argv[i]);
        }
        counts = wfl::WriteSweepIndex(spec.outDir, spec, points, info);
        if (!run.quiet)
        {
            std::cerr << "wfl-sweep: " << counts.complete << "/" << points.size()
                      << " points complete, " << counts.diverged << " diverged; "
                      << divergedEverywhere << " diverged and " << failedEverywhere
                      << " failed in this run; index " << spec.outDir << "/index.h5\n";
            if (counts.noUpdate > 0)
            {
                std::cerr << "wfl-sweep: warning: " << counts.noUpdate
                          << " complete points had no update reach the server in any round (their model "
                             "is the initial one: rounds_with_updates = 0 in the index)\n";
            }
            if (counts.nearConstant > 0)
            {
                std::cerr << "wfl-sweep: warning: " << counts.nearConstant
                          << " complete points end with a near-constant model (one class for at least 90 % "
                             "of the test images: final_top_class_share in the index; collapsed or never "
                             "trained, their wfl-run logs say which)\n";
            }
        }
    }
    const bool shareComplete = vm.count("index-only")
                                   ? counts.complete + counts.diverged == points.size()
                                   : summary.failed == 0 &&
                                         summary.succeeded + summary.diverged + summary.skipped == share.size();
    return comm.Sum(shareComplete ? 0 : 1) == 0 ? 0 : 1;
}

} // namespace

int
main(int argc, char** argv)
{
    Communicator comm(argc, argv);
    try
    {
        return Run(argc, argv, comm);
    }
    catch (const wfl::InputError& e)
    {
        std::cerr << "wfl-sweep: error: " << e.what() << "\n";
        return wfl::kExitBadInput;
    }
    catch (const H5::Exception& e)
    {
        std::cerr << "wfl-sweep: HDF5 error: " << e.getDetailMsg() << "\n";
        return 1;
    }
    catch (const std::exception& e)
    {
        std::cerr << "wfl-sweep: internal error: " << e.what() << "\n";
        return 1;
    }
}
