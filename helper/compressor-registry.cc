#include "compressor-registry.h"

namespace wfl
{
namespace
{

std::vector<CompressorRegistration>&
Registry()
{
    static std::vector<CompressorRegistration> registry = BuiltInCompressors();
    return registry;
}

} // namespace

const std::vector<CompressorRegistration>&
CompressorRegistry()
{
    return Registry();
}

void
RegisterCompressor(CompressorRegistration registration)
{
    Registry().push_back(std::move(registration));
}

const CompressorRegistration*
FindCompressor(const std::string& scheme)
{
    for (const CompressorRegistration& r : Registry())
    {
        if (r.scheme == scheme)
        {
            return &r;
        }
    }
    return nullptr;
}

const CompressorKey*
FindCompressorKey(const CompressorRegistration& registration, const std::string& name)
{
    for (const CompressorKey& key : registration.keys)
    {
        if (key.name == name)
        {
            return &key;
        }
    }
    return nullptr;
}

std::unique_ptr<Compressor>
BuildCompressor(const std::string& scheme, const CompressorValues& values, const CompressorRunFacts& facts)
{
    const CompressorRegistration* r = FindCompressor(scheme);
    if (r == nullptr)
    {
        std::string range;
        for (const CompressorRegistration& each : Registry())
        {
            range += (range.empty() ? "" : " | ") + each.scheme;
        }
        RejectKey("compression.scheme", scheme, "one of " + range);
    }
    return r->build(values, facts);
}

} // namespace wfl
