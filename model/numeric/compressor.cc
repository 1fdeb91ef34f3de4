#include "compressor.h"

namespace wfl
{

std::unique_ptr<ClientState>
Compressor::NewClientState(size_t /* dim */) const
{
    return nullptr;
}

std::unique_ptr<RoundDecoder>
Compressor::NewRoundDecoder(size_t dim) const
{
    return std::make_unique<AveragingRoundDecoder>(*this, dim);
}

AveragingRoundDecoder::AveragingRoundDecoder(const Compressor& compressor, size_t dim)
    : m_compressor(compressor),
      m_sum(Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim))),
      m_decoded(static_cast<Eigen::Index>(dim))
{
}

void
AveragingRoundDecoder::Add(const CompressedMessage& message, double weight, const CompressionContext& context)
{
    if (!message.fits)
    {
        return; // a silent client contributes nothing
    }
    m_compressor.Decode(message, static_cast<size_t>(m_sum.size()), context, m_decoded.data());
    m_sum += weight * m_decoded.cast<double>();
    m_weight += weight;
}

Eigen::VectorXf
AveragingRoundDecoder::Finish()
{
    // Nobody got through: a zero update (the global model stays).
    return (m_weight > 0.0 ? m_sum / m_weight : m_sum).cast<float>();
}

} // namespace wfl
