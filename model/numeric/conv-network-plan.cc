#include "conv-network-plan.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace wfl
{
namespace
{

/// A direct-kernel shape: inC -> outC planes of outH x outW with a k x k
/// kernel, over input planes whose rows [rowLo, rowHi) hold data and the rest
/// zero padding, stored with the kernel's row stride.
DirectConvShape
DirectShape(int inC, int outC, int k, int outH, int outW, int rowLo, int rowHi)
{
    DirectConvShape d{};
    d.inC = inC;
    d.outC = outC;
    d.k = k;
    d.outH = outH;
    d.outW = outW;
    d.wp = DirectConvRowStride(outW, k);
    d.planeStride = Eigen::Index{outH + k - 1} * d.wp;
    d.rowLo = rowLo;
    d.rowHi = rowHi;
    return d;
}

/// Forward convolution of a stage on the direct kernel, over its input
/// planes zero-padded by `pad`.
DirectConvShape
ForwardShape(const ConvStage& st, int k)
{
    return DirectShape(st.inC, st.outC, k, st.outH, st.outW, st.pad, st.pad + st.inH);
}

/// Input gradient of stage i > 0 as the direct forward kernel sees it:
/// dIn(c, iy, ix) = 'valid' convolution of the (k-1)-padded output gradient
/// with the flipped kernel (ConvolutionalNetwork::DirectInputGradient). The
/// output gradient sits k - 1 rows down.
DirectConvShape
BackShape(const ConvStage& st, int k)
{
    return DirectShape(st.outC, st.inC, k, st.inH, st.inW, k - 1, k - 1 + st.outH);
}

} // namespace

ConvPlan
PlanConvNetwork(const ConvSpec& spec)
{
    ConvPlan plan;
    const int k = spec.kernel;
    if (spec.height < 1 || spec.width < 1 || spec.channels < 1 || k < 1 ||
        spec.classes < 1 || spec.chunk < 1)
    {
        throw std::invalid_argument("cnn: sizes must be positive");
    }
    if (spec.convChannels.empty())
    {
        throw std::invalid_argument("cnn: needs at least one convolution stage");
    }
    int c = spec.channels;
    int h = spec.height;
    int w = spec.width;
    for (size_t i = 0; i < spec.convChannels.size(); ++i)
    {
        ConvStage s{};
        s.inC = c;
        s.inH = h;
        s.inW = w;
        s.outC = spec.convChannels[i];
        s.pad = i == 0 ? k / 2 : 0;
        s.outH = h + 2 * s.pad - k + 1;
        s.outW = w + 2 * s.pad - k + 1;
        s.poolH = s.outH / 2;
        s.poolW = s.outW / 2;
        if (s.outC < 1)
        {
            throw std::invalid_argument("cnn: convolution channel counts must be positive");
        }
        if (s.poolH < 1 || s.poolW < 1)
        {
            throw std::invalid_argument(
                "cnn: a " + std::to_string(spec.height) + "x" + std::to_string(spec.width) +
                " image is too small for " + std::to_string(spec.convChannels.size()) +
                " stages of " + std::to_string(k) + "x" + std::to_string(k) +
                " convolution and 2x2 pooling");
        }
        if (Eigen::Index{spec.chunk} * s.outH * s.outW * s.outC > std::numeric_limits<int>::max())
        {
            throw std::invalid_argument("cnn: chunk too large for the pooling indices");
        }
        s.k2c = Eigen::Index{c} * k * k;
        s.offset = plan.numParams;
        plan.numParams += Eigen::Index{s.outC} * (s.k2c + 1);
        plan.stages.push_back(s);
        c = s.outC;
        h = s.poolH;
        w = s.poolW;
    }
    plan.flatDim = Eigen::Index{c} * h * w;
    std::vector<int> widths{static_cast<int>(plan.flatDim)};
    for (int width : spec.hidden)
    {
        if (width < 1)
        {
            throw std::invalid_argument("cnn: hidden layer widths must be positive");
        }
        widths.push_back(width);
    }
    widths.push_back(spec.classes);
    for (size_t l = 0; l + 1 < widths.size(); ++l)
    {
        plan.maxWidth = std::max<Eigen::Index>({plan.maxWidth, widths[l], widths[l + 1]});
        plan.dense.push_back(ConvDense{widths[l], widths[l + 1], plan.numParams});
        plan.numParams += Eigen::Index{widths[l + 1]} * (widths[l] + 1);
    }
    plan.directShapes.resize(plan.stages.size());
    for (size_t i = 0; i < plan.stages.size(); ++i)
    {
        const ConvStage& st = plan.stages[i];
        // Direct only where the GEMM would be shallow (Cin*k*k < 32: LeNet's first
        // stage, depth 25); at LeNet's second stage (depth 150) im2col + GEMM
        // trained 31.1k samples/s against 29.8k direct (CPU time, batch 16),
        // and after the pooling and im2col work of issue 12 78.6k against
        // 69.0k (two threads, CPU time, load 15).
        if (st.inC * k * k < 32 && DirectConvSupports(k, st.outW))
        {
            plan.directShapes[i] = ForwardShape(st, k);
        }
    }
    plan.backShapes.resize(plan.stages.size());
    for (size_t i = 1; i < plan.stages.size(); ++i)
    {
        if (DirectConvSupports(k, plan.stages[i].inW))
        {
            plan.backShapes[i] = BackShape(plan.stages[i], k);
        }
    }
    return plan;
}

ParameterLayout
ConvLayout(const std::vector<ConvStage>& stages, const std::vector<ConvDense>& dense)
{
    ParameterLayout layout;
    for (size_t i = 0; i < stages.size(); ++i)
    {
        const ConvStage& s = stages[i];
        const size_t k2c = static_cast<size_t>(s.k2c);
        const size_t out = static_cast<size_t>(s.outC);
        const size_t offset = static_cast<size_t>(s.offset);
        layout.push_back({"conv" + std::to_string(i) + ".weight", {k2c, out}, offset});
        layout.push_back({"conv" + std::to_string(i) + ".bias", {out}, offset + out * k2c});
    }
    for (size_t l = 0; l < dense.size(); ++l)
    {
        const ConvDense& d = dense[l];
        const size_t in = static_cast<size_t>(d.in);
        const size_t out = static_cast<size_t>(d.out);
        const size_t offset = static_cast<size_t>(d.offset);
        layout.push_back({"dense" + std::to_string(l) + ".weight", {in, out}, offset});
        layout.push_back({"dense" + std::to_string(l) + ".bias", {out}, offset + out * in});
    }
    return layout;
}

} // namespace wfl
