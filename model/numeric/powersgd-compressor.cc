#include "powersgd-compressor.h"

#include "compression-segments.h"
#include "random.h"
#include "symbol-bits.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wfl
{
namespace
{

using RowMajorMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// m x n of a tensor read as a matrix; m = 0 for 1-D tensors.
std::pair<size_t, size_t>
MatrixShape(const TensorLayout& t)
{
    if (t.shape.size() < 2 || t.shape[0] == 0)
    {
        return {0, 0};
    }
    return {t.shape[0], t.Size() / t.shape[0]};
}

/// The rank used for an m x n matrix at rank r, 0 if it is sent raw.
size_t
FactorRank(size_t m, size_t n, size_t r)
{
    const size_t rt = std::min({r, m, n});
    return rt > 0 && (m + n) * rt < m * n ? rt : 0;
}

/// Gram-Schmidt (twice, for float-level orthogonality) in double; a column
/// that is numerically in the span of the earlier ones becomes zero.
Eigen::MatrixXd
Orthonormalise(Eigen::MatrixXd p)
{
    for (Eigen::Index j = 0; j < p.cols(); ++j)
    {
        const double before = p.col(j).norm();
        for (int pass = 0; pass < 2; ++pass)
        {
            for (Eigen::Index i = 0; i < j; ++i)
            {
                p.col(j) -= p.col(i).dot(p.col(j)) * p.col(i);
            }
        }
        const double after = p.col(j).norm();
        if (after > 1e-10 * before && after > 0.0)
        {
            p.col(j) /= after;
        }
        else
        {
            p.col(j).setZero();
        }
    }
    return p;
}

/// out (row-major m x n) = P Q^T in float: the encoder's residual and the
/// decoder use this same function, so e = M - decoded exactly.
void
Reconstruct(const LowRankPayload::Tensor& t, float* out)
{
    Eigen::Map<RowMajorMatrixF> g(out, t.p.rows(), t.q.rows());
    g.noalias() = t.p * t.q.transpose();
}

} // namespace

PowerSgdCompressor::PowerSgdCompressor(const Params& params)
    : m_params(params)
{
    if (params.rank < 1 || params.rank > 1024)
    {
        throw std::invalid_argument("powersgd: rank must be in [1, 1024]");
    }
}

std::unique_ptr<ClientState>
PowerSgdCompressor::NewClientState(size_t dim) const
{
    auto state = std::make_unique<PowerSgdState>();
    state->residual = Eigen::VectorXf::Zero(static_cast<Eigen::Index>(dim));
    return state;
}

double
PowerSgdCompressor::Bits(size_t dim, const ParameterLayout* layout, size_t rank)
{
    double entries = 0.0;
    for (const TensorLayout& t : LayoutOrFlat(dim, layout))
    {
        const auto [m, n] = MatrixShape(t);
        const size_t rt = FactorRank(m, n, rank);
        entries += rt > 0 ? static_cast<double>((m + n) * rt) : static_cast<double>(t.Size());
    }
    return kScaleBits * entries;
}

CompressedMessage
PowerSgdCompressor::Encode(const float* g, size_t dim, const CompressionContext& context, ClientState* state) const
{
    auto* s = dynamic_cast<PowerSgdState*>(state);
    if (s == nullptr || static_cast<size_t>(s->residual.size()) != dim)
    {
        throw std::invalid_argument("powersgd: client state missing or of the wrong dimension");
    }
    const ParameterLayout layout = LayoutOrFlat(dim, context.layout);
    Eigen::VectorXf p = Eigen::Map<const Eigen::VectorXf>(g, static_cast<Eigen::Index>(dim)) + s->residual;
    if (s->q.size() != layout.size())
    {
        s->q.assign(layout.size(), Eigen::MatrixXf());
        for (size_t t = 0; t < layout.size(); ++t)
        {
            const auto [m, n] = MatrixShape(layout[t]);
            const size_t rt = std::min({m_params.rank, m, n});
            Rng init(context.seed, "powersgd-init", context.client, t);
            s->q[t] = Eigen::MatrixXf::NullaryExpr(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(rt),
                                                   [&init]() { return static_cast<float>(init.Normal()); });
        }
    }
    size_t r = m_params.rank;
    while (r > 1 && Bits(dim, &layout, r) > context.bitBudget)
    {
        --r;
    }
    CompressedMessage message;
    message.bitsRaw = Bits(dim, &layout, r);
    message.bitsEntropy = message.bitsRaw; // float32 factors: no symbol statistics
    if (message.bitsRaw > context.bitBudget)
    {
        message.fits = false;
        s->residual = m_params.feedback ? p : Eigen::VectorXf::Zero(p.size());
        return message;
    }
    Rng redraw(context.seed, "powersgd-redraw", context.client, context.round);
    auto payload = std::make_unique<LowRankPayload>();
    for (size_t t = 0; t < layout.size(); ++t)
    {
        LowRankPayload::Tensor out;
        float* pt = p.data() + layout[t].offset;
        const auto [m, n] = MatrixShape(layout[t]);
        const size_t rt = FactorRank(m, n, r);
        if (rt == 0)
        {
            out.raw.assign(pt, pt + layout[t].Size());
            std::fill(pt, pt + layout[t].Size(), 0.0F); // sent exactly: no residual
            payload->tensors.push_back(std::move(out));
            continue;
        }
        const auto mi = static_cast<Eigen::Index>(m);
        const auto ni = static_cast<Eigen::Index>(n);
        const auto ri = static_cast<Eigen::Index>(rt);
        auto q = s->q[t].leftCols(ri);
        for (Eigen::Index j = 0; j < ri; ++j)
        {
            if (q.col(j).squaredNorm() == 0.0F)
            {
                for (Eigen::Index i = 0; i < ni; ++i)
                {
                    q(i, j) = static_cast<float>(redraw.Normal());
                }
            }
        }
        const Eigen::MatrixXd md = Eigen::Map<const RowMajorMatrixF>(pt, mi, ni).cast<double>();
        const Eigen::MatrixXd pHat = Orthonormalise(md * q.cast<double>());
        out.factored = true;
        out.p = pHat.cast<float>();
        out.q = (md.transpose() * pHat).cast<float>();
        q = out.q; // warm start of the next round
        // e = M - P_hat Q^T (p is overwritten in place by the residual).
        Eigen::Map<RowMajorMatrixF> mt(pt, mi, ni);
        RowMajorMatrixF decoded(mi, ni);
        Reconstruct(out, decoded.data());
        mt -= decoded;
        payload->tensors.push_back(std::move(out));
    }
    s->residual = m_params.feedback ? p : Eigen::VectorXf::Zero(p.size());
    message.payload = std::move(payload);
    return message;
}

void
PowerSgdCompressor::Decode(const CompressedMessage& message,
                           size_t dim,
                           const CompressionContext& context,
                           float* out) const
{
    const auto& p = dynamic_cast<const LowRankPayload&>(*message.payload);
    const ParameterLayout layout = LayoutOrFlat(dim, context.layout);
    for (size_t t = 0; t < layout.size(); ++t)
    {
        const LowRankPayload::Tensor& tensor = p.tensors[t];
        float* ot = out + layout[t].offset;
        if (tensor.factored)
        {
            Reconstruct(tensor, ot);
        }
        else
        {
            std::copy(tensor.raw.begin(), tensor.raw.end(), ot);
        }
    }
}

} // namespace wfl
