#include "isometry/freeprob/exponential_s.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "isometry/freeprob/series.hpp"
#include "isometry/freeprob/stieltjes_solver.hpp"

namespace isometry::freeprob {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kRelativeEpsilon = 1e-10;  // Im z = 1e-10·x, as for the MLP densities

void check_parameters(double a, double b) {
    if (!(a >= 0.0) || !std::isfinite(a)) throw std::invalid_argument("a must be non-negative and finite");
    if (!(b > 0.0) || !std::isfinite(b)) throw std::invalid_argument("b must be positive and finite");
    // The upper edge is e^{a + b M+} (1 + 1/M+) with b M+ < 1 + b/2: keep it inside a double.
    if (a + 0.5 * b > 600.0)
        throw std::invalid_argument("a + b/2 must be at most 600 (the upper edge overflows)");
    // The lower edge is about e^{a − b − 1}/b: keep it above the smallest double.
    if (b - a > 700.0) throw std::invalid_argument("b - a must be at most 700 (the lower edge underflows)");
}

// m_k grow like e^{k a} b^k: refuse instead of returning inf or NaN (inf − inf in the reversion).
void require_finite(const std::vector<double>& moments, const std::string& parameters) {
    for (std::size_t k = 0; k < moments.size(); ++k) {
        if (!std::isfinite(moments[k])) {
            throw std::overflow_error("moment m_" + std::to_string(k + 1) + " overflows a double at " +
                                      parameters + "; ask for fewer moments (order) or a smaller parameter");
        }
    }
}

// m_1..m_order by series reversion of the S-transform (defined at the end).
std::vector<double> series_moments(double a, double b, int order);

double checked_c(double c) {
    if (!(c > 0.0) || !std::isfinite(c)) throw std::invalid_argument("c must be positive and finite");
    // z(M) at the upper edge grows like e^{2c}: beyond c ~ 300 it overflows a double.
    if (c > 300.0) throw std::invalid_argument("c must be at most 300 (the upper edge ~ e^{2c} overflows)");
    return c;
}

double edge_at(double a, double b, double m) {
    return (1.0 + m) / m * std::exp(a + b * m);
}

double root(double b, double sign) {
    return 0.5 * (-1.0 + sign * std::sqrt(1.0 + 4.0 / b));
}

}  // namespace

ExponentialSEquation::ExponentialSEquation(double a, double b) : a_(a), b_(b) {
    check_parameters(a, b);
}

ResnetMasterEquation::ResnetMasterEquation(double c) : ExponentialSEquation(checked_c(c), 2.0 * c) {}

double ExponentialSEquation::lower_edge() const {
    return edge_at(a_, b_, root(b_, -1.0));
}
double ExponentialSEquation::upper_edge() const {
    return edge_at(a_, b_, root(b_, 1.0));
}

LogInverse ExponentialSEquation::log_inverse(complex y) const {
    LogInverse out;
    out.m = y;
    out.one_plus_m = 1.0 + y;
    const complex log_one_plus_m = std::log(out.one_plus_m), log_m = std::log(y);
    out.value = log_one_plus_m - log_m + a_ + b_ * y;
    out.derivative = 1.0 / out.one_plus_m - 1.0 / y + b_;
    out.magnitude = std::abs(log_one_plus_m) + std::abs(log_m) + a_ + b_ * std::abs(y);
    out.derivative_magnitude = 1.0 / std::abs(out.one_plus_m) + 1.0 / std::abs(y) + b_;
    return out;
}

double ExponentialSEquation::log_first_moment() const {
    return a_;
}

double ExponentialSEquation::log_far_height(double t) const {
    return std::log(100.0) + std::max({t, std::log(upper_edge()), 0.0});
}

complex ExponentialSEquation::far_field_y(complex log_z) const {
    return std::exp(a_ - log_z);
}

std::string ExponentialSEquation::describe() const {
    if (a_ == 0.0) return "universal_density (smooth class, sigma0_sq " + format_number(b_) + ")";
    return "exponential-S law (a " + format_number(a_) + ", b " + format_number(b_) + ")";
}

