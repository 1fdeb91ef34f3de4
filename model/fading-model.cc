#include "fading-model.h"

#include "random.h"

#include "ns3/double.h"

#include <cmath>

namespace wfl
{

NS_OBJECT_ENSURE_REGISTERED(FadingModel);
NS_OBJECT_ENSURE_REGISTERED(NoFading);
NS_OBJECT_ENSURE_REGISTERED(RayleighFading);
NS_OBJECT_ENSURE_REGISTERED(RicianFading);
NS_OBJECT_ENSURE_REGISTERED(NakagamiFading);

namespace
{

std::complex<double>
ComplexNormal(Rng& rng)
{
    // CN(0, 1): each of the two parts has variance 1/2.
    const double re = rng.Normal();
    const double im = rng.Normal();
    return {re * M_SQRT1_2, im * M_SQRT1_2};
}

} // namespace

ns3::TypeId
FadingModel::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("wfl::FadingModel").SetParent<ns3::Object>().SetGroupName("Wfl");
    return tid;
}

std::complex<double>
FadingModel::Sample(Rng& rng) const
{
    return DoSample(rng);
}

ns3::TypeId
NoFading::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("wfl::NoFading")
                                 .SetParent<FadingModel>()
                                 .SetGroupName("Wfl")
                                 .AddConstructor<NoFading>();
    return tid;
}

std::complex<double>
NoFading::DoSample(Rng& /* rng */) const
{
    return {1.0, 0.0};
}

ns3::TypeId
RayleighFading::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("wfl::RayleighFading")
                                 .SetParent<FadingModel>()
                                 .SetGroupName("Wfl")
                                 .AddConstructor<RayleighFading>();
    return tid;
}

std::complex<double>
RayleighFading::DoSample(Rng& rng) const
{
    return ComplexNormal(rng);
}

ns3::TypeId
RicianFading::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("wfl::RicianFading")
            .SetParent<FadingModel>()
            .SetGroupName("Wfl")
            .AddConstructor<RicianFading>()
            .AddAttribute("KFactor",
                          "Ratio of line-of-sight to scattered power, linear (default 3).",
                          ns3::DoubleValue(3.0),
                          ns3::MakeDoubleAccessor(&RicianFading::m_kFactor),
                          ns3::MakeDoubleChecker<double>(0.0));
    return tid;
}

std::complex<double>
RicianFading::DoSample(Rng& rng) const
{
    const double phase = rng.Uniform(0.0, 2.0 * M_PI);
    const double los = std::sqrt(m_kFactor / (m_kFactor + 1.0));
    const double scatter = std::sqrt(1.0 / (m_kFactor + 1.0));
    return std::polar(los, phase) + scatter * ComplexNormal(rng);
}

ns3::TypeId
NakagamiFading::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("wfl::NakagamiFading")
            .SetParent<FadingModel>()
            .SetGroupName("Wfl")
            .AddConstructor<NakagamiFading>()
            .AddAttribute("M",
                          "Nakagami shape m >= 0.5; 1 is Rayleigh, larger is milder (default 2).",
                          ns3::DoubleValue(2.0),
                          ns3::MakeDoubleAccessor(&NakagamiFading::m_m),
                          ns3::MakeDoubleChecker<double>(0.5));
    return tid;
}

std::complex<double>
NakagamiFading::DoSample(Rng& rng) const
{
    const double power = rng.Gamma(m_m) / m_m;
    return std::polar(std::sqrt(power), rng.Uniform(0.0, 2.0 * M_PI));
}

} // namespace wfl
