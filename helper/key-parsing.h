/*
 * Parsing of one scenario key's text, shared by the key table
 * (scenario-keys.cc) and the compressor registry (compressor-registry.h).
 * Every error is an InputError naming the key, the text and the accepted range.
 */
#ifndef WFL_KEY_PARSING_H
#define WFL_KEY_PARSING_H

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

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

/**
 * INI text of dotted key names: the top-level keys (no dot) first, as the INI
 * readers expect, then a "[section]" header wherever the section changes;
 * line(i, shortName) renders key i (its name without the section).
 */
std::string FormatIniKeys(const std::vector<std::string>& names,
                          const std::function<std::string(size_t index, const std::string& shortName)>& line);

} // namespace wfl

#endif
