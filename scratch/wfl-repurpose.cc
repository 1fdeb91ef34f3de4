/*
 * wfl-repurpose: restructure a saved model for parallel inference on K
 * workers with the four methods of issue 11 (helper/repurpose-study.h).
 *
 *   wfl-repurpose results/mlp.h5 --workers 2,4,8 --output results/repurpose.h5
 *
 * Exit codes: 0 success, 2 bad input (one line naming the key), 1 anything else.
 */
#include "input-error.h"
#include "repurpose-keys.h"
#include "repurpose-study.h"

#include <H5Cpp.h>

#include <iostream>
#include <unistd.h>

int
main(int argc, char** argv)
{
    try
    {
        const wfl::RepurposeToolArguments arguments = wfl::ParseRepurposeArguments(argc, argv);
        if (arguments.helpRequested)
        {
            std::cout << wfl::RepurposeUsage();
            return 0;
        }
        if (!arguments.overwrite && access(arguments.config.output.c_str(), F_OK) == 0)
        {
            throw wfl::InputError("output: " + arguments.config.output +
                                  " already exists; choose another path or pass --overwrite");
        }
        const wfl::RepurposeStudy study = wfl::RunRepurposeStudy(arguments.config, &std::cout);
        wfl::WriteRepurposeResult(arguments.config.output, arguments.overwrite, arguments.commandLine,
                                  arguments.config, study);
        std::cout << "result: " << arguments.config.output << "\n";
        return 0;
    }
    catch (const wfl::InputError& e)
    {
        std::cerr << "wfl-repurpose: " << e.what() << "\n";
        return wfl::kExitBadInput;
    }
    catch (const H5::Exception& e)
    {
        std::cerr << "wfl-repurpose: HDF5 error: " << e.getFuncName() << ": " << e.getDetailMsg() << "\n";
        return 1;
    }
    catch (const std::exception& e)
    {
        std::cerr << "wfl-repurpose: internal error: " << e.what() << "\n";
        return 1;
    }
}
