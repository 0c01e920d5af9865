#include "isometry/meanfield/activation_moments.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "isometry/core/brent.hpp"
#include "isometry/meanfield/piecewise_expectation.hpp"

namespace isometry::meanfield {
namespace {

void require_positive_q(double q, const char* what) {
    if (!(q > 0.0) || !std::isfinite(q)) {
        throw std::invalid_argument(std::string(what) + ": q must be positive and finite, got " +
                                    std::to_string(q));
    }
}

// E_z[g(z, h, φ(h), φ'(h))] with h = √q z, for a user-defined activation; φ or φ' is evaluated
// only when the integrand needs it.
template <typename G>
double custom_expectation(const Nonlinearity& a, double q, bool need_phi, bool need_dphi, G&& g) {
    const double root_q = std::sqrt(q);
    std::vector<double> h, phi, dphi;
    auto integrand = [&](const double* z, double* out, std::size_t n) {
        h.resize(n);
        for (std::size_t i = 0; i < n; ++i) h[i] = root_q * z[i];
        phi.assign(n, 0.0);
        dphi.assign(n, 0.0);
        if (need_phi) a.phi(h.data(), phi.data(), n);
        if (need_dphi) a.dphi(h.data(), dphi.data(), n);
        for (std::size_t i = 0; i < n; ++i) out[i] = g(z[i], phi[i], dphi[i]);
    };
    return piecewise_normal_expectation(integrand, breaks_for_kinks(a.kinks(), root_q), {kCustomRtol, 0.0})
        .value;
}

}  // namespace

double first_moment(const Nonlinearity& a, double q) {
    require_positive_q(q, "first_moment");
    if (a.is_builtin()) {
        // relu: E[max(√q z, 0)] = √q φ_N(0); the others are odd.
        return a.builtin() == Activation::relu ? std::sqrt(q) * 0.39894228040143267794 : 0.0;
    }
    return custom_expectation(a, q, true, false, [](double, double p, double) { return p; });
}

double second_moment(const Nonlinearity& a, double q) {
    if (a.is_builtin()) return second_moment(a.builtin(), q);
    require_positive_q(q, "second_moment");
    return custom_expectation(a, q, true, false, [](double, double p, double) { return p * p; });
}

double derivative_moment(const Nonlinearity& a, double q, int k) {
    if (a.is_builtin()) return derivative_moment(a.builtin(), q, k);
    require_positive_q(q, "derivative_moment");
    if (k < 1) throw std::invalid_argument("derivative_moment: k must be >= 1");
    return custom_expectation(a, q, false, true,
                              [k](double, double, double d) { return std::pow(d * d, k); });
}

double derivative_moment_small_q(const Nonlinearity& a, int k) {
    if (a.is_builtin()) return derivative_moment_small_q(a.builtin(), k);
    if (k < 1) throw std::invalid_argument("derivative_moment_small_q: k must be >= 1");
    bool kink_at_zero = false;
    for (double kink : a.kinks()) kink_at_zero = kink_at_zero || kink == 0.0;
    if (!kink_at_zero) return std::pow(a.dphi(0.0) * a.dphi(0.0), k);
    // One-sided values: 1e-18 is far inside the smooth pieces next to 0 for any sane kink list.
    const double left = a.dphi(-1e-18), right = a.dphi(1e-18);
    return 0.5 * (std::pow(left * left, k) + std::pow(right * right, k));
}

double second_moment_slope(const Nonlinearity& a, double q) {
    if (a.is_builtin()) return second_moment_slope(a.builtin(), q);
    require_positive_q(q, "second_moment_slope");
    return custom_expectation(a, q, true, true, [](double z, double p, double d) { return p * d * z; }) /
           std::sqrt(q);
}

double length_map(const Nonlinearity& a, double q, double sigma_w, double sigma_b) {
    return sigma_w * sigma_w * second_moment(a, q) + sigma_b * sigma_b;
}

FixedPoint q_star(const Nonlinearity& a, double sigma_w, double sigma_b) {
    if (a.is_builtin()) return q_star(a.builtin(), sigma_w, sigma_b);
    check_variances_finite(sigma_w, sigma_b, "q_star");
    const double vw = sigma_w * sigma_w, vb = sigma_b * sigma_b;
    const double phi0 = a.phi(0.0);
    const double excess_at_zero = vw * phi0 * phi0 + vb;  // L(0) - 0
    int evaluations = 0;
    auto excess = [&](double q) {
        ++evaluations;
        return q == 0.0 ? excess_at_zero : length_map(a, q, sigma_w, sigma_b) - q;
    };
    double lo = 0.0;  // excess(lo) > 0 throughout
    if (!(excess_at_zero > 0.0)) {
        const double slope_at_zero = vw * derivative_moment_small_q(a, 1);
        constexpr double kUlps = 8.0 * std::numeric_limits<double>::epsilon();
        if (slope_at_zero < 1.0 - kUlps) return FixedPoint{0.0, FixedPointKind::zero, 0};
        if (slope_at_zero <= 1.0 + kUlps) {
            // Marginal (e.g. σ_w = 1/|φ'(0)|): L(q) − q = κ q² + O(q³) and the sign of κ decides.
            // tanh-like φ have κ < 0 (q = 0 attracts); swish has κ > 0: q^l runs away from 0. At
            // q = kMarginalProbe, κ q² of order 1e-8 stands far above the quadrature's noise
            // (~kCustomRtol q); a |κ| too small to see there counts as q* = 0.
            if (!(excess(kMarginalProbe) > kMarginalNoise * kMarginalProbe)) {
                return FixedPoint{0.0, FixedPointKind::zero, evaluations};
            }
            lo = kMarginalProbe;
        } else {
            // q = 0 is unstable, so L(q) > q just above it; find such a q below the first
            // positive fixed point.
            lo = 1.0;
            while (!(excess(lo) > 0.0)) {
                lo /= 16.0;
                if (lo < 1e-300) return FixedPoint{0.0, FixedPointKind::zero, evaluations};
            }
        }
    }
    double hi = lo > 0.0 ? 2.0 * lo : excess_at_zero;
    while (excess(hi) > 0.0) {
        lo = hi;
        hi *= 2.0;
        if (hi > kDivergentQ) return FixedPoint{0.0, FixedPointKind::divergent, evaluations};
    }
    const RootResult root = brent_root(excess, lo, hi, 0.0);
    return FixedPoint{root.x, FixedPointKind::positive, evaluations};
}

}  // namespace isometry::meanfield
