#include "isometry/meanfield/correlation_map.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "isometry/core/brent.hpp"
#include "isometry/meanfield/activation_moments.hpp"
#include "isometry/meanfield/bivariate_expectation.hpp"
#include "isometry/meanfield/normal_expectation.hpp"
#include "isometry/meanfield/piecewise_expectation.hpp"

namespace isometry::meanfield {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kInvSqrtTwo = 0.70710678118654752440;
// Bracket width at which Brent's method stops for c*: the map itself is only accurate to about
// kCorrelationRtol, so narrowing further would only chase quadrature error.
constexpr double kCStarTolerance = 1e-13;

void check_arguments(double q, double c, const char* what) {
    if (!(q > 0.0) || !std::isfinite(q)) {
        throw std::invalid_argument(std::string(what) + ": q must be positive and finite, got " +
                                    std::to_string(q));
    }
    if (!(c >= -1.0 && c <= 1.0)) {
        throw std::invalid_argument(std::string(what) + ": c must be in [-1, 1], got " + std::to_string(c));
    }
}

double normal_cdf(double x) {
    return 0.5 * std::erfc(-x * kInvSqrtTwo);
}
double normal_pdf(double x) {
    return 0.39894228040143267794 * std::exp(-0.5 * x * x);
}

// P(lo < Z < hi), from whichever tail keeps both terms small (no 1 − 1 cancellation).
double normal_interval(double lo, double hi) {
    if (lo > 0.0) return normal_cdf(-lo) - normal_cdf(-hi);
    if (hi < 0.0) return normal_cdf(hi) - normal_cdf(lo);
    return 1.0 - normal_cdf(lo) - normal_cdf(-hi);
}

double clip(double h) {
    return h < -1.0 ? -1.0 : (h > 1.0 ? 1.0 : h);
}

// E[clip(m + b Z)], Z ~ N(0, 1), b > 0: the parts below −1, between, and above 1.
double clipped_mean(double m, double b) {
    const double lo = (-1.0 - m) / b, hi = (1.0 - m) / b;
    return normal_cdf(-hi) - normal_cdf(lo) + m * normal_interval(lo, hi) +
           b * (normal_pdf(lo) - normal_pdf(hi));
}

// ½ E[(a − clip(m + b Z))²], Z ~ N(0, 1), b > 0: constant (a ± 1)² beyond the kinks, and
// between them E[(d − b Z)²; lo < Z < hi] with d = a − m, from E[Z] and E[Z²] on the interval.
// The terms do not cancel where the value matters: in the bulk (|m| < 1, small b) b² dominates,
// and near a kink all terms are O(b²) with the same sign.
double clipped_half_squared_difference(double a, double m, double b) {
    const double lo = (-1.0 - m) / b, hi = (1.0 - m) / b, d = a - m;
    const double inside = normal_interval(lo, hi);
    const double first = normal_pdf(lo) - normal_pdf(hi);                      // E[Z; lo < Z < hi]
    const double second = inside + lo * normal_pdf(lo) - hi * normal_pdf(hi);  // E[Z²; lo < Z < hi]
    return 0.5 * ((a + 1.0) * (a + 1.0) * normal_cdf(lo) + (a - 1.0) * (a - 1.0) * normal_cdf(-hi) +
                  d * d * inside - 2.0 * d * b * first + b * b * second);
}

// hard_tanh: E[F(z₁)] with the inner expectation over z₂ in closed form; `inner(h₁, m, b)` gives
// the integrand at h₁ = √q z₁, inner mean m = √q c z₁ and inner width b = √q s.
template <typename Inner>
double hard_tanh_expectation(double q, double c, double rtol, double accuracy, Inner&& inner) {
    const double root_q = std::sqrt(q), b = root_q * std::sqrt((1.0 - c) * (1.0 + c));
    auto integrand = [&](const double* z, double* out, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) out[i] = inner(root_q * z[i], root_q * c * z[i], b);
    };
    std::vector<double> breaks{-1.0 / root_q, 1.0 / root_q};
    if (c != 0.0) {  // where the inner mean crosses a kink (see bivariate_expectation.hpp)
        for (double k : {-1.0, 1.0})
            add_smoothed_kink_breaks(k / (root_q * c), b / (root_q * std::fabs(c)), breaks);
    }
    return piecewise_normal_expectation(integrand, breaks, {rtol, accuracy}).value;
}

