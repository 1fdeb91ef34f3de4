/*
 * The segments a compressor scales separately: fixed buckets of the flat
 * vector, or the tensors of the parameter layout (layer-wise scaling, as
 * TernGrad and the EF-SGD experiments use). Both sides derive the same
 * segments from the parameters and the layout, so they cost no bits.
 */
#ifndef WFL_COMPRESSION_SEGMENTS_H
#define WFL_COMPRESSION_SEGMENTS_H

#include "compressor.h"

#include <cstddef>
#include <vector>

namespace wfl
{

/// A contiguous range [offset, offset + size) of the flat vector.
struct Segment
{
    size_t offset = 0;
    size_t size = 0;
};

/**
 * bucket > 0: consecutive buckets of `bucket` entries (the last may be
 * shorter). bucket = 0: one segment per tensor of `layout`, or the whole
 * vector when layout is null. Throws std::invalid_argument if the layout
 * does not tile [0, dim).
 */
std::vector<Segment> MakeSegments(size_t dim, size_t bucket, const ParameterLayout* layout);

/// The layout, or one flat tensor {dim} when it is null; checked to tile [0, dim).
ParameterLayout LayoutOrFlat(size_t dim, const ParameterLayout* layout);

} // namespace wfl

#endif
