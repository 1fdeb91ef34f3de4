/*
 * Small-scale block fading: one complex gain per client, round and
 * coherence block, with E|h|^2 = 1 (path loss is applied separately).
 *
 * Draws come from the caller's stream, keyed by (client, round, block), so a
 * gain never depends on how many other clients or blocks were drawn.
 */
#ifndef WFL_FADING_MODEL_H
#define WFL_FADING_MODEL_H

#include "ns3/object.h"

#include <complex>

namespace wfl
{

class Rng;

class FadingModel : public ns3::Object
{
  public:
    static ns3::TypeId GetTypeId();

    /// One block's complex gain, E|h|^2 = 1.
    std::complex<double> Sample(Rng& rng) const;

  private:
    virtual std::complex<double> DoSample(Rng& rng) const = 0;
};

/// h = 1 (AWGN multiple-access channel).
class NoFading : public FadingModel
{
  public:
    static ns3::TypeId GetTypeId();

  private:
    std::complex<double> DoSample(Rng& rng) const override;
};

/// h ~ CN(0, 1): |h|^2 exponential with mean 1, uniform phase.
class RayleighFading : public FadingModel
{
  public:
    static ns3::TypeId GetTypeId();

  private:
    std::complex<double> DoSample(Rng& rng) const override;
};

/**
 * h = sqrt(K/(K+1)) e^{j phi} + sqrt(1/(K+1)) CN(0, 1): a line-of-sight
 * component of random phase phi plus scatter; K = 0 is Rayleigh.
 */
class RicianFading : public FadingModel
{
  public:
    static ns3::TypeId GetTypeId();

  private:
    std::complex<double> DoSample(Rng& rng) const override;
    double m_kFactor = 3.0;
};

/// |h|^2 ~ Gamma(m, 1/m) (Nakagami-m amplitude), uniform phase; m = 1 is Rayleigh.
class NakagamiFading : public FadingModel
{
  public:
    static ns3::TypeId GetTypeId();

  private:
    std::complex<double> DoSample(Rng& rng) const override;
    double m_m = 2.0;
};

} // namespace wfl

#endif
