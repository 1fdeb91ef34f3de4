/*
 * The compressor registry: one registration per compressor declares its
 * compression.scheme value, its compression.<key> keys (unit, default, range,
 * help, parser) and the factory that builds it. From the registrations alone
 * follow the key table (wfl-run --help, INI, command line, --print-config and
 * the trace's stored configuration; compression-keys.cc), the rules that make
 * a compressor's keys inert under other schemes (scenario-rules.cc), and the
 * Compressor the digital uplink and wfl-compress run.
 *
 * A key's default is the compressor's own Params default (shown from a
 * default-constructed Params), so it is written once, in the compressor's
 * header. Several compressors may declare the same key name (bucket, levels);
 * each parses it with its own range.
 *
 * Registering a compressor (helper/compressor-list.cc, one entry in the list):
 *   Register<QsgdCompressor>("qsgd", "help",
 *       {UnsignedParam("bucket", "coordinates", 0, 16777216, &QsgdCompressor::Params::bucket, "help"),
 *        ...})
 * Field kinds: UnsignedParam (any integer type, [lo, hi]), RealParam (double
 * or float, [lo, hi] or (lo, hi]), ChoiceParam (named values of any type with
 * ==, e.g. an enum), FlagParam (bool). Encode may run concurrently for
 * different clients, so a compressor must keep no mutable shared state.
 *
 * A key that acts only under some values of the compressor's other keys
 * (QCS's beta only with feedback = weighted) says so where it is declared:
 *   OnlyIf(RealParam("beta", ...), "compression.feedback = weighted", "feedback",
 *          [](const P& p, const CompressorRunFacts&) { return p.feedback == F::Weighted; })
 * The predicate sees the Params the given values build (absent keys at their
 * defaults) and the run facts; scenario-rules.cc turns it into an inert-key
 * rule, so setting the key where it is inert is an InputError naming both keys.
 *
 * Run facts: a Params field that is a fact of the run rather than a choice
 * (NDQSG's client count P) is not a key; Register's optional last argument
 * copies it from CompressorRunFacts, which the uplink fills from the scenario.
 */
#ifndef WFL_COMPRESSOR_REGISTRY_H
#define WFL_COMPRESSOR_REGISTRY_H

