#include "layer-factors-check.h"

#include <sstream>
#include <stdexcept>

namespace wfl
{

namespace
{
using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
} // namespace

std::vector<const LayerFactors*>
ValidatedLayerFactors(const CompressionContext& context,
                      const std::vector<TensorSpan>& segments,
                      const float* g,
                      const std::string& scheme)
{
    std::vector<const LayerFactors*> bySegment(segments.size(), nullptr);
    if (context.factors == nullptr)
    {
        return bySegment;
    }
    if (context.layout == nullptr)
    {
        throw std::invalid_argument(scheme + ": layer factors need a parameter layout");
    }
    for (const LayerFactors& f : *context.factors)
    {
        if (f.tensor >= segments.size() || bySegment[f.tensor] != nullptr)
        {
            throw std::invalid_argument(scheme + ": factors name tensor " + std::to_string(f.tensor) +
                                        ", out of range or named twice");
        }
        const TensorLayout& t = (*context.layout)[f.tensor];
        const bool shapeOk = t.shape.size() == 2 && f.input.rows() == f.error.rows() && f.input.rows() > 0 &&
                             static_cast<size_t>(f.input.cols()) == t.shape[1] &&
                             static_cast<size_t>(f.error.cols()) == t.shape[0];
        if (!shapeOk)
        {
            throw std::invalid_argument(scheme + ": factors of " + t.name + " do not match its [out x in] shape");
        }
        // Delta^T X must be the tensor's slice of g (row-major [out x in]).
        const Eigen::Map<const RowMajorMatrix> slice(g + t.offset, f.error.cols(), f.input.cols());
        const double mismatch = (f.error.transpose() * f.input - slice).norm();
        // The update is w_new - w in floats: below the parameters' own
        // resolution (roundingAllowance) it cannot match, and need not. A
        // CNN layer whose update fell to |g| = 3.2e-6 against weights of
        // norm ~10 missed the relative bound by 5x (1.5e-8 off) and stopped
        // a sweep point (isgq-lloyd-max, full-size CNN sweep, round ~310).
        if (mismatch > 1e-3 * slice.norm() + f.roundingAllowance + 1e-30)
        {
            std::ostringstream numbers;
            numbers << " (|Delta^T X - g| = " << mismatch << ", |g| = " << slice.norm()
                    << ", rounding allowance " << f.roundingAllowance << ")";
            throw std::invalid_argument(scheme + ": factors of " + t.name +
                                        " do not reproduce the update (Delta^T X != g)" + numbers.str());
        }
        bySegment[f.tensor] = &f;
    }
    return bySegment;
}

} // namespace wfl
