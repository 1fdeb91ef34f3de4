/*
 * Parsing of one scenario key's text, shared by the key table
 * (scenario-keys.cc) and the compressor registry (compressor-registry.h).
 * Every error is an InputError naming the key, the text and the accepted range.
 */
#ifndef WFL_KEY_PARSING_H
#define WFL_KEY_PARSING_H

#include <cstdint>
#include <string>

namespace wfl
{

/// Throws InputError "key = 'text': expected <expected>".
[[noreturn]] void RejectKey(const std::string& key, const std::string& text, const std::string& expected);

/// `s` without leading and trailing blanks and tabs.
std::string TrimKey(const std::string& s);

/// An integer in [lo, hi].
uint64_t ParseUnsignedKey(const std::string& key, const std::string& text, uint64_t lo, uint64_t hi);

/// A finite number x with lo < x (lowOpen) or lo <= x, and x <= hi.
double ParseRealKey(const std::string& key, const std::string& text, double lo, double hi, bool lowOpen);

} // namespace wfl

#endif
