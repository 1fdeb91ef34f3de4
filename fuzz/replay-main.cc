/*
 * Replay driver: runs a fuzz target's LLVMFuzzerTestOneInput on files given on
 * the command line (or on every regular file of a directory argument), the way
 * a libFuzzer binary replays a crash, but built with the project's own
 * compiler and flags. The normal and sanitizer suites use it to check the seed
 * corpora and every input the fuzzer ever found crashing.
 */
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int
main(int argc, char** argv)
{
    std::vector<std::filesystem::path> files;
    for (int i = 1; i < argc; ++i)
    {
        const std::filesystem::path arg(argv[i]);
        if (std::filesystem::is_directory(arg))
        {
            for (const auto& entry : std::filesystem::directory_iterator(arg))
            {
                if (entry.is_regular_file() && entry.path().filename() != "README" &&
                    entry.path().extension() != ".py")
                {
                    files.push_back(entry.path());
                }
            }
        }
        else
        {
            files.push_back(arg);
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files)
    {
        std::ifstream in(file, std::ios::binary);
        if (!in)
        {
            std::fprintf(stderr, "replay: cannot open %s\n", file.c_str());
            return 1;
        }
        const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::printf("replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
        std::fflush(stdout);
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    std::printf("replay: %zu inputs, none crashed\n", files.size());
    return 0;
}
