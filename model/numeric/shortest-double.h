/*
 * Shortest decimal text of a double that reads back to the same value
 * (0.1 prints as "0.1", 100 as "100"), for messages and configuration files.
 */
#ifndef WFL_SHORTEST_DOUBLE_H
#define WFL_SHORTEST_DOUBLE_H

#include <charconv>
#include <string>

namespace wfl
{

inline std::string
ShortestDouble(double value)
{
    char text[64];
    const auto result = std::to_chars(text, text + sizeof(text), value);
    return std::string(text, result.ptr);
}

} // namespace wfl

#endif
