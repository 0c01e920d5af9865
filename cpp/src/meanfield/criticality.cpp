#include "isometry/meanfield/criticality.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "isometry/core/brent.hpp"

namespace isometry::meanfield {
namespace {

// Relative size of differences of two moments below which the critical curve is treated as
// noise (the custom quadrature is good to ~1e-12 relative).
constexpr double kCurveNoise = 1e-10;

bool is_homogeneous(const Nonlinearity& a) {
    return a.is_builtin() && (a.builtin() == Activation::linear || a.builtin() == Activation::relu);
}

}  // namespace

void check_sigmas(double sigma_w, double sigma_b, const char* what) {
    if (!(sigma_w > 0.0) || !std::isfinite(sigma_w)) {
        throw std::invalid_argument(std::string(what) + ": sigma_w must be positive and finite, got " +
                                    std::to_string(sigma_w));
    }
    if (!(sigma_b >= 0.0) || !std::isfinite(sigma_b)) {
        throw std::invalid_argument(std::string(what) + ": sigma_b must be non-negative and finite, got " +
                                    std::to_string(sigma_b));
    }
}

double chi1(const Nonlinearity& a, double sigma_w, const FixedPoint& fp) {
    const double vw = sigma_w * sigma_w;
    if (is_homogeneous(a)) return vw * derivative_moment(a, 1.0, 1);
    switch (fp.kind) {
        case FixedPointKind::positive: return vw * derivative_moment(a, fp.q, 1);
        case FixedPointKind::zero: return vw * derivative_moment_small_q(a, 1);
        case FixedPointKind::scale_invariant:
        case FixedPointKind::divergent: break;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

double chi1(const Nonlinearity& a, double sigma_w, double sigma_b) {
    check_sigmas(sigma_w, sigma_b, "chi1");
    return chi1(a, sigma_w, q_star(a, sigma_w, sigma_b));
}

CriticalPoint critical_point(const Nonlinearity& a, double q) {
    if (!(q > 0.0) || !std::isfinite(q)) {
        throw std::invalid_argument("critical_point: q_star must be positive and finite, got " + std::to_string(q));
    }
    const double mu1 = derivative_moment(a, q, 1);
    if (!(mu1 > 0.0)) {
        throw std::domain_error("critical_point: mu_1 = E[phi'(sqrt(q*) z)^2] = 0 at q* = " + std::to_string(q) +
                                ", so no sigma_w gives chi_1 = 1");
    }
    const double vw = 1.0 / mu1;
    double vb = q - vw * second_moment(a, q);
    if (vb < 0.0) {
        if (vb < -1e-10 * q) {
            std::ostringstream msg;
            msg.precision(10);
            msg << "critical_point: q* = " << q << " lies on no critical point of " << a.name()
                << ": sigma_w^2 = 1/mu_1 = " << vw << " would need sigma_b^2 = q* - sigma_w^2 E[phi^2] = " << vb
                << " < 0";
            throw std::domain_error(msg.str());
        }
        vb = 0.0;
    }
    return CriticalPoint{std::sqrt(vw), std::sqrt(vb)};
}

double edge_of_chaos(const Nonlinearity& a, double sigma_b) {
    if (!(sigma_b >= 0.0) || !std::isfinite(sigma_b)) {
        throw std::invalid_argument("edge_of_chaos: sigma_b must be non-negative and finite, got " +
                                    std::to_string(sigma_b));
    }
    if (sigma_b == 0.0) {
        const double mu1 = derivative_moment_small_q(a, 1);
        if (!(mu1 > 0.0)) {
            throw std::domain_error("edge_of_chaos: phi'(0) = 0 for " + a.name() + ", so no sigma_w gives chi_1 = 1");
        }
        return std::sqrt(1.0 / mu1);
    }
    const double target = sigma_b * sigma_b;
    auto no_critical_point = [&](const std::string& why) {
        std::ostringstream msg;
        msg << "edge_of_chaos: no critical point of " << a.name() << " with sigma_b = " << sigma_b << " > 0: " << why;
        return std::domain_error(msg.str());
    };
    if (is_homogeneous(a)) {
        throw no_critical_point("chi_1 = sigma_w^2 mu_1 with mu_1 independent of q, and the length map only has a "
                                "fixed point at chi_1 = 1 when sigma_b = 0");
    }
    // On the critical curve σ_w² = 1/μ₁(q), so the bias needed for q to be the fixed point is:
    auto curve_minus_target = [&](double q) {
        const double mu1 = derivative_moment(a, q, 1);
        if (!(mu1 > 0.0)) throw no_critical_point("mu_1 = 0 at q = " + std::to_string(q));
        return q - second_moment(a, q) / mu1 - target;
    };
    // Bracket: lo with curve <= target (σ_b²(q) <= q, so q = σ_b² qualifies), hi with the curve
    // above the target by more than quadrature noise (~1e-12 q for custom activations): a
    // curve that only touches the target within noise, like relu's σ_b²(q) ≡ 0, has no
    // critical point, not a spurious one at q ~ 1e11.
    double lo = target, hi = 2.0 * target, excess = curve_minus_target(hi);
    while (!(excess > kCurveNoise * hi)) {
        if (excess <= 0.0) lo = hi;
        hi *= 2.0;
        if (hi > kDivergentQ) {
            throw no_critical_point("the critical curve sigma_b^2(q) = q - E[phi^2]/mu_1 does not rise above "
                                    "sigma_b^2 for q up to 1e15");
        }
        excess = curve_minus_target(hi);
    }
    const RootResult root = brent_root(curve_minus_target, lo, hi, 0.0);
    return std::sqrt(1.0 / derivative_moment(a, root.x, 1));
}

}  // namespace isometry::meanfield
