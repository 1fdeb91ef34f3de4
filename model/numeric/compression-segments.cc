#include "compression-segments.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace wfl
{

ParameterLayout
LayoutOrFlat(size_t dim, const ParameterLayout* layout)
{
    if (layout == nullptr)
    {
        TensorLayout flat;
        flat.name = "flat";
        flat.shape = {dim};
        return {flat};
    }
    size_t next = 0;
    for (const TensorLayout& t : *layout)
    {
        if (t.offset != next)
        {
            throw std::invalid_argument("compressor: layout tensor " + t.name + " does not start where the previous ends");
        }
        next += t.Size();
    }
    if (next != dim)
    {
        throw std::invalid_argument("compressor: layout covers " + std::to_string(next) + " entries, update has " +
                                    std::to_string(dim));
    }
    return *layout;
}

std::vector<Segment>
MakeSegments(size_t dim, size_t bucket, const ParameterLayout* layout)
{
    std::vector<Segment> segments;
    if (bucket > 0)
    {
        for (size_t start = 0; start < dim; start += bucket)
        {
            segments.push_back({start, std::min(bucket, dim - start)});
        }
        return segments;
    }
    for (const TensorLayout& t : LayoutOrFlat(dim, layout))
    {
        if (t.Size() > 0)
        {
            segments.push_back({t.offset, t.Size()});
        }
    }
    return segments;
}

} // namespace wfl