// Which expectation over the pair (u₁, u₂): E[φφ], E[φ'φ'], or the gap E[φ²] − E[φφ] as
// ½ E[(φ(u₁) − φ(u₂))²] (see PairKernel in bivariate_expectation.hpp).
enum class PairQuantity { cross, derivative_cross, gap };

// tanh by nested trapezoidal rules (normal_expectation.hpp). Both levels are analytic in a strip
// set by tanh's poles: the inner integrand tanh(m + b z₂) in |Im z₂| < π/(2b), the outer one in
// |Im z₁| < π/(2√q) (the inner expectation is entire in m, a Gaussian smoothing of a bounded
// function). There the trapezoid converges geometrically with step ∝ 1/rate and needs several
// times fewer points than Gauss–Kronrod. The outer integrand is even in z₁ ((u₁, u₂) and
// (−u₁, −u₂) have the same law and tanh, tanh' are odd, even), so only z₁ >= 0 is evaluated.
// `rtol`, `accuracy`: relative and absolute error asked of the result; `f_rms`: root mean square
// of f(u).
//
// The trapezoid's work grows like √q at each level (~19√q points over |z| <= 9.5): minutes at
// q ~ 1e8, and at depth_scales for a large σ_w nothing returns. Above kTanhTrapezoidMaxQ the
// pair goes to the nested piecewise Gauss–Kronrod rule of the custom activations instead, whose
// pieces are graded down to the scale 1/√q around h = 0 (breaks_for_kinks): O(log q) pieces.
constexpr double kTanhTrapezoidMaxQ = 100.0;

double tanh_expectation(PairQuantity what, double q, double c, double rtol, double accuracy, double f_rms) {
    const bool derivative = what == PairQuantity::derivative_cross, gap = what == PairQuantity::gap;
    auto f = [derivative](double h) { return derivative ? tanh_derivative(h) : std::tanh(h); };
    if (q > kTanhTrapezoidMaxQ) {
        auto batch = [&f](const double* h, double* out, std::size_t n) {
            for (std::size_t i = 0; i < n; ++i) out[i] = f(h[i]);
        };
        const std::vector<double> no_kinks;
        return bivariate_normal_expectation(batch, no_kinks, batch, no_kinks, q, c, rtol, accuracy, f_rms,
                                            gap ? PairKernel::half_squared_difference : PairKernel::product);
    }
    const double root_q = std::sqrt(q), b = root_q * std::sqrt((1.0 - c) * (1.0 + c));
    // As in bivariate_normal_expectation: half the budget outside, a quarter inside.
    const double inner_atol = gap ? 0.25 * accuracy : 0.25 * accuracy / f_rms;
    // E_{z₂}[kernel(f₁, f(m + b z₂))]
    auto inner = [&](double m, double f1) {
        auto kernel = [&](double f2) { return gap ? 0.5 * (f1 - f2) * (f1 - f2) : f2; };
        if (b == 0.0) return kernel(f(m));
        auto integrand = [&](double z2) { return kernel(f(m + b * z2)); };
        return trapezoid_normal_expectation(integrand, b, rtol, inner_atol).value;
    };
    auto outer = [&](double z1) {
        const double f1 = f(root_q * z1);
        return gap ? inner(root_q * c * z1, f1) : f1 * inner(root_q * c * z1, f1);
    };
    return trapezoid_normal_expectation(outer, root_q, rtol, 0.5 * accuracy, true).value;
}

// User-defined activations: nested piecewise Gauss–Kronrod over φ or φ'
// of `a`, to `rtol` relative or `accuracy` absolute; `f_rms`: root mean square of f(u).
double nested_expectation(const Nonlinearity& a, PairQuantity what, double q, double c, double rtol,
                          double accuracy, double f_rms) {
    const bool derivative = what == PairQuantity::derivative_cross;
    auto f = [&](const double* h, double* out, std::size_t n) {
        if (derivative)
            a.dphi(h, out, n);
        else
            a.phi(h, out, n);
    };
    const PairKernel kernel =
        what == PairQuantity::gap ? PairKernel::half_squared_difference : PairKernel::product;
    return bivariate_normal_expectation(f, a.kinks(), f, a.kinks(), q, c, rtol, accuracy, f_rms, kernel);
}

}  // namespace

