#include "fuzz-util.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <unistd.h>

namespace wfl
{
namespace fuzz
{

TempFile::TempFile(const std::string& suffix)
{
    const char* dir = std::getenv("TMPDIR");
    std::string pattern = std::string(dir && *dir ? dir : "/tmp") + "/wfl-fuzz-XXXXXX" + suffix;
    const int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
    if (fd < 0)
    {
        std::fprintf(stderr, "wfl-fuzz: cannot create %s: %s\n", pattern.c_str(), std::strerror(errno));
        std::abort();
    }
    close(fd);
    m_path = pattern;
}

TempFile::~TempFile()
{
    unlink(m_path.c_str());
}

void
TempFile::Write(const uint8_t* data, size_t size) const
{
    FILE* file = std::fopen(m_path.c_str(), "wb");
    if (!file || (size > 0 && std::fwrite(data, 1, size, file) != size) || std::fclose(file) != 0)
    {
        std::fprintf(stderr, "wfl-fuzz: cannot write %s\n", m_path.c_str());
        std::abort();
    }
}

void
RequireOneLine(const char* what, const std::string& message)
{
    if (message.empty() || message.find('\n') != std::string::npos)
    {
        std::fprintf(stderr, "wfl-fuzz: %s error is not one line: [%s]\n", what, message.c_str());
        std::abort();
    }
}

} // namespace fuzz
} // namespace wfl
