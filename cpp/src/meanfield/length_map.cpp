#include "isometry/meanfield/length_map.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "isometry/core/brent.hpp"
#include "isometry/meanfield/normal_expectation.hpp"

namespace isometry::meanfield {
namespace {

constexpr double kPi = 3.14159265358979323846;

template <typename F>
double smooth_expectation(F&& f, double q) {
    return normal_expectation(std::forward<F>(f), q).value;
}

// |h| beyond which tanh' = sech² h <= 4e^{-2|h|} (here < 1e-34) is negligible in every tanh
// integrand below: each has a factor sech² (times at most |h|), so it is integrated over
// |h| <= kTanhReach only, whatever q. That bounds the trapezoidal rule's work (~4 kTanhReach
// points at step 1/2 in h, then a couple of halvings) where the plain rule over |z| <= 9.5
// needs ~19√q points: seconds at q = 1e8 and an overflowing point count past q ~ 1e35.
constexpr double kTanhReach = 40.0;

// E_z[f(√q z)] for an f that decays at least like sech² h.
template <typename F>
double decaying_tanh_expectation(F&& f, double q) {
    return normal_expectation(std::forward<F>(f), q, 1e-14, kTanhReach).value;
}

// E[tanh²(√q z)]. For q <= 1 directly (the integrand is smooth at the scale of the Gaussian, a
// bounded number of points). Above, as 1 − E[sech²(√q z)]: the part that does not decay is
// exact, and E[tanh²] >= 0.39 there, so the subtraction keeps ~1e-14 relative accuracy.
double tanh_second_moment(double q) {
    if (q <= 1.0)
        return smooth_expectation(
            [](double h) {
                const double t = std::tanh(h);
                return t * t;
            },
            q);
    return 1.0 - decaying_tanh_expectation([](double h) { return tanh_derivative(h); }, q);
}

void require_positive_q(double q, const char* what) {
    if (!(q > 0.0) || !std::isfinite(q)) {
        throw std::invalid_argument(std::string(what) + ": q must be positive and finite, got " +
                                    std::to_string(q));
    }
}

// E[z² 1(|z| < 1/√q)] = erf(s) - (2s/√π) e^{-s²} for z ~ N(0, 1), s = 1/√(2q): hard_tanh's
// E φ'² and, times q, the clipped part of its E φ². For small s (large q) the two terms cancel to
// O(s³): sum the series (2/√π) Σ_{n>=1} (-1)^{n+1} 2n s^{2n+1} / (n! (2n+1)).
double clipped_second_moment(double s) {
    if (s > 0.5) return std::erf(s) - 2.0 * s / std::sqrt(kPi) * std::exp(-s * s);
    double sum = 0.0, power = s;  // power = (-1)^{n+1} s^{2n+1} / n!
    for (int n = 1; n < 30; ++n) {
        power *= (n == 1 ? 1.0 : -1.0) * s * s / n;
        const double term = power * 2.0 * n / (2.0 * n + 1.0);
        sum += term;
        if (std::fabs(term) < 1e-17 * std::fabs(sum)) break;
    }
    return 2.0 / std::sqrt(kPi) * sum;
}

}  // namespace

double second_moment(Activation a, double q) {
    require_positive_q(q, "second_moment");
    switch (a) {
        case Activation::linear:
            return q;
        case Activation::relu:
            return 0.5 * q;
        case Activation::hard_tanh: {
            // q erf(s) - sqrt(2q/π) e^{-s²} + 1 - erf(s), s = 1/√(2q)  (docs/theory/meanfield.md),
            // written as q·E[z² 1(|z| < 1/√q)] + erfc(s): the first two terms cancel at large q.
            const double s = 1.0 / std::sqrt(2.0 * q);
            return q * clipped_second_moment(s) + std::erfc(s);
        }
        case Activation::erf: {
            // E[erf(c x)²] = (2/π) asin(2c²q / (1 + 2c²q)), x ~ N(0, q), c = √π/2
            const double t = 0.5 * kPi * q;
            return (2.0 / kPi) * std::asin(t / (1.0 + t));
        }
        case Activation::tanh:
            return tanh_second_moment(q);
    }
    throw std::logic_error("second_moment: unknown activation");
}

double derivative_moment(Activation a, double q, int k) {
    require_positive_q(q, "derivative_moment");
    if (k < 1) throw std::invalid_argument("derivative_moment: k must be >= 1");
    switch (a) {
        case Activation::linear:
            return 1.0;
        case Activation::relu:
            return 0.5;
        case Activation::hard_tanh:
            return std::erf(1.0 / std::sqrt(2.0 * q));
        case Activation::erf:
            return 1.0 / std::sqrt(1.0 + kPi * k * q);
        case Activation::tanh:
            return decaying_tanh_expectation([k](double h) { return std::pow(tanh_derivative(h), 2 * k); },
                                             q);
    }
    throw std::logic_error("derivative_moment: unknown activation");
}

double derivative_moment_small_q(Activation a, int k) {
    if (k < 1) throw std::invalid_argument("derivative_moment_small_q: k must be >= 1");
    return a == Activation::relu ? 0.5 : 1.0;
}

double second_moment_slope(Activation a, double q) {
    require_positive_q(q, "second_moment_slope");
    switch (a) {
        case Activation::linear:
            return 1.0;
        case Activation::relu:
            return 0.5;
        case Activation::hard_tanh:
            return clipped_second_moment(1.0 / std::sqrt(2.0 * q));
        case Activation::erf: {
            // d/dq (2/π) asin(t/(1+t)), t = πq/2
            const double t = 0.5 * kPi * q;
            return 1.0 / ((1.0 + t) * std::sqrt(1.0 + 2.0 * t));
        }
        case Activation::tanh:
            // E[φ(h) φ'(h) h] / q with h = √q z: the integrand is smooth and non-negative.
            return decaying_tanh_expectation([](double h) { return std::tanh(h) * tanh_derivative(h) * h; },
                                             q) /
                   q;
    }
    throw std::logic_error("second_moment_slope: unknown activation");
}

double length_map(Activation a, double q, double sigma_w, double sigma_b) {
    return sigma_w * sigma_w * second_moment(a, q) + sigma_b * sigma_b;
}

void check_variances_finite(double sigma_w, double sigma_b, const char* what) {
    if (!std::isfinite(sigma_w * sigma_w + sigma_b * sigma_b)) {
        std::ostringstream msg;
        msg << what << ": sigma_w**2 + sigma_b**2 overflows a double (sigma_w = " << sigma_w
            << ", sigma_b = " << sigma_b << "); each must be below 1e154";
        throw std::overflow_error(msg.str());
    }
}

FixedPoint q_star(Activation a, double sigma_w, double sigma_b) {
    check_variances_finite(sigma_w, sigma_b, "q_star");
    const double vw = sigma_w * sigma_w, vb = sigma_b * sigma_b;
    if (a == Activation::linear || a == Activation::relu) {
        // Homogeneous: q -> slope·q + σ_b².
        const double slope = a == Activation::linear ? vw : 0.5 * vw;
        // σ_w = √2 rounds to a slope of 1 + 2ε; within a few ulps the map is critical.
        const bool critical = std::fabs(slope - 1.0) <= 8.0 * std::numeric_limits<double>::epsilon();
        if (critical && vb == 0.0) return FixedPoint{0.0, FixedPointKind::scale_invariant, 0};
        if (slope < 1.0 && !critical) {
            return vb > 0.0 ? FixedPoint{vb / (1.0 - slope), FixedPointKind::positive, 0}
                            : FixedPoint{0.0, FixedPointKind::zero, 0};
        }
        return FixedPoint{0.0, FixedPointKind::divergent, 0};
    }
    // Bounded φ with φ'(0) = 1: f(q) = L(q) - q is positive near 0 (if σ_b > 0, or σ_w > 1) and
    // negative at q = σ_w² + σ_b² because E[φ²] < 1.
    if (vb == 0.0 && vw <= 1.0) return FixedPoint{0.0, FixedPointKind::zero, 0};
    auto excess = [&](double q) { return length_map(a, q, sigma_w, sigma_b) - q; };
    const double hi = vw + vb;
    double lo = vb > 0.0 ? vb : hi;
    if (vb == 0.0) {  // halve until the linear growth (σ_w² - 1) q dominates
        int halvings = 0;
        while (!(excess(lo) > 0.0)) {
            lo *= 0.5;
            if (++halvings > 1100) {
                return FixedPoint{0.0, FixedPointKind::zero, halvings};
            }
        }
    }
    const RootResult root = brent_root(excess, lo, hi, 0.0);
    return FixedPoint{root.x, FixedPointKind::positive, root.iterations};
}

}  // namespace isometry::meanfield
