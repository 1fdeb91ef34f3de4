#include "key-parsing.h"

#include "input-error.h"
#include "shortest-double.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace wfl
{

void
RejectKey(const std::string& key, const std::string& text, const std::string& expected)
{
    throw InputError(key + " = '" + text + "': expected " + expected);
}

std::string
TrimKey(const std::string& s)
{
    const size_t first = s.find_first_not_of(" \t");
    if (first == std::string::npos)
    {
        return "";
    }
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

uint64_t
ParseUnsignedKey(const std::string& key, const std::string& raw, uint64_t lo, uint64_t hi)
{
    const std::string text = TrimKey(raw);
    const std::string expected =
        "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    {
        RejectKey(key, raw, expected);
    }
    errno = 0;
    const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
    if (errno == ERANGE || value < lo || value > hi)
    {
        RejectKey(key, raw, expected);
    }
    return value;
}

double
ParseRealKey(const std::string& key, const std::string& raw, double lo, double hi, bool lowOpen)
{
    const std::string text = TrimKey(raw);
    const std::string expected = std::string("a number in ") + (lowOpen ? "(" : "[") +
                                 ShortestDouble(lo) + ", " + ShortestDouble(hi) + "]";
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(value) || value > hi ||
        (lowOpen ? value <= lo : value < lo))
    {
        RejectKey(key, raw, expected);
    }
    return value;
}

std::string
FormatIniKeys(const std::vector<std::string>& names,
              const std::function<std::string(size_t index, const std::string& shortName)>& line)
{
    std::string text;
    for (size_t i = 0; i < names.size(); ++i)
    {
        if (names[i].find('.') == std::string::npos)
        {
            text += line(i, names[i]);
        }
    }
    std::string section;
    for (size_t i = 0; i < names.size(); ++i)
    {
        const size_t dot = names[i].find('.');
        if (dot == std::string::npos)
        {
            continue;
        }
        if (names[i].substr(0, dot) != section)
        {
            section = names[i].substr(0, dot);
            text += "\n[" + section + "]\n";
        }
        text += line(i, names[i].substr(dot + 1));
    }
    return text;
}

} // namespace wfl