std::string ResnetMasterEquation::describe() const {
    return "resnet_density (c " + format_number(c()) + ")";
}

double ExponentialSEquation::step_limit(complex y) const {
    return 0.5 * std::min(std::abs(y), std::abs(1.0 + y));  // Φ is singular at M = 0 and M = −1
}

Density exponential_s_density(const ExponentialSEquation& eq, std::vector<double> x, int points) {
    if (points < 2 && x.empty()) throw std::invalid_argument("points must be at least 2");
    Density out;
    out.relative_epsilon = kRelativeEpsilon;
    out.support_lower = eq.lower_edge();
    out.support_upper = eq.upper_edge();
    out.lower_edge_is_hard = true;
    out.lambda_max = out.support_upper;
    if (x.empty()) {
        // Both edges are square-root edges: cluster there by a cosine map, in log x when the
        // support spans decades (c ≳ 0.5).
        const double lo = out.support_lower, hi = out.support_upper;
        const bool logarithmic = hi / lo > 100.0;
        out.logarithmic_grid = logarithmic ? 1 : 0;
        x.resize(static_cast<std::size_t>(points));
        for (int i = 0; i < points; ++i) {
            const double u = 0.5 * (1.0 - std::cos(kPi * (i + 0.5) / points));
            x[static_cast<std::size_t>(i)] =
                logarithmic ? std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * u) : lo + (hi - lo) * u;
        }
    }
    const StieltjesSolver solver(eq);
    std::vector<double> t(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) t[i] = std::log(x[i]);
    const GridSolution grid = solver.solve_grid(t, kRelativeEpsilon);
    out.x = x;
    out.density.resize(x.size());
    const complex offset = std::log(complex(1.0, kRelativeEpsilon));
    for (std::size_t i = 0; i < x.size(); ++i) {
        // Outside the support only the Poisson tail of height ε and rounding remain.
        out.density[i] = scaled_continuous_density(t[i] + offset, grid.one_plus_m[i], {}) / x[i];
    }
    out.iterations = grid.iterations;
    out.restarts = grid.restarts;
    out.max_residual = grid.max_residual;
    return out;
}

std::vector<double> resnet_moments(double c, int order) {
    checked_c(c);
    if (order < 1) throw std::invalid_argument("order must be a positive integer");
    std::vector<double> moments = series_moments(c, 2.0 * c, order);
    require_finite(moments, "c = " + std::to_string(c) + ", order = " + std::to_string(order));
    return moments;
}

std::vector<double> exponential_s_moments(double a, double b, int order) {
    check_parameters(a, b);
    if (order < 1) throw std::invalid_argument("order must be a positive integer");
    std::vector<double> moments = series_moments(a, b, order);
    require_finite(moments, "a = " + std::to_string(a) + ", b = " + std::to_string(b) +
                                ", order = " + std::to_string(order));
    return moments;
}

namespace {

std::vector<double> series_moments(double a, double b, int order) {
    const std::size_t n = static_cast<std::size_t>(order) + 1;
    // χ_J(z) = z S(z)/(1 + z) with S(z) = e^{−a} Σ_k (−b z)^k/k!; ψ_J = χ_J^{-1}.
    Series s(n, 0.0), inv_one_plus_z(n, 0.0);
    double term = std::exp(-a);
    for (std::size_t k = 0; k < n; ++k) {
        s[k] = term;
        term *= -b / static_cast<double>(k + 1);
        inv_one_plus_z[k] = k % 2 ? -1.0 : 1.0;
    }
    const Series chi_over_z = multiply(s, inv_one_plus_z);
    Series chi(n, 0.0);
    for (std::size_t k = 1; k < n; ++k) chi[k] = chi_over_z[k - 1];
    const Series psi = reversion(chi);
    return std::vector<double>(psi.begin() + 1, psi.end());
}

}  // namespace

}  // namespace isometry::freeprob
