/*
 * Helpers shared by the convolutional-network tests (test-cnn*.cc).
 */
#ifndef WFL_CNN_FIXTURES_H
#define WFL_CNN_FIXTURES_H

#include "convolutional-network.h"

#include <utility>
#include <vector>

namespace cnntest
{

/// A ConvSpec from its fields (chunk defaults to ConvSpec's).
inline wfl::ConvSpec
MakeSpec(int height,
         int width,
         int channels,
         std::vector<int> conv,
         int kernel,
         std::vector<int> hidden,
         int classes,
         int chunk = wfl::ConvSpec{}.chunk)
{
    wfl::ConvSpec spec;
    spec.height = height;
    spec.width = width;
    spec.channels = channels;
    spec.convChannels = std::move(conv);
    spec.kernel = kernel;
    spec.hidden = std::move(hidden);
    spec.classes = classes;
    spec.chunk = chunk;
    return spec;
}

/// LeNet-5 on 28x28x1 images: c6-c16, 5x5 kernels, fc120-84-10.
inline wfl::ConvSpec
LeNet()
{
    return MakeSpec(28, 28, 1, {6, 16}, 5, {120, 84}, 10);
}

} // namespace cnntest

#endif
