#include "isometry/freeprob/master_equation.hpp"

#include <cmath>
#include <stdexcept>

namespace isometry::freeprob {

MlpMasterEquation::MlpMasterEquation(D2Law law, Weights weights, long depth, double sigma_w)
    : law_(std::move(law)), weights_(weights), depth_(depth), sigma_w_(sigma_w) {
    if (depth < 1) throw std::invalid_argument("depth must be a positive integer");
    if (!(sigma_w > 0.0) || !std::isfinite(sigma_w)) throw std::invalid_argument("sigma_w must be positive and finite");
}

double MlpMasterEquation::first_moment() const {
    return std::pow(sigma_w_ * sigma_w_ * law_.moment(1), static_cast<double>(depth_));
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
