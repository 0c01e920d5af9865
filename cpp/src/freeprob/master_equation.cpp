#include "isometry/freeprob/master_equation.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace isometry::freeprob {

std::string format_number(double value) {
    std::ostringstream out;
    out.precision(6);
    out << value;
    return out.str();
}

Weights parse_weights(const std::string& name) {
    return names::parse(names::kTheoryWeights, "weights", name);
}

MlpMasterEquation::MlpMasterEquation(D2Law law, Weights weights, long depth, double sigma_w)
    : law_(std::move(law)), weights_(weights), depth_(depth), sigma_w_(sigma_w) {
    if (depth < 1) throw std::invalid_argument("depth must be a positive integer");
    if (!(sigma_w > 0.0) || !std::isfinite(sigma_w))
        throw std::invalid_argument("sigma_w must be positive and finite");
}

double MlpMasterEquation::log_first_moment() const {
    return static_cast<double>(depth_) * std::log(sigma_w_ * sigma_w_ * law_.moment(1));
}

double MlpMasterEquation::log_far_height(double t) const {
    // Far above the whole spectrum, whose top exceeds m₁ by about e·L·μ₂/μ₁² (e·L/p for
    // Bernoulli laws; the large-depth edge λ_max ≈ e σ² of docs/theory/universality.md), not
    // just above x = e^t.
    const double mu1 = law_.moment(1), spread = std::max(1.0, law_.moment(2) / (mu1 * mu1));
    return std::log(100.0 * static_cast<double>(depth_) * spread) + std::max(t, log_first_moment());
}

complex MlpMasterEquation::far_field_y(complex log_z) const {
    // Far above the spectrum M(z) ≈ m₁/z and M_{D²}(y) ≈ μ₁/y, so y ≈ μ₁ z/m₁ (formed from
    // logarithms: z and m₁ may each be outside the range of a double, their ratio is not).
    return law_.moment(1) * std::exp(log_z - log_first_moment());
}

std::string MlpMasterEquation::describe() const {
    std::string law;
    if (law_.bernoulli) {
        law = "D^2 ~ Bernoulli(" + format_number(law_.p) + ")";
    } else if (law_.pole_corrected) {
        law = std::string("D^2 = ") + meanfield::activation_name(law_.activation) +
              "'^2 at q = " + format_number(law_.sqrt_q * law_.sqrt_q);
    } else {
        law = "D^2 from " + std::to_string(law_.values.size()) + " sampled values";
    }
    return std::string("jacobian_density (") + (weights_ == Weights::gaussian ? "gaussian" : "orthogonal") +
           " weights, depth " + std::to_string(depth_) + ", sigma_w " + format_number(sigma_w_) + ", " + law +
           ")";
}

double MlpMasterEquation::step_limit(complex y) const {
    // A step may not carry y onto a singular point of M_{D²} (for the discretised smooth laws
    // allow 10% of |y|, or Newton crawls where y passes close to [0, 1]).
    const double floor = law_.bernoulli ? 1e-300 : 0.1 * std::abs(y);
    return 0.5 * std::max(law_.singular_distance(y), floor);
}

LogInverse MlpMasterEquation::log_inverse(complex y) const {
    LogInverse out;
    const double L = static_cast<double>(depth_);
    complex dm;  // dM/dy, which is d(1 + M)/dy too
    law_.evaluate(y, out.m, out.one_plus_m, dm);
    // -L Log S_W = L log σ_w² [+ L Log(1 + M) for Gaussian weights].
    const double gaussian = weights_ == Weights::gaussian ? 1.0 : 0.0;
    const complex log_one_plus_m = std::log(out.one_plus_m), log_m = std::log(out.m);
    const complex log_y = std::log(y);
    const double log_sigma2 = 2.0 * std::log(sigma_w_);
    out.value =
        (1.0 - L) * (log_one_plus_m - log_m) + L * (log_y + log_sigma2) + gaussian * L * log_one_plus_m;
    out.magnitude = L * (std::abs(log_one_plus_m) * (1.0 + gaussian) + std::abs(log_m) + std::abs(log_y) +
                         std::fabs(log_sigma2));
    const complex dlog_one_plus_m = dm / out.one_plus_m, dlog_m = dm / out.m;
    out.derivative = (1.0 - L) * (dlog_one_plus_m - dlog_m) + L / y + gaussian * L * dlog_one_plus_m;
    out.derivative_magnitude = (L - 1.0) * (std::abs(dlog_one_plus_m) + std::abs(dlog_m)) + L / std::abs(y) +
                               gaussian * L * std::abs(dlog_one_plus_m);
    return out;
}

}  // namespace isometry::freeprob
