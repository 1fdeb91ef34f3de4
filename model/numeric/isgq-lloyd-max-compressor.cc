#include "isgq-lloyd-max-compressor.h"

#include "isgq-codebook-fit.h"
#include "layer-factors-check.h"
#include "symbol-bits.h"
#include "symbol-counter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace wfl
{

namespace
{

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Scale and symbols of x[0..n) under `codebook` (no codebook sent yet),
/// the symbols counted into `counter` when one is given.
LloydMaxFactor
QuantizeArray(const float* x, size_t n, const LloydMaxCodebook& codebook, SymbolCounter* counter = nullptr)
{
    LloydMaxFactor f;
    f.scale = LloydMaxScale(x, n);
    f.symbols = LloydMaxSymbols(x, n, f.scale, codebook, counter);
    return f;
}

/// The L float values the symbols stand for: the sent codebook, or scale x
/// the model points (computed identically by encoder and decoder).
std::vector<float>
Reconstruction(const LloydMaxFactor& f, const LloydMaxCodebook& model)
{
    if (!f.codebook.empty())
    {
        return f.codebook;
    }
    std::vector<float> values;
    for (const double p : model.points)
    {
        values.push_back(static_cast<float>(static_cast<double>(f.scale) * p));
    }
    return values;
}

/// out[i] = values[symbol i], 0 for the zero symbol (L = values.size() <= 16),
/// from a table of 32 floats (the values, then zeros). Under GCC the table is
/// looked up 16 entries at a time by a two-register permute (vpermt2ps under
/// AVX-512): a scalar lookup per entry cost 0.26 ms for 2^20 entries
/// (bench-compressors), 0.08 ms this way. clang (the fuzz build) has no
/// variable-index shuffle builtin and takes the scalar loop.
void
Dequantize(const LloydMaxFactor& f, const std::vector<float>& values, float* out)
{
    constexpr size_t kWidth = 16;
    float table[2 * kWidth] = {}; // symbol L (exact zero) and above: 0
    std::copy(values.begin(), values.end(), table);
    const size_t n = f.symbols.size();
    const int32_t* symbols = f.symbols.data();
    size_t i = 0;
#if defined(__GNUC__) && !defined(__clang__)
    typedef float F32x16 __attribute__((vector_size(64)));
    typedef int32_t I32x16 __attribute__((vector_size(64)));
    F32x16 low;
    F32x16 high;
    std::memcpy(&low, table, sizeof(low));
    std::memcpy(&high, table + kWidth, sizeof(high));
    for (; i + kWidth <= n; i += kWidth)
    {
        I32x16 q;
        std::memcpy(&q, symbols + i, sizeof(q));
        const F32x16 v = __builtin_shuffle(low, high, q); // index k < 16: low[k]; else high[k - 16]
        std::memcpy(out + i, &v, sizeof(v));
    }
#endif
    for (; i < n; ++i)
    {
        out[i] = table[static_cast<size_t>(symbols[i])];
    }
}

Eigen::VectorXd
ToDouble(const std::vector<float>& v)
{
    Eigen::VectorXd d(static_cast<Eigen::Index>(v.size()));
    for (size_t i = 0; i < v.size(); ++i)
    {
        d(static_cast<Eigen::Index>(i)) = v[i];
    }
    return d;
}

/// The codebook as sent (float32), and its double image the next fit step uses.
std::vector<float>
ToFloat(const Eigen::VectorXd& c)
{
    std::vector<float> v;
    for (Eigen::Index i = 0; i < c.size(); ++i)
    {
        v.push_back(static_cast<float>(c(i)));
    }
    return v;
}

} // namespace

IsgqLloydMaxCompressor::IsgqLloydMaxCompressor(const Params& params)
    : m_params(params)
{
    if (params.levels < kMinLevels || params.levels > kLloydMaxMaxLevels)
    {
        throw std::invalid_argument("isgq-lloyd-max: levels must be in 2..16, got " +
                                    std::to_string(params.levels));
    }
}

double
IsgqLloydMaxCompressor::FactoredBits(size_t batch, size_t in, size_t out, uint32_t levels) const
{
    const double codebooks = m_params.method == IsgqLloydMaxMethod::Naive ? 0.0 : 2.0 * kScaleBits * levels;
    return RawSymbolBits(batch * (in + out), levels + 1.0) + 2.0 * kScaleBits + 32.0 + codebooks;
}

double
IsgqLloydMaxCompressor::DirectBits(size_t n, uint32_t levels)
{
    return RawSymbolBits(n, levels + 1.0) + kScaleBits;
}

bool
IsgqLloydMaxCompressor::Factored(const TensorSpan& segment, const LayerFactors* factors, uint32_t levels) const
{
    if (factors == nullptr)
    {
        return false;
    }
    const auto batch = static_cast<size_t>(factors->input.rows());
    const double factored = FactoredBits(batch, static_cast<size_t>(factors->input.cols()),
                                         static_cast<size_t>(factors->error.cols()), levels);
    return m_params.alwaysFactor || factored < DirectBits(segment.size, levels);
}

IsgqLloydMaxPart
IsgqLloydMaxCompressor::EncodeFactored(const LayerFactors& f, size_t segment, uint32_t levels) const
{
    const LloydMaxCodebook& xModel = LloydMaxCodebookOf(m_params.inputModel, levels);
    const LloydMaxCodebook& dModel = LloydMaxCodebookOf(m_params.errorModel, levels);
    IsgqLloydMaxPart part;
    part.segment = segment;
    part.batch = static_cast<uint32_t>(f.input.rows());
    part.input = QuantizeArray(f.input.data(), static_cast<size_t>(f.input.size()), xModel);
    part.error = QuantizeArray(f.error.data(), static_cast<size_t>(f.error.size()), dModel);
    if (m_params.method == IsgqLloydMaxMethod::Naive)
    {
        return part;
    }
    // Alternate X's fit (Delta_hat fixed) and Delta's (X_hat fixed), each
    // from the float32 codebook the other step will send.
    const bool unbiased = m_params.method == IsgqLloydMaxMethod::Mvu;
    const Eigen::MatrixXd x = f.input.cast<double>();
    const Eigen::MatrixXd delta = f.error.cast<double>();
    const auto l = static_cast<int32_t>(levels);
    std::vector<float> cx = Reconstruction(part.input, xModel);
    std::vector<float> cd = Reconstruction(part.error, dModel);
    double previous = std::numeric_limits<double>::infinity();
    for (int round = 0; round < kFitRounds; ++round)
    {
        const Eigen::MatrixXd deltaHat = ReconstructFactor(part.error.symbols, delta.rows(), delta.cols(), ToDouble(cd));
        const CodebookQuadratic forX = FitQuadratic(x, part.input.symbols, l, delta, deltaHat);
        cx = ToFloat(SolveCodebook(forX, ToDouble(cx), unbiased));
        const Eigen::MatrixXd xHat = ReconstructFactor(part.input.symbols, x.rows(), x.cols(), ToDouble(cx));
        const CodebookQuadratic forDelta = FitQuadratic(delta, part.error.symbols, l, x, xHat);
        cd = ToFloat(SolveCodebook(forDelta, ToDouble(cd), unbiased));
        const double objective = forDelta.Objective(ToDouble(cd));
        if (std::isfinite(previous) && std::abs(previous - objective) <= kFitTolerance * previous)
        {
            break;
        }
        previous = objective;
    }
    part.input.codebook = cx;
    part.error.codebook = cd;
    return part;
}

CompressedMessage
IsgqLloydMaxCompressor::Encode(const float* g,
                               size_t dim,
                               const CompressionContext& context,
                               ClientState* /* state */) const
{
    const std::vector<TensorSpan> segments = TensorSpans(context.layout, dim);
    const std::vector<const LayerFactors*> factors = ValidatedLayerFactors(context, segments, g, "isgq-lloyd-max");
    const auto totalBits = [&](uint32_t levels) {
        double bits = 0.0;
        for (size_t k = 0; k < segments.size(); ++k)
        {
            const LayerFactors* f = factors[k];
            bits += Factored(segments[k], f, levels)
                        ? FactoredBits(static_cast<size_t>(f->input.rows()), static_cast<size_t>(f->input.cols()),
                                       static_cast<size_t>(f->error.cols()), levels)
                        : DirectBits(segments[k].size, levels);
        }
        return bits;
    };
    uint32_t levels = m_params.levels;
    while (levels > kMinLevels && totalBits(levels) > context.bitBudget)
    {
        --levels;
    }
    CompressedMessage message;
    message.bitsRaw = totalBits(levels);
    if (message.bitsRaw > context.bitBudget)
    {
        message.fits = false;
        message.bitsRaw = 0.0;
        return message;
    }

    auto payload = std::make_unique<IsgqLloydMaxPayload>();
    payload->levels = levels;
    const LloydMaxCodebook& directModel = LloydMaxCodebookOf(LloydMaxModel::SparseNormal, levels);
    double entropy = 0.0;
    for (size_t k = 0; k < segments.size(); ++k)
    {
        if (Factored(segments[k], factors[k], levels))
        {
            IsgqLloydMaxPart part = EncodeFactored(*factors[k], k, levels);
            const double rawSymbols = RawSymbolBits(part.input.symbols.size() + part.error.symbols.size(), levels + 1.0);
            const double side = FactoredBits(part.batch, static_cast<size_t>(factors[k]->input.cols()),
                                             static_cast<size_t>(factors[k]->error.cols()), levels) - rawSymbols;
            entropy += EntropySymbolBits(part.input.symbols) + EntropySymbolBits(part.error.symbols) + side;
            payload->factored.push_back(std::move(part));
        }
        else
        {
            payload->directSegments.push_back(k);
            SymbolCounter counter(0, static_cast<int32_t>(levels)); // cells 0..L-1, and L for an exact zero
            payload->direct.push_back(QuantizeArray(g + segments[k].offset, segments[k].size, directModel, &counter));
            entropy += EntropyBitsOfCounts(counter.Counts()) + kScaleBits;
        }
    }
    message.bitsEntropy = entropy;
    message.payload = std::move(payload);
    return message;
}

void
IsgqLloydMaxCompressor::Decode(const CompressedMessage& message,
                               size_t dim,
                               const CompressionContext& context,
                               float* out) const
{
    if (!message.fits)
    {
        std::fill(out, out + dim, 0.0F);
        return;
    }
    const auto& payload = dynamic_cast<const IsgqLloydMaxPayload&>(*message.payload);
    const std::vector<TensorSpan> segments = TensorSpans(context.layout, dim);
    const LloydMaxCodebook& directModel = LloydMaxCodebookOf(LloydMaxModel::SparseNormal, payload.levels);
    for (size_t j = 0; j < payload.direct.size(); ++j)
    {
        const LloydMaxFactor& d = payload.direct[j];
        Dequantize(d, Reconstruction(d, directModel), out + segments[payload.directSegments[j]].offset);
    }
    const LloydMaxCodebook& xModel = LloydMaxCodebookOf(m_params.inputModel, payload.levels);
    const LloydMaxCodebook& dModel = LloydMaxCodebookOf(m_params.errorModel, payload.levels);
    for (const IsgqLloydMaxPart& part : payload.factored)
    {
        const TensorLayout& t = (*context.layout)[part.segment];
        const auto batch = static_cast<Eigen::Index>(part.batch);
        const auto rows = static_cast<Eigen::Index>(t.shape[0]); // out
        const auto cols = static_cast<Eigen::Index>(t.shape[1]); // in
        Eigen::MatrixXf x(batch, cols);
        Eigen::MatrixXf delta(batch, rows);
        Dequantize(part.input, Reconstruction(part.input, xModel), x.data());
        Dequantize(part.error, Reconstruction(part.error, dModel), delta.data());
        Eigen::Map<RowMajorMatrix>(out + t.offset, rows, cols).noalias() = delta.transpose() * x;
    }
}

} // namespace wfl