double cross_moment(const Nonlinearity& a, double q, double c) {
    check_arguments(q, c, "cross_moment");
    const double mean_square = second_moment(a, q);
    if (c == 1.0) return mean_square;
    if (c == 0.0) {  // u₁, u₂ independent: exactly E[φ]² (0 for odd φ), as c* = 0 needs
        const double mean = first_moment(a, q);
        return mean * mean;
    }
    // Quadratures: to kCorrelationRtol relative to the c = 1 value, which bounds |E[φφ]|.
    const double accuracy = kCorrelationRtol * mean_square, rms = std::sqrt(mean_square);
    if (!a.is_builtin())
        return nested_expectation(a, PairQuantity::cross, q, c, kCorrelationRtol, accuracy, rms);
    switch (a.builtin()) {
        case Activation::linear:
            return q * c;
        case Activation::relu:
            return q / (2.0 * kPi) * (std::sqrt((1.0 - c) * (1.0 + c)) + (kPi - std::acos(c)) * c);
        case Activation::erf: {
            const double t = 0.5 * kPi * q;
            return (2.0 / kPi) * std::asin(t * c / (1.0 + t));
        }
        case Activation::hard_tanh:
            return hard_tanh_expectation(q, c, kCorrelationRtol, accuracy, [](double h1, double m, double b) {
                return clip(h1) * (b == 0.0 ? clip(m) : clipped_mean(m, b));
            });
        case Activation::tanh:
            return tanh_expectation(PairQuantity::cross, q, c, kCorrelationRtol, accuracy, rms);
    }
    throw std::logic_error("cross_moment: unknown activation");
}

double derivative_cross_moment(const Nonlinearity& a, double q, double c) {
    check_arguments(q, c, "derivative_cross_moment");
    const double mu1 = derivative_moment(a, q, 1);
    if (c == 1.0) return mu1;
    const double accuracy = kCorrelationRtol * mu1, rms = std::sqrt(mu1);
    if (!a.is_builtin()) {
        return nested_expectation(a, PairQuantity::derivative_cross, q, c, kCorrelationRtol, accuracy, rms);
    }
    switch (a.builtin()) {
        case Activation::linear:
            return 1.0;
        case Activation::relu:
            return (kPi - std::acos(c)) / (2.0 * kPi);
        case Activation::erf: {
            const double t = 0.5 * kPi * q;
            return 1.0 / std::sqrt((1.0 + t) * (1.0 + t) - (t * c) * (t * c));
        }
        case Activation::hard_tanh:
            return hard_tanh_expectation(q, c, kCorrelationRtol, accuracy, [](double h1, double m, double b) {
                if (!(h1 > -1.0 && h1 < 1.0)) return 0.0;
                if (b == 0.0) return (m > -1.0 && m < 1.0) ? 1.0 : 0.0;
                return normal_interval((-1.0 - m) / b, (1.0 - m) / b);
            });
        case Activation::tanh:
            return tanh_expectation(PairQuantity::derivative_cross, q, c, kCorrelationRtol, accuracy, rms);
    }
    throw std::logic_error("derivative_cross_moment: unknown activation");
}

double cross_moment_gap(const Nonlinearity& a, double q, double c) {
    check_arguments(q, c, "cross_moment_gap");
    if (c == 1.0) return 0.0;
    // For c <= 0 the difference is a sum of comparable terms, not a cancellation.
    if (c <= 0.0) return second_moment(a, q) - cross_moment(a, q, c);
    // Quadratures: the gap is a power series Σ a_k (1 − c^k) with a_k >= 0, so on [0, 1) it is
    // at least (1 − c) Var φ(u); ask for `rtol` of that besides `rtol` relative. The integrand
    // (φ(u₁) − φ(u₂))² is a difference of O(1) values that are O(√(1 − c)) apart, so rounding
    // alone leaves it ~ε/√(1 − c) relative noise: rtol is not asked below 100 times that.
    const double rtol =
        std::max(kCorrelationRtol, 100.0 * std::numeric_limits<double>::epsilon() / std::sqrt(1.0 - c));
    const double mean = first_moment(a, q);
    const double accuracy = rtol * (1.0 - c) * (second_moment(a, q) - mean * mean);
    const double s = std::sqrt((1.0 - c) * (1.0 + c));
    if (!a.is_builtin()) return nested_expectation(a, PairQuantity::gap, q, c, rtol, accuracy, 0.0);
    switch (a.builtin()) {
        case Activation::linear:
            return q * (1.0 - c);
        case Activation::relu: {
            // q/2 − cross_moment = q/(2π) (π (1 − c) + θ cos θ − sin θ), θ = arccos c. For small θ
            // the last two cancel to −θ³/3: sum Σ_{n>=1} (−1)^n 2n θ^{2n+1}/(2n+1)! instead.
            const double theta = std::acos(c);
            double odd_part = theta * c - s;
            if (theta < 0.5) {
                odd_part = 0.0;
                double power = theta;  // (−1)^n θ^{2n+1} / (2n+1)!
                for (int n = 1; n < 20; ++n) {
                    power *= -theta * theta / ((2.0 * n) * (2.0 * n + 1.0));
                    odd_part += 2.0 * n * power;
                    if (std::fabs(power) < 1e-18 * std::fabs(odd_part)) break;
                }
            }
            return q / (2.0 * kPi) * (kPi * (1.0 - c) + odd_part);
        }
        case Activation::erf: {
            // (2/π)(asin x − asin(c x)), x = t/(1 + t), as one asin: for c >= 0,
            // sin(α − β) = x (1 − c²) / (√(1 − c²x²) + c √(1 − x²)).
            const double t = 0.5 * kPi * q, x = t / (1.0 + t);
            return (2.0 / kPi) * std::asin(x * (1.0 - c) * (1.0 + c) /
                                           (std::sqrt(1.0 - c * c * x * x) + c * std::sqrt(1.0 - x * x)));
        }
        case Activation::hard_tanh:
            return hard_tanh_expectation(q, c, rtol, accuracy, [](double h1, double m, double b) {
                const double a = clip(h1);
                return b == 0.0 ? 0.5 * (a - clip(m)) * (a - clip(m))
                                : clipped_half_squared_difference(a, m, b);
            });
        case Activation::tanh:
            return tanh_expectation(PairQuantity::gap, q, c, rtol, accuracy, 0.0);
    }
    throw std::logic_error("cross_moment_gap: unknown activation");
}

