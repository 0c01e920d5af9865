#include "isometry/meanfield/criticality.hpp"

#include <algorithm>
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

// Slope of the length map above 1 by more than this counts as unstable (custom quadratures
// are good to ~1e-12 relative; the slope is a ratio of two of them).
constexpr double kSlopeNoise = 1e-9;
// q_star of the candidate point must reproduce its q to this relative accuracy (Brent's root
// on a map whose slope is < 1 there is good to ~1e-12 / (1 − slope)).
constexpr double kFixedPointMatch = 1e-6;

// Why (σ_w, σ_b) with fixed point q on the critical curve is not a usable critical point, or ""
// when it is: q must be the stable fixed point that q_star finds, so that χ₁ = 1 holds there.
// Built-ins tanh, erf, hard_tanh have one positive fixed point, always stable (E[φ²]/q
// decreases), so only user-defined activations are checked. q = 0 is the q → 0 end of the curve.
std::string unstable_reason(const Nonlinearity& a, double q, double sigma_w, double sigma_b) {
    if (a.is_builtin()) return "";
    std::ostringstream msg;
    msg.precision(8);
    if (q > 0.0) {
        const double slope = sigma_w * sigma_w * second_moment_slope(a, q);
        if (slope > 1.0 + kSlopeNoise) {
            msg << "q = " << q << " is an unstable fixed point of the length map at sigma_w = " << sigma_w
                << ", sigma_b = " << sigma_b << " (slope dq'/dq = " << slope << " > 1)";
        }
    }
    const FixedPoint fp = q_star(a, sigma_w, sigma_b);
    const bool same = fp.kind == FixedPointKind::positive ? std::fabs(fp.q - q) <= kFixedPointMatch * q
                                                          : fp.kind == FixedPointKind::zero && q == 0.0;
    if (same && msg.str().empty()) return "";
    if (msg.str().empty()) {
        msg << "q = " << q << " is a fixed point of the length map at sigma_w = " << sigma_w
            << ", sigma_b = " << sigma_b << " but not the one the network reaches from below";
    }
    msg << "; the length map goes to ";
    if (fp.kind == FixedPointKind::positive) {
        msg << "q* = " << fp.q << ", where chi_1 = " << chi1(a, sigma_w, fp);
    } else if (fp.kind == FixedPointKind::zero) {
        msg << "q* = 0, where chi_1 = " << chi1(a, sigma_w, fp);
    } else {
        msg << "infinity (no finite fixed point)";
    }
    return msg.str();
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
        case FixedPointKind::positive:
            return vw * derivative_moment(a, fp.q, 1);
        case FixedPointKind::zero:
            return vw * derivative_moment_small_q(a, 1);
        case FixedPointKind::scale_invariant:
        case FixedPointKind::divergent:
            break;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

double chi1(const Nonlinearity& a, double sigma_w, double sigma_b) {
    check_sigmas(sigma_w, sigma_b, "chi1");
    return chi1(a, sigma_w, q_star(a, sigma_w, sigma_b));
}

CriticalPoint critical_point(const Nonlinearity& a, double q) {
    if (!(q > 0.0) || !std::isfinite(q)) {
        throw std::invalid_argument("critical_point: q_star must be positive and finite, got " +
                                    std::to_string(q));
    }
    const double mu1 = derivative_moment(a, q, 1);
    if (!(mu1 > 0.0)) {
        throw std::domain_error("critical_point: mu_1 = E[phi'(sqrt(q*) z)^2] = 0 at q* = " +
                                std::to_string(q) + ", so no sigma_w gives chi_1 = 1");
    }
    const double vw = 1.0 / mu1;
    double vb = q - vw * second_moment(a, q);
    if (vb < 0.0) {
        if (vb < -1e-10 * q) {
            std::ostringstream msg;
            msg.precision(10);
            msg << "critical_point: q* = " << q << " lies on no critical point of " << a.name()
                << ": sigma_w^2 = 1/mu_1 = " << vw
                << " would need sigma_b^2 = q* - sigma_w^2 E[phi^2] = " << vb << " < 0";
            throw std::domain_error(msg.str());
        }
        vb = 0.0;
    }
    const CriticalPoint point{std::sqrt(vw), std::sqrt(vb)};
    const std::string reason = unstable_reason(a, q, point.sigma_w, point.sigma_b);
    if (!reason.empty()) {
        throw std::domain_error("critical_point: q* = " + std::to_string(q) + " of " + a.name() +
                                " gives no critical point: " + reason);
    }
    return point;
}

double edge_of_chaos(const Nonlinearity& a, double sigma_b) {
    if (!(sigma_b >= 0.0) || !std::isfinite(sigma_b)) {
        throw std::invalid_argument("edge_of_chaos: sigma_b must be non-negative and finite, got " +
                                    std::to_string(sigma_b));
    }
    auto no_critical_point = [&](const std::string& why) {
        std::ostringstream msg;
        msg << "edge_of_chaos: no critical point of " << a.name() << " with sigma_b = " << sigma_b << ": "
            << why;
        return std::domain_error(msg.str());
    };
    std::string rejected;  // why the candidates met so far were refused
    if (sigma_b == 0.0) {
        const double mu1 = derivative_moment_small_q(a, 1);
        if (!(mu1 > 0.0)) {
            throw std::domain_error("edge_of_chaos: phi'(0) = 0 for " + a.name() +
                                    ", so no sigma_w gives chi_1 = 1");
        }
        const double sigma_w = std::sqrt(1.0 / mu1);
        rejected = unstable_reason(a, 0.0, sigma_w, 0.0);
        if (rejected.empty()) return sigma_w;
        rejected =
            "the q -> 0 end of the critical curve, sigma_w = 1/|phi'(0)| = " + std::to_string(sigma_w) +
            ": " + rejected;
    }
    const double target = sigma_b * sigma_b;
    if (is_homogeneous(a)) {
        throw no_critical_point(
            "chi_1 = sigma_w^2 mu_1 with mu_1 independent of q, and the length map only has a "
            "fixed point at chi_1 = 1 when sigma_b = 0");
    }
    // On the critical curve σ_w² = 1/μ₁(q), so the bias needed for q to be the fixed point is:
    auto curve_minus_target = [&](double q) {
        const double mu1 = derivative_moment(a, q, 1);
        if (!(mu1 > 0.0)) throw no_critical_point("mu_1 = 0 at q = " + std::to_string(q));
        return q - second_moment(a, q) / mu1 - target;
    };
    // Scan q upward by doubling from σ_b² (σ_b²(q) <= q, so no solution lies below; σ_b = 0:
    // from kMarginalProbe) and refine each crossing of the target by Brent's method; the first
    // crossing whose q is the stable fixed point the network reaches (unstable_reason) is the
    // answer. A side counts only beyond quadrature noise (~1e-12 q for custom activations): a
    // curve that only touches the target within noise, like relu's σ_b²(q) ≡ 0, has no critical
    // point, not a spurious one at q ~ 1e11. Built-in curves rise monotonically: one crossing.
    auto side = [&](double q, double excess) {
        return excess > kCurveNoise * q ? 1 : (excess <= 0.0 ? -1 : 0);
    };
    double prev_q = target > 0.0 ? target : kMarginalProbe;
    double prev_value = curve_minus_target(prev_q);
    int prev_side = side(prev_q, prev_value);
    for (double q = 2.0 * prev_q; q <= kDivergentQ; q *= 2.0) {
        const double value = curve_minus_target(q);
        const int s = side(q, value);
        if (s == 0) continue;
        if (prev_side != 0 && s != prev_side) {
            const RootResult root = brent_root(curve_minus_target, prev_q, q, 0.0);
            const double sigma_w = std::sqrt(1.0 / derivative_moment(a, root.x, 1));
            const std::string reason = unstable_reason(a, root.x, sigma_w, sigma_b);
            if (reason.empty()) return sigma_w;
            rejected += (rejected.empty() ? "" : "; ") + std::string("sigma_w = ") + std::to_string(sigma_w) +
                        ": " + reason;
        }
        prev_q = q;
        prev_value = value;
        prev_side = s;
    }
    if (!rejected.empty())
        throw no_critical_point("every point of the critical curve with this bias is refused: " + rejected);
    throw no_critical_point(
        "the critical curve sigma_b^2(q) = q - E[phi^2]/mu_1 does not cross sigma_b^2 for q up "
        "to 1e15");
}

CriticalLinePoint critical_sigma_b(const Nonlinearity& a, double sigma_w) {
    if (!(sigma_w > 0.0) || !std::isfinite(sigma_w)) {
        throw std::invalid_argument("critical_sigma_b: sigma_w must be positive and finite, got " +
                                    std::to_string(sigma_w));
    }
    check_variances_finite(sigma_w, 0.0, "critical_sigma_b");
    auto none = [&](const std::string& why) {
        std::ostringstream msg;
        msg.precision(10);
        msg << "critical_sigma_b: no sigma_b >= 0 puts " << a.name() << " with sigma_w = " << sigma_w
            << " on the critical curve chi_1 = 1: " << why;
        return std::domain_error(msg.str());
    };
    const double vw = sigma_w * sigma_w;
    if (is_homogeneous(a)) {
        throw none("chi_1 = sigma_w^2 mu_1 does not depend on q (mu_1 = " +
                   std::to_string(derivative_moment(a, 1.0, 1)) +
                   "); at chi_1 = 1 every q is a fixed point when sigma_b = 0 and none is when sigma_b > 0");
    }
    constexpr double kUlps = 8.0 * std::numeric_limits<double>::epsilon();
    const double at_zero = vw * derivative_moment_small_q(a, 1) - 1.0;
    // χ₁(q) − 1 along the line of fixed σ_w, q = 0 meaning q → 0⁺.
    auto excess = [&](double q) { return q == 0.0 ? at_zero : vw * derivative_moment(a, q, 1) - 1.0; };
    std::string rejected;
    auto reject = [&](double q, const std::string& why) {
        rejected += (rejected.empty() ? "" : "; ") + std::string("q = ") + std::to_string(q) + ": " + why;
    };
    // The q → 0 end: σ_b = 0 and q* = 0.
    if (std::fabs(at_zero) <= kUlps) {
        const std::string reason = unstable_reason(a, 0.0, sigma_w, 0.0);
        if (reason.empty()) return CriticalLinePoint{0.0, 0.0};
        reject(0.0, reason);
    }
    // Scan q by factors of 4 from kScanStart, with the q → 0 value first, and refine each sign
    // change of χ₁(q) − 1 by Brent's method. Where χ₁(q) = 1, σ_b² = q − σ_w² E[φ²] must be
    // >= 0 and q the stable fixed point (unstable_reason). μ₁ of the built-ins decreases in q:
    // one crossing, found in the first bracket that contains it.
    constexpr double kScanStart = 0x1p-40;
    double prev_q = 0.0, prev_value = at_zero;
    for (double q = kScanStart; q <= kDivergentQ; q *= 4.0) {
        const double value = excess(q);
        const bool from_end = prev_q == 0.0 && std::fabs(prev_value) <= kUlps;  // handled above
        if (prev_value != 0.0 && value * prev_value <= 0.0 && !from_end) {
            const double root = brent_root(excess, prev_q, q, 0.0).x;
            double vb = root - vw * second_moment(a, root);
            if (vb < -1e-10 * root) {
                std::ostringstream why;
                why << "sigma_b^2 = q - sigma_w^2 E[phi^2] = " << vb << " < 0";
                reject(root, why.str());
            } else {
                const double sigma_b = std::sqrt(std::max(vb, 0.0));
                const std::string reason = unstable_reason(a, root, sigma_w, sigma_b);
                if (reason.empty()) return CriticalLinePoint{sigma_b, root};
                reject(root, reason);
            }
        }
        prev_q = q;
        prev_value = value;
    }
    if (!rejected.empty()) throw none("every q with chi_1(q) = 1 is refused: " + rejected);
    std::ostringstream why;
    why << "sigma_w^2 mu_1(q) - 1 does not change sign for q in (0, 1e15] (it is " << at_zero
        << " as q -> 0 and " << prev_value << " at q = " << prev_q << ")";
    throw none(why.str());
}

}  // namespace isometry::meanfield
