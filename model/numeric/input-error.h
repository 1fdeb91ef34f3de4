/*
 * Errors caused by the user's input (scenario keys, data files, model values).
 *
 * They are reported as one line and end a program with exit code 2; every
 * other failure is a bug and ends it with another code.
 */
#ifndef WFL_INPUT_ERROR_H
#define WFL_INPUT_ERROR_H

#include "shortest-double.h"

#include <stdexcept>
#include <string>

namespace wfl
{

/// Bad user input; what() is a complete one-line message.
class InputError : public std::runtime_error
{
  public:
    explicit InputError(const std::string& message)
        : std::runtime_error(message)
    {
    }
};

/// Exit code for bad input (documented in README).
constexpr int kExitBadInput = 2;

/**
 * Require lo < x (lowOpen) or lo <= x, and x < hi (highOpen) or x <= hi;
 * NaN fails every comparison and is rejected.
 * @throws InputError "key = x: expected a number in [lo, hi)".
 */
inline void
RequireRange(const std::string& key, double value, double lo, double hi, bool lowOpen, bool highOpen)
{
    const bool aboveLo = lowOpen ? value > lo : value >= lo;
    const bool belowHi = highOpen ? value < hi : value <= hi;
    if (!(aboveLo && belowHi))
    {
        throw InputError(key + " = " + ShortestDouble(value) + ": expected a number in " +
                         (lowOpen ? "(" : "[") + ShortestDouble(lo) + ", " + ShortestDouble(hi) +
                         (highOpen ? ")" : "]"));
    }
}

} // namespace wfl

#endif
