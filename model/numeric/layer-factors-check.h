/*
 * The validation of a client's dense-layer gradient factors shared by the
 * factor-quantizing compressors (ISGQ's dithered and Lloyd-Max forms).
 *
 * A compressor that sends X and Delta instead of the gradient must be sure
 * they are factors of the very update it was asked to compress: factors of
 * another quantity (an update scaled by a learning rate, say) would
 * otherwise be sent silently. Each LayerFactors must name a distinct 2-D
 * tensor of the layout with matching shapes and reproduce its row-major
 * slice of g: ||Delta^T X - g_t||_F <= 1e-3 ||g_t||_F (float products of a
 * batch of B terms stay far inside 1e-3).
 */
#ifndef WFL_LAYER_FACTORS_CHECK_H
#define WFL_LAYER_FACTORS_CHECK_H

#include "compressor.h"
#include "dqsg-compressor.h"

#include <string>
#include <vector>

namespace wfl
{

/**
 * Per tensor of `segments` (TensorSpans of the layout): its validated
 * factors, or null when it has none (or context.factors is null). Throws
 * std::invalid_argument, the message prefixed with `scheme` + ": ", for a
 * tensor out of range or named twice, a shape mismatch, factors without a
 * layout, or factors that do not reproduce g.
 */
std::vector<const LayerFactors*> ValidatedLayerFactors(const CompressionContext& context,
                                                       const std::vector<TensorSpan>& segments,
                                                       const float* g,
                                                       const std::string& scheme);

} // namespace wfl

#endif
