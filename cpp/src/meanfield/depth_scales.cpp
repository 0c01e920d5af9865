#include "isometry/meanfield/depth_scales.hpp"

#include <cmath>
#include <limits>

#include "isometry/meanfield/correlation_map.hpp"
#include "isometry/meanfield/criticality.hpp"

namespace isometry::meanfield {

double depth_scale(double slope) {
    const double magnitude = std::fabs(slope);
    if (magnitude >= 1.0 - 8.0 * std::numeric_limits<double>::epsilon())
        return std::numeric_limits<double>::infinity();
    if (magnitude == 0.0) return 0.0;
    return -1.0 / std::log(magnitude);
}

DepthScales depth_scales(const Nonlinearity& a, double sigma_w, double sigma_b, const FixedPoint& fp) {
    const double vw = sigma_w * sigma_w;
    DepthScales out{};
    switch (fp.kind) {
        case FixedPointKind::positive: {
            const CorrelationFixedPoint c = c_star(a, fp.q, sigma_w, sigma_b);
            out.c_star = c.c;
            out.slope_c = c.slope;
            out.slope_q = vw * second_moment_slope(a, fp.q);
            break;
        }
        case FixedPointKind::zero:
            out.c_star = 1.0;
            out.slope_c = out.slope_q = vw * derivative_moment_small_q(a, 1);
            break;
        case FixedPointKind::scale_invariant:
            out.c_star = 1.0;
            out.slope_c = out.slope_q = 1.0;
            break;
        case FixedPointKind::divergent: {
            const double nan = std::numeric_limits<double>::quiet_NaN();
            return DepthScales{nan, nan, nan, nan, nan};
        }
    }
    out.xi_q = depth_scale(out.slope_q);
    out.xi_c = depth_scale(out.slope_c);
    return out;
}

DepthScales depth_scales(const Nonlinearity& a, double sigma_w, double sigma_b) {
    check_sigmas(sigma_w, sigma_b, "depth_scales");
    return depth_scales(a, sigma_w, sigma_b, q_star(a, sigma_w, sigma_b));
}

}  // namespace isometry::meanfield
