/*
 * Layer planning of a ConvolutionalNetwork (convolutional-network.h): from a
 * ConvSpec, the geometry of each conv stage and dense layer, where each
 * layer's weights and bias sit in the flat parameter vector, which stages run
 * on the direct kernels (conv-kernels.h), and the named parameter layout.
 * Independent of the scalar type, so it is computed once per network shape.
 */
#ifndef WFL_CONV_NETWORK_PLAN_H
#define WFL_CONV_NETWORK_PLAN_H

#include "compressor.h"
#include "conv-kernels.h"

#include <Eigen/Core>

#include <vector>

namespace wfl
{

/// Shape of a ConvolutionalNetwork.
struct ConvSpec
{
    int height = 28;
    int width = 28;
    int channels = 1;
    std::vector<int> convChannels{6, 16}; ///< output channels of each conv stage (>= 1 stage)
    int kernel = 5;                       ///< odd or even; 'same' padding is kernel / 2
    std::vector<int> hidden{120, 84};     ///< fully connected ReLU layer widths
    int classes = 10;
    /// Samples per internal pass. Bounds scratch memory and keeps the im2col
    /// matrices in cache: on LeNet/28x28, chunks of 32 train ~25% and run
    /// Forward ~50% faster than chunks of 256.
    int chunk = 32;
};

/// Geometry of one conv stage.
struct ConvStage
{
    int inC, inH, inW;    ///< input map
    int outC, outH, outW; ///< convolution output (before pooling)
    int poolH, poolW;     ///< after pooling
    int pad;
    Eigen::Index k2c;     ///< Cin * k * k: rows of W^T, columns of im2col
    Eigen::Index offset;  ///< start of W in the flat vector; bias follows
};

/// Geometry of one dense layer.
struct ConvDense
{
    int in, out;
    Eigen::Index offset;
};

/// Every layer of a ConvolutionalNetwork, planned from its ConvSpec.
struct ConvPlan
{
    std::vector<ConvStage> stages;
    std::vector<ConvDense> dense;
    Eigen::Index flatDim = 0;   ///< length of the flattened map entering the dense layers
    Eigen::Index numParams = 0;
    Eigen::Index maxWidth = 0;  ///< widest dense layer input or output
    /// Per stage: its shape on the direct forward kernels (inC == 0: im2col +
    /// GEMM instead).
    std::vector<DirectConvShape> directShapes;
    /// Per stage > 0: its input gradient as a direct 'full' convolution of the
    /// (k-1)-padded output gradient with the flipped kernel (inC == 0: GEMM
    /// into an im2col-shaped matrix and col2im instead; always so for stage 0).
    std::vector<DirectConvShape> backShapes;
};

/// @throws std::invalid_argument if a size is non-positive or an image
/// becomes empty along the way.
ConvPlan PlanConvNetwork(const ConvSpec& spec);

/// "conv<i>.weight" {Cin*k*k, Cout} and "conv<i>.bias" {Cout} per stage,
/// "dense<l>.weight" {in, out} and "dense<l>.bias" {out} per dense layer:
/// the column-major [Cout x Cin*k*k] and [out x in] matrices read row-major.
ParameterLayout ConvLayout(const std::vector<ConvStage>& stages, const std::vector<ConvDense>& dense);

} // namespace wfl

#endif