double correlation_map(const Nonlinearity& a, double q, double c, double sigma_w, double sigma_b) {
    if (c == 1.0) {
        check_arguments(q, c, "correlation_map");
        return 1.0;
    }
    const double vw = sigma_w * sigma_w, vb = sigma_b * sigma_b;
    return (vw * cross_moment(a, q, c) + vb) / length_map(a, q, sigma_w, sigma_b);
}

double correlation_map_slope(const Nonlinearity& a, double q, double c, double sigma_w, double sigma_b) {
    const double vw = sigma_w * sigma_w;
    return vw * q * derivative_cross_moment(a, q, c) / length_map(a, q, sigma_w, sigma_b);
}

CorrelationFixedPoint c_star(const Nonlinearity& a, double q, double sigma_w, double sigma_b) {
    const double slope_at_one = correlation_map_slope(a, q, 1.0, sigma_w, sigma_b);
    // Within 8 ulps of 1 the map is critical up to the rounding of q* (q/L(q) = 1 ± ulps).
    if (slope_at_one <= 1.0 + 8.0 * std::numeric_limits<double>::epsilon()) {
        return CorrelationFixedPoint{1.0, slope_at_one, 0};
    }
    // (f(c) − c)/(1 − c) = 1 − (1 − f(c))/(1 − c), with 1 − f(c) = σ_w² (E[φ²] − E[φφ])/L(q)
    // from the gap, which keeps its relative accuracy as c → 1: c* next to 1 (just above
    // criticality) stays resolved.
    const double vw_over_length = sigma_w * sigma_w / length_map(a, q, sigma_w, sigma_b);
    // f(0) = (σ_w² E[φ]² + σ_b²)/L(q) >= 0; exactly 0 for odd built-ins without bias, where c* = 0.
    const double at_zero = correlation_map(a, q, 0.0, sigma_w, sigma_b);
    auto deflated = [&](double c) {
        if (c == 0.0) return at_zero;
        if (c == 1.0) return 1.0 - slope_at_one;
        return 1.0 - vw_over_length * cross_moment_gap(a, q, c) / (1.0 - c);
    };
    if (!(at_zero > 0.0)) {
        return CorrelationFixedPoint{0.0, correlation_map_slope(a, q, 0.0, sigma_w, sigma_b), 1};
    }
    RootResult root;
    try {
        root = brent_root(deflated, 0.0, 1.0, kCStarTolerance);
    } catch (const ConvergenceError& error) {
        std::ostringstream msg;
        msg << "c_star: the correlation map at q = " << q << ", sigma_w = " << sigma_w
            << ", sigma_b = " << sigma_b << ": " << error.what();
        throw ConvergenceError(msg.str());
    }
    return CorrelationFixedPoint{root.x, correlation_map_slope(a, q, root.x, sigma_w, sigma_b),
                                 root.iterations};
}

}  // namespace isometry::meanfield
