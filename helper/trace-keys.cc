#include "trace-keys.h"

#include "input-error.h"
#include "key-parsing.h"

#include <algorithm>
#include <sstream>
#include <utility>

namespace wfl
{
namespace
{

constexpr uint64_t kMaxRound = 1000000; // run.rounds' own upper end

const char* const kRoundsRange = "empty, or comma-separated rounds and ranges A-B in [1, run.rounds]";

/// "3" or "2-5" (inclusive) as the interval [first, last].
std::pair<uint32_t, uint32_t>
ParseRoundItem(const std::string& raw, const std::string& item)
{
    const std::string text = TrimKey(item);
    const size_t dash = text.find('-');
    auto round = [&](const std::string& part) {
        const std::string t = TrimKey(part);
        if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos || t.size() > 7 ||
            std::stoull(t) < 1 || std::stoull(t) > kMaxRound)
        {
            RejectKey("trace.save-updates", raw, std::string(kRoundsRange) + " (rounds are integers in [1, " +
                                                     std::to_string(kMaxRound) + "])");
        }
        return static_cast<uint32_t>(std::stoull(t));
    };
    const uint32_t first = round(text.substr(0, dash));
    const uint32_t last = dash == std::string::npos ? first : round(text.substr(dash + 1));
    if (last < first)
    {
        RejectKey("trace.save-updates", raw, std::string(kRoundsRange) + " (a range A-B needs A <= B)");
    }
    return {first, last};
}

/// The rounds of the items, ascending and unique. Intervals are merged before
/// they are expanded, so the work is bounded by the text plus the last round.
std::vector<uint32_t>
ParseRoundList(const std::string& raw)
{
    std::vector<std::pair<uint32_t, uint32_t>> items;
    std::stringstream stream(raw);
    std::string item;
    while (std::getline(stream, item, ','))
    {
        items.push_back(ParseRoundItem(raw, item));
    }
    if (items.empty() || TrimKey(raw).back() == ',')
    {
        RejectKey("trace.save-updates", raw, kRoundsRange);
    }
    std::sort(items.begin(), items.end());
    std::vector<uint32_t> rounds;
    uint32_t next = 1; // first round not yet listed
    for (const auto& [first, last] : items)
    {
        for (uint32_t r = std::max(first, next); r <= last; ++r)
        {
            rounds.push_back(r);
        }
        next = std::max(next, last + 1);
    }
    return rounds;
}

KeySpec
SaveUpdatesKey()
{
    KeySpec key;
    key.name = "trace.save-updates";
    key.unit = "rounds";
    key.range = kRoundsRange;
    key.help = "save the clients' update vectors of these rounds in the trace (/updates; replay with "
               "wfl-compress TRACE.h5:/updates/round_R/client_C); --save-updates ROUNDS is the same";
    key.apply = [](const std::string& raw, ScenarioConfig& c) {
        c.saveUpdateRounds = TrimKey(raw).empty() ? std::vector<uint32_t>{} : ParseRoundList(raw);
    };
    key.show = [](const ScenarioConfig& c) { return FormatRoundList(c.saveUpdateRounds); };
    return key;
}

KeySpec
SaveClientsKey()
{
    KeySpec key;
    key.name = "trace.save-clients";
    key.unit = "clients";
    key.range = "[1, clients sampled per round]";
    key.help = "how many clients' updates to save per saved round: the lowest-indexed clients whose "
               "updates reach the server that round";
    key.apply = [](const std::string& raw, ScenarioConfig& c) {
        c.saveClients = static_cast<uint32_t>(ParseUnsignedKey("trace.save-clients", raw, 1, 100000));
    };
    key.show = [](const ScenarioConfig& c) { return std::to_string(c.saveClients); };
    return key;
}

KeySpec
TraceModelKey()
{
    KeySpec key;
    key.name = "trace.model";
    key.range = "false | true";
    key.help = "write the final global model (architecture, tensors) into the trace as group /model "
               "(not when training diverged)";
    key.apply = [](const std::string& raw, ScenarioConfig& c) {
        const std::string text = TrimKey(raw);
        if (text != "false" && text != "true")
        {
            RejectKey("trace.model", raw, "one of false | true");
        }
        c.traceModel = text;
    };
    key.show = [](const ScenarioConfig& c) { return c.traceModel; };
    return key;
}

/// A path, or empty for none.
KeySpec
SaveModelKey()
{
    KeySpec key;
    key.name = "trace.save-model";
    key.unit = "path";
    key.range = "empty (none) or a path";
    key.help = "also write the final global model to this HDF5 file of its own (group /model; "
               "written at the end, atomically; never overwritten without --overwrite; "
               "wfl-sweep refuses one file for several points)";
    key.apply = [](const std::string& raw, ScenarioConfig& c) { c.saveModel = TrimKey(raw); };
    key.show = [](const ScenarioConfig& c) { return c.saveModel; };
    return key;
}

} // namespace

void
AddTraceKeys(std::vector<KeySpec>& keys)
{
    keys.push_back(TraceModelKey());
    keys.push_back(SaveModelKey());
    keys.push_back(SaveUpdatesKey());
    keys.push_back(SaveClientsKey());
}

std::string
FormatRoundList(const std::vector<uint32_t>& rounds)
{
    std::string text;
    for (size_t i = 0; i < rounds.size();)
    {
        size_t j = i;
        while (j + 1 < rounds.size() && rounds[j + 1] == rounds[j] + 1)
        {
            ++j;
        }
        text += (text.empty() ? "" : ",") + std::to_string(rounds[i]);
        if (j > i)
        {
            text += "-" + std::to_string(rounds[j]);
        }
        i = j + 1;
    }
    return text;
}

void
CheckTraceKeys(const ScenarioConfig& c)
{
    if (!c.saveUpdateRounds.empty() && c.saveUpdateRounds.back() > c.rounds)
    {
        throw InputError("trace.save-updates = '" + FormatRoundList(c.saveUpdateRounds) + "': round " +
                         std::to_string(c.saveUpdateRounds.back()) + " is beyond run.rounds = " +
                         std::to_string(c.rounds) + " (accepted: rounds in [1, " + std::to_string(c.rounds) +
                         "])");
    }
    const uint32_t sampled = SampledPerRound(c);
    if (!c.saveUpdateRounds.empty() && c.saveClients > sampled)
    {
        throw InputError("trace.save-clients = " + std::to_string(c.saveClients) + ": only " +
                         std::to_string(sampled) +
                         " clients are sampled per round (data.clients, server.clients-per-round, "
                         "server.clients-fraction); accepted: [1, " + std::to_string(sampled) + "]");
    }
}

} // namespace wfl
