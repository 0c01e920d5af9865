#include "isometry/freeprob/moments.hpp"

#include <cmath>
#include <stdexcept>

#include "isometry/freeprob/series.hpp"

namespace isometry::freeprob {

std::vector<double> jacobian_moments(const std::vector<double>& mu, Weights weights, long depth,
                                     double sigma_w) {
    const std::size_t order = mu.size();
    if (order < 1) throw std::invalid_argument("order must be >= 1");
    if (!(mu[0] > 0.0)) throw std::invalid_argument("jacobian_moments: mu_1 must be positive");
    const std::size_t n = order + 1;  // series coefficients 0..K
    // ψ_{D²}(x) = Σ μ_k x^k and its inverse χ_{D²}.
    Series psi(n, 0.0);
    for (std::size_t k = 1; k < n; ++k) psi[k] = mu[k - 1];
    const Series chi = reversion(psi);
    // S_{D²}(z) = (1 + z) χ(z)/z.
    Series chi_over_z(n, 0.0);
    for (std::size_t k = 0; k + 1 < n; ++k) chi_over_z[k] = chi[k + 1];
    Series one_plus_z(n, 0.0);
    one_plus_z[0] = 1.0;
    if (n > 1) one_plus_z[1] = 1.0;
    Series s_layer = multiply(one_plus_z, chi_over_z);
    // S_W(z) = σ_w^{-2} (orthogonal) or σ_w^{-2}/(1 + z) (Gaussian).
    Series s_weights(n, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
        s_weights[k] = weights == Weights::orthogonal ? (k == 0 ? 1.0 : 0.0) : (k % 2 ? -1.0 : 1.0);
        s_weights[k] /= sigma_w * sigma_w;
    }
    s_layer = multiply(s_layer, s_weights);
    const Series s_total = power(s_layer, depth);
    // χ_J(z) = z S_J(z)/(1 + z); then ψ_J = χ_J^{-1}.
    Series inv_one_plus_z(n, 0.0);
    for (std::size_t k = 0; k < n; ++k) inv_one_plus_z[k] = k % 2 ? -1.0 : 1.0;
    const Series chi_j_over_z = multiply(s_total, inv_one_plus_z);
    Series chi_j(n, 0.0);
    for (std::size_t k = 1; k < n; ++k) chi_j[k] = chi_j_over_z[k - 1];
    const Series psi_j = reversion(chi_j);
    return std::vector<double>(psi_j.begin() + 1, psi_j.end());
}

}  // namespace isometry::freeprob
