/*
 * Errors caused by the user's input (scenario keys, data files, model values).
 *
 * They are reported as one line and end a program with exit code 2; every
 * other failure is a bug and ends it with another code.
 */
#ifndef WFL_INPUT_ERROR_H
#define WFL_INPUT_ERROR_H

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

} // namespace wfl

#endif
