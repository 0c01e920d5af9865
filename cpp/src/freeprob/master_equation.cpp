#include "isometry/freeprob/master_equation.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace isometry::freeprob {

Weights parse_weights(const std::string& name) {
    return names::parse(names::kTheoryWeights, "weights", name);
}

MlpMasterEquation::MlpMasterEquation(D2Law law, Weights weights, long depth, double sigma_w)
    : law_(std::move(law)), weights_(weights), depth_(depth), sigma_w_(sigma_w) {
    if (depth < 1) throw std::invalid_argument("depth must be a positive integer");
    if (!(sigma_w > 0.0) || !std::isfinite(sigma_w)) throw std::invalid_argument("sigma_w must be positive and finite");
}

double MlpMasterEquation::first_moment() const {
    return std::pow(sigma_w_ * sigma_w_ * law_.moment(1), static_cast<double>(depth_));
}

double MlpMasterEquation::far_height(double x) const {
    // Far above the whole spectrum, whose top can exceed m₁ by a factor ~ e·L/p (Bernoulli
    // laws), not just above x.
    return 100.0 * static_cast<double>(depth_) * std::max({std::fabs(x), first_moment(), 1.0});
}

complex MlpMasterEquation::far_field_y(complex z) const {
    // Far above the spectrum M(z) ≈ m₁/z and M_{D²}(y) ≈ μ₁/y, so y ≈ μ₁ z/m₁.
    return law_.moment(1) * z / first_moment();
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
    out.value = (1.0 - L) * (log_one_plus_m - log_m) + L * (log_y + log_sigma2) +
                gaussian * L * log_one_plus_m;
    out.magnitude = L * (std::abs(log_one_plus_m) * (1.0 + gaussian) + std::abs(log_m) + std::abs(log_y) +
                         std::fabs(log_sigma2));
    const complex dlog_one_plus_m = dm / out.one_plus_m, dlog_m = dm / out.m;
    out.derivative = (1.0 - L) * (dlog_one_plus_m - dlog_m) + L / y + gaussian * L * dlog_one_plus_m;
    out.derivative_magnitude = (L - 1.0) * (std::abs(dlog_one_plus_m) + std::abs(dlog_m)) + L / std::abs(y) +
                               gaussian * L * std::abs(dlog_one_plus_m);
    return out;
}

}  // namespace isometry::freeprob
