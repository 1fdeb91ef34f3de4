/*
 * wfl-run: one federated-learning run from a scenario file.
 *
 *   wfl-run scenarios/default.ini --run.rounds 20 --output results/x.h5
 *
 * Exit codes: 0 success, 2 bad input (one-line message naming the key),
 * 3 training diverged (one line naming the round and the likely causes; the
 * trace keeps every round up to that one and says status = diverged),
 * 1 anything else.
 */
#include "allocator-tuning.h"
#include "input-error.h"
#include "scenario-config.h"
#include "scenario-runner.h"

#include <H5Cpp.h>

#include <iomanip>
#include <iostream>

int
main(int argc, char** argv)
{
    wfl::TuneAllocatorForRounds();
    try
    {
        const wfl::ParsedArguments arguments = wfl::ParseArguments(argc, argv);
        if (arguments.helpRequested)
        {
            std::cout << "usage: wfl-run [SCENARIO.ini] [--config FILE] [--KEY VALUE ...] "
                         "[--overwrite] [--print-config] [--save-updates ROUNDS]\n\n"
                         "Every key can be set in the INI file ([run] rounds = 50) or on the\n"
                         "command line (--run.rounds 50); the command line wins.\n"
                         "--save-updates ROUNDS is --trace.save-updates ROUNDS.\n\n";
            wfl::PrintKeyTable(std::cout);
            std::cout << "\nKeys that act only under other settings (setting one where it has no "
                         "effect is an error):\n";
            for (const std::string& rule : wfl::InertRuleTable())
            {
                std::cout << "  " << rule << "\n";
            }
            std::cout << "\nExit codes: 0 done, 1 internal error, 2 bad input, 3 training diverged "
                         "(the trace keeps its rounds).\nA run that completes with a model no update reached, or "
                         "one that gives one class to at least 90 % of the test images, ends with 0 and a "
                         "warning.\n";
            return 0;
        }
        if (arguments.printConfig)
        {
            std::cout << wfl::ToIni(arguments.config);
            return 0;
        }
        const wfl::RunSummary summary = wfl::RunScenario(arguments, &std::cout);
        if (summary.divergedRound > 0)
        {
            std::cout.flush();
            std::cerr << "wfl-run: " << summary.divergedMessage << "; trace " << summary.tracePath
                      << " keeps rounds 1.." << summary.divergedRound << " (status = diverged)\n";
            return wfl::kExitDiverged;
        }
        std::cout.unsetf(std::ios::floatfield);
        std::cout << std::setprecision(4) << "done: " << summary.rounds << " rounds, final test accuracy "
                  << summary.diagnosis.finalAccuracy << ", " << summary.wallSeconds << " s wall\n"
                  << "trace: " << summary.tracePath << "\n";
        // A finished run with a useless model: said, not exit-coded (the
        // trace is complete, and its rounds record why: run-diagnosis.h).
        std::cout.flush();
        for (const std::string& warning : summary.warnings)
        {
            std::cerr << "wfl-run: warning: " << warning << "\n";
        }
        return 0;
    }
    catch (const wfl::InputError& e)
    {
        std::cerr << "wfl-run: error: " << e.what() << "\n";
        return wfl::kExitBadInput;
    }
    catch (const H5::Exception& e)
    {
        std::cerr << "wfl-run: HDF5 error: " << e.getFuncName() << ": " << e.getDetailMsg() << "\n";
        return 1;
    }
    catch (const std::exception& e)
    {
        std::cerr << "wfl-run: internal error: " << e.what() << "\n";
        return 1;
    }
}