#include "compressor.h"
#include "input-error.h"
#include "key-parsing.h"
#include "shortest-double.h"

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace wfl
{

/// Compressor keys given: name without "compression." -> text.
using CompressorValues = std::map<std::string, std::string>;

/// Facts of the run a compressor may need that are not its keys.
struct CompressorRunFacts
{
    uint32_t clients = 1; ///< the run's client count (data.clients)
    /// Clients send each dense layer's gradient factors (CompressionContext::
    /// factors): digital FedSGD, one plain step (compression-keys.h, RunFacts).
    bool factors = false;
};

/// One compression.<name> key of one compressor.
struct CompressorKey
{
    std::string name; ///< without the "compression." prefix
    std::string unit; ///< "" when dimensionless
    std::string range;
    std::string help;
    std::string defaultText;
    /// The canonical text of a value; throws InputError naming compression.<name> and the range.
    std::function<std::string(const std::string& text)> canonical;
    /// When the key acts, as the user would write it ("" = always, under its scheme).
    std::string condition;
    /// The other keys that decide `condition`: names without "compression."
    /// ("data.clients" and other full names are kept whole).
    std::vector<std::string> deciders;
    /// Whether the key acts for the given values and run facts (null = always);
    /// set by Register from the key's OnlyIf predicate.
    std::function<bool(const CompressorValues&, const CompressorRunFacts&)> active;
};

struct CompressorRegistration
{
    std::string scheme; ///< compression.scheme value
    std::string help;   ///< one line for compression.scheme's help
    std::vector<CompressorKey> keys;
    /// The compressor for the given values (absent keys at their defaults) in
    /// a run with the given facts; throws InputError naming the key for a bad value.
    std::function<std::unique_ptr<Compressor>(const CompressorValues&, const CompressorRunFacts&)> build;
};

/// Every registered compressor: the built-in list, then RegisterCompressor's, in order.
const std::vector<CompressorRegistration>& CompressorRegistry();

/// Add a compressor (test-only ones); call before the key table is first used.
void RegisterCompressor(CompressorRegistration registration);

/// The registration of `scheme`, or null.
const CompressorRegistration* FindCompressor(const std::string& scheme);

/// The key `name` of `registration`, or null.
const CompressorKey* FindCompressorKey(const CompressorRegistration& registration, const std::string& name);

/// The compressor of `scheme` (InputError for an unknown scheme or a bad value).
std::unique_ptr<Compressor> BuildCompressor(const std::string& scheme,
                                            const CompressorValues& values,
                                            const CompressorRunFacts& facts = {});

/// A key bound to a field of a compressor's Params.
template <typename P>
struct ParamKey
{
    CompressorKey key;
    std::function<void(const std::string& text, P& params)> set;
    using Active = std::function<bool(const P& params, const CompressorRunFacts& run)>;
    /// When the key acts (OnlyIf); null = always.
    Active activeWhen;
};

/// `key` acts only when `activeWhen` holds for the Params (and run facts);
/// `condition` says when as a setting, `deciders` the keys that decide it
/// (space-separated; compressor keys without "compression.").
template <typename P>
ParamKey<P>
OnlyIf(ParamKey<P> key,
       std::string condition,
       const std::string& deciders,
       typename ParamKey<P>::Active activeWhen) // not deduced: P comes from `key`
{
    key.key.condition = std::move(condition);
    std::string word;
    for (const char c : deciders + " ")
    {
        if (c != ' ')
        {
            word += c;
        }
        else if (!word.empty())
        {
            key.key.deciders.push_back(word);
            word.clear();
        }
    }
    key.activeWhen = std::move(activeWhen);
    return key;
}

/// An integer field in [lo, hi].
template <typename P, typename T>
ParamKey<P>
UnsignedParam(std::string name, std::string unit, uint64_t lo, uint64_t hi, T P::*field, std::string help)
{
    ParamKey<P> p;
    const std::string key = "compression." + name;
    p.key = {name, std::move(unit), "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
             std::move(help), std::to_string(P{}.*field), nullptr, "", {}, nullptr};
    p.key.canonical = [key, lo, hi](const std::string& text) {
        return std::to_string(ParseUnsignedKey(key, text, lo, hi));
    };
    p.set = [key, lo, hi, field](const std::string& text, P& params) {
        params.*field = static_cast<T>(ParseUnsignedKey(key, text, lo, hi));
    };
    return p;
}

/// A real field in [lo, hi] (or (lo, hi] with lowOpen).
template <typename P, typename T>
ParamKey<P>
RealParam(std::string name, std::string unit, double lo, double hi, bool lowOpen, T P::*field, std::string help)
{
    ParamKey<P> p;
    const std::string key = "compression." + name;
    p.key = {name, std::move(unit),
             std::string(lowOpen ? "(" : "[") + ShortestDouble(lo) + ", " + ShortestDouble(hi) + "]",
             std::move(help), ShortestDouble(static_cast<double>(P{}.*field)), nullptr, "", {}, nullptr};
    p.key.canonical = [key, lo, hi, lowOpen](const std::string& text) {
        return ShortestDouble(ParseRealKey(key, text, lo, hi, lowOpen));
    };
    p.set = [key, lo, hi, lowOpen, field](const std::string& text, P& params) {
        params.*field = static_cast<T>(ParseRealKey(key, text, lo, hi, lowOpen));
    };
    return p;
}

/// A field with named values (an enum, a bool, a string).
template <typename P, typename T>
ParamKey<P>
ChoiceParam(std::string name, std::vector<std::pair<std::string, T>> choices, T P::*field, std::string help)
{
    ParamKey<P> p;
    const std::string key = "compression." + name;
    std::string range;
    std::string defaultText;
    for (const auto& [text, value] : choices)
    {
        range += (range.empty() ? "" : " | ") + text;
        if (value == P{}.*field)
        {
            defaultText = text;
        }
    }
    p.key = {name, "", range, std::move(help), defaultText, nullptr, "", {}, nullptr};
    auto find = [key, choices, range](const std::string& raw) {
        const std::string text = TrimKey(raw);
        for (const auto& choice : choices)
        {
            if (choice.first == text)
            {
                return choice;
            }
        }
        RejectKey(key, raw, "one of " + range);
    };
    p.key.canonical = [find](const std::string& text) { return find(text).first; };
    p.set = [find, field](const std::string& text, P& params) { params.*field = find(text).second; };
    return p;
}

/// A bool field: false | true.
template <typename P>
ParamKey<P>
FlagParam(std::string name, bool P::*field, std::string help)
{
    return ChoiceParam(std::move(name), std::vector<std::pair<std::string, bool>>{{"false", false}, {"true", true}},
                       field, std::move(help));
}

/// The registration of compressor C (constructed from C::Params, which
/// throws std::invalid_argument for a combination its keys cannot express);
/// `fromRun` sets the Params fields that are run facts, not keys.
template <typename C>
CompressorRegistration
Register(std::string scheme,
         std::string help,
         std::vector<ParamKey<typename C::Params>> keys,
         std::function<void(const CompressorRunFacts&, typename C::Params&)> fromRun = nullptr)
{
    using P = typename C::Params;
    CompressorRegistration r;
    r.scheme = scheme;
    r.help = std::move(help);
    // The Params of the given values (absent keys at their defaults).
    auto paramsOf = [keys, fromRun](const CompressorValues& values, const CompressorRunFacts& facts) {
        P params{};
        if (fromRun)
        {
            fromRun(facts, params);
        }
        for (const ParamKey<P>& k : keys)
        {
            const auto it = values.find(k.key.name);
            if (it != values.end())
            {
                k.set(it->second, params);
            }
        }
        return params;
    };
    for (const ParamKey<P>& k : keys)
    {
        r.keys.push_back(k.key);
        if (k.activeWhen)
        {
            r.keys.back().active = [paramsOf, when = k.activeWhen](const CompressorValues& values,
                                                                   const CompressorRunFacts& facts) {
                return when(paramsOf(values, facts), facts);
            };
        }
    }
    r.build = [scheme, paramsOf](const CompressorValues& values,
                                 const CompressorRunFacts& facts) -> std::unique_ptr<Compressor> {
        const P params = paramsOf(values, facts);
        try
        {
            return std::make_unique<C>(params);
        }
        catch (const std::invalid_argument& e)
        {
            throw InputError("compression.scheme = " + scheme + ": " + e.what());
        }
    };
    return r;
}

/// The built-in compressors (compressor-list.cc).
std::vector<CompressorRegistration> BuiltInCompressors();

} // namespace wfl

#endif
