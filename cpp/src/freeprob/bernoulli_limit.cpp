#include "isometry/freeprob/bernoulli_limit.hpp"

#include <cmath>
#include <complex>
#include <limits>
#include <stdexcept>
#include <string>

#include "isometry/freeprob/master_equation.hpp"
#include "isometry/freeprob/series.hpp"

namespace isometry::freeprob {
namespace {

constexpr double kPi = 3.14159265358979323846;

// log x(v) − log σ₀² = log(sin v / v) + v cot v, written in w = π − v near π (where x -> 0) so
// that the parameter keeps its relative precision down to x ~ e^{-1e15}.
double log_ratio(double v) {
    if (v < 1e-8) return 1.0 - v * v / 2.0;  // log(sin v/v) + v cot v = 1 − v²/2 + O(v⁴)... to rounding
    const double w = kPi - v;
    return std::log(std::sin(w) / v) + v * std::cos(v) / std::sin(w);
}

}  // namespace

BernoulliLimit::BernoulliLimit(double sigma0_sq) : s2_(sigma0_sq) {
    if (!(sigma0_sq > 0.0) || !std::isfinite(sigma0_sq))
        throw std::invalid_argument("sigma0_sq must be positive and finite");
    // The edge σ₀² e is a double for any double σ₀² below ~6e307; the atom e^{σ₀²} for σ₀² < 1.
    if (sigma0_sq > 1e300)
        throw std::invalid_argument("sigma0_sq must be at most 1e300 (the edge sigma0_sq*e overflows)");
}

double BernoulliLimit::upper_edge() const {
    return s2_ * std::exp(1.0);
}

std::vector<Atom> BernoulliLimit::atoms() const {
    if (s2_ < 1.0) return {{std::exp(s2_), 1.0 - s2_}};
    return {};
}

double BernoulliLimit::parameter(double log_x) const {
    // log_ratio decreases from 1 (v -> 0) to −∞ (v -> π): bisection, in v on (0, π/2] and in
    // log(π − v) beyond, to rounding.
    const double r = log_x - std::log(s2_);
    if (!(r < 1.0)) return 0.0;
    if (r >= log_ratio(0.5 * kPi)) {
        double lo = 0.0, hi = 0.5 * kPi;  // log_ratio(lo) > r >= log_ratio(hi)
        for (int i = 0; i < 200 && hi - lo > 1e-17; ++i) {
            const double mid = 0.5 * (lo + hi);
            (log_ratio(mid) > r ? lo : hi) = mid;
        }
        return 0.5 * (lo + hi);
    }
    double lo = std::log(0.5 * kPi), hi = -745.0;  // log w: log_ratio(π − e^lo) >= r > log_ratio(π − e^hi)
    for (int i = 0; i < 200 && lo - hi > 1e-15; ++i) {
        const double mid = 0.5 * (lo + hi);
        (log_ratio(kPi - std::exp(mid)) > r ? lo : hi) = mid;
    }
    return kPi - std::exp(0.5 * (lo + hi));
}

double BernoulliLimit::log_x(double v) const {
    return std::log(s2_) + log_ratio(v);
}

double BernoulliLimit::scaled_density(double log_x) const {
    const double v = parameter(log_x);
    if (!(v > 0.0)) return 0.0;
    const double v_cot = v * std::cos(v) / std::sin(v);
    return s2_ / kPi * v / ((s2_ - v_cot) * (s2_ - v_cot) + v * v);
}

double BernoulliLimit::cdf(double log_x) const {
    if (!(log_x < std::log(upper_edge()))) return std::min(s2_, 1.0);
    const double v = parameter(log_x);
    const double v_cot = v * std::cos(v) / std::sin(v);
    return (std::atan2(v, -v_cot) + (s2_ - 1.0) * std::atan2(v, s2_ - v_cot)) / kPi;
}

Density bernoulli_limit_density(const BernoulliLimit& law, std::vector<double> x, int points) {
    if (points < 2 && x.empty()) throw std::invalid_argument("points must be at least 2");
    Density out;
    out.atoms = law.atoms();
    out.support_upper = law.upper_edge();
    out.lambda_max =
        out.atoms.empty() ? out.support_upper : std::max(out.support_upper, out.atoms[0].location);
    const double upper = std::log(out.support_upper), lower = std::log(1e-300);
    if (x.empty()) {
        // In the parameter v (x(v) decreases from the edge at v = 0 to 0 at v = π): three
        // quarters of the points uniform in v from x = 1e-300 up to v = 0.05, the rest geometric
        // in v from there to 1e-9, next to the edge: as σ₀² -> 1 the atom at e^{σ₀²} meets the
        // edge σ₀² e and the density there becomes a peak of width |σ₀² − 1| in v (at σ₀² = 1,
        // ρ ~ (σ₀² e − x)^{-1/2}), which the geometric part resolves.
        const int geometric = std::max(1, points / 4), uniform = points - geometric;
        const double v_low = law.parameter(lower), v_mid = 0.05;
        for (int i = 0; i < uniform; ++i)
            x.push_back(std::exp(law.log_x(v_low + (v_mid - v_low) * i / uniform)));
        for (int i = 0; i < geometric; ++i) {
            const double v =
                v_mid * std::pow(1e-9 / v_mid, geometric > 1 ? double(i) / (geometric - 1) : 1.0);
            x.push_back(std::exp(law.log_x(v)));
        }
        out.support_lower = 1e-300;
        out.logarithmic_grid = 1;
    }
    out.x = x;
    out.density.resize(x.size());
    double first = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double t = std::log(x[i]);
        first = std::min(first, t);
        out.density[i] = law.scaled_density(t) / x[i];
    }
    // The pile-up at 0 holds σ₀²/log(1/x) below x: tabulate it at log x = first·2^k, k = K..0
    // (ascending), down to where it is below 1e-15.
    out.mass_below_grid = law.cdf(first);
    out.cumulative.resize(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        out.cumulative[i] = law.cdf(std::log(x[i])) - out.mass_below_grid;
    if (first < upper) {
        std::vector<double> log_x;
        for (double t = first; law.cdf(t) > 1e-15 && log_x.size() < 1100; t *= 2.0) log_x.push_back(t);
        for (auto it = log_x.rbegin(); it != log_x.rend(); ++it) {
            out.tail_log_x.push_back(*it);
            out.tail_mass.push_back(law.cdf(*it));
        }
    }
    return out;
}

std::vector<double> bernoulli_limit_moments(double sigma0_sq, int order) {
    if (order < 1) throw std::invalid_argument("order must be a positive integer");
    BernoulliLimit check(sigma0_sq);
    const std::size_t n = static_cast<std::size_t>(order) + 1;
    // A(z) = −σ₀² z/(1 + z) = −σ₀² Σ_{k>=1} (−1)^{k−1} z^k; S = e^A by e_k = (1/k) Σ_j j a_j e_{k−j}.
    Series a(n, 0.0), s(n, 0.0), inv_one_plus_z(n, 0.0);
    for (std::size_t k = 1; k < n; ++k) a[k] = -sigma0_sq * (k % 2 ? 1.0 : -1.0);
    s[0] = 1.0;
    for (std::size_t k = 1; k < n; ++k) {
        double sum = 0.0;
        for (std::size_t j = 1; j <= k; ++j) sum += static_cast<double>(j) * a[j] * s[k - j];
        s[k] = sum / static_cast<double>(k);
    }
    for (std::size_t k = 0; k < n; ++k) inv_one_plus_z[k] = k % 2 ? -1.0 : 1.0;
    // χ(z) = z S(z)/(1 + z); ψ = χ^{-1} has the moments as coefficients.
    const Series chi_over_z = multiply(s, inv_one_plus_z);
    Series chi(n, 0.0);
    for (std::size_t k = 1; k < n; ++k) chi[k] = chi_over_z[k - 1];
    const Series psi = reversion(chi);
    std::vector<double> moments(psi.begin() + 1, psi.end());
    for (std::size_t k = 0; k < moments.size(); ++k) {
        if (!std::isfinite(moments[k])) {
            throw std::overflow_error("moment m_" + std::to_string(k + 1) +
                                      " overflows a double at sigma0_sq = " + format_number(sigma0_sq) +
                                      "; ask for fewer moments (order)");
        }
    }
    return moments;
}

}  // namespace isometry::freeprob
