/*
 * wfl-compress: a compressor study on one vector (helper/compress-study.h).
 *
 *   wfl-compress grad.npy --compression.scheme qsgd --compression.levels 4 --draws 200
 *   wfl-compress run.h5:/updates/round_0003/client_0001 --tensor dense0.weight --compression.scheme qcs
 *
 * Exit codes: 0 success, 2 bad input (one line), 1 anything else.
 */
#include "allocator-tuning.h"
#include "compress-study.h"
#include "input-error.h"

#include <iostream>

int
main(int argc, char** argv)
{
    wfl::TuneAllocatorForRounds();
    try
    {
        const wfl::CompressStudyArguments arguments = wfl::ParseCompressStudyArguments(argc, argv);
        if (arguments.helpRequested)
        {
            std::cout << wfl::CompressStudyUsage();
            return 0;
        }
        const wfl::StudyInput input = wfl::ReadStudyInput(arguments.input, arguments.tensor);
        std::cout << wfl::RunCompressStudy(arguments, input) << "\n";
        return 0;
    }
    catch (const wfl::InputError& e)
    {
        std::cerr << "wfl-compress: " << e.what() << "\n";
        return wfl::kExitBadInput;
    }
    catch (const std::exception& e)
    {
        std::cerr << "wfl-compress: internal error: " << e.what() << "\n";
        return 1;
    }
}
