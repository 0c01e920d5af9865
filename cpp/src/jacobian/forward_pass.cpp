#include "isometry/jacobian/forward_pass.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "isometry/rng/fill.hpp"
#include "isometry/rng/streams.hpp"

namespace isometry::jacobian {

void validate_config(const NetworkConfig& c) {
    if (c.width < 1) throw std::invalid_argument("width must be a positive integer");
    if (c.width > 2000000000) throw std::invalid_argument("width must be below 2e9 (32-bit LAPACK)");
    if (c.depth < 1) throw std::invalid_argument("depth must be a positive integer");
    if (!(c.sigma_w > 0.0) || !std::isfinite(c.sigma_w))
        throw std::invalid_argument("sigma_w must be positive and finite");
    if (!(c.sigma_b >= 0.0) || !std::isfinite(c.sigma_b))
        throw std::invalid_argument("sigma_b must be non-negative and finite");
    if (!std::isfinite(c.q0) || c.q0 < c.sigma_b * c.sigma_b)
        throw std::invalid_argument("q0 must be finite and at least sigma_b**2");
    if (c.architecture == Architecture::resnet &&
        (!(c.residual_scale > 0.0) || !std::isfinite(c.residual_scale)))
        throw std::invalid_argument("residual_scale must be positive and finite");
}

template <typename T>
void input_vector(const NetworkConfig& c, T* x) {
    const std::int64_t n = c.width;
    std::vector<double> g(static_cast<std::size_t>(n));
    rng::fill_normal_serial(g.data(), g.size(), {c.seed, rng::kNetworkInput, 0}, 0, 1.0);
    double norm_sq = 0.0;
    for (double v : g) norm_sq += v * v;
    const double first_scale = c.sigma_w * (c.architecture == Architecture::resnet ? c.residual_scale : 1.0);
    const double rms = std::sqrt((c.q0 - c.sigma_b * c.sigma_b) / (first_scale * first_scale));
    const double factor = norm_sq > 0.0 ? rms * std::sqrt(static_cast<double>(n) / norm_sq) : 0.0;
    for (std::int64_t i = 0; i < n; ++i) x[i] = static_cast<T>(g[static_cast<std::size_t>(i)] * factor);
}

template <typename T>
void forward_step(const NetworkConfig& c, std::int64_t layer, T* column, std::vector<double>& h,
                  std::vector<double>& scale, double row_factor, SpectrumResult& out) {
    const std::int64_t n = c.width;
    rng::fill_normal_serial(h.data(), static_cast<std::size_t>(n),
                            {c.seed, rng::kLayerBias, static_cast<std::uint32_t>(layer)}, 0, c.sigma_b);
    double sum_sq = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        const double hi = static_cast<double>(column[i]) + h[static_cast<std::size_t>(i)];
        sum_sq += hi * hi;
        const double d = meanfield::dphi(c.activation, hi);
        if (d == 0.0) ++out.zero_derivatives;
        scale[static_cast<std::size_t>(i)] = row_factor * d;
        column[i] = static_cast<T>(meanfield::phi(c.activation, hi));
    }
    out.q.push_back(sum_sq / static_cast<double>(n));
}

void throw_product_overflow(std::int64_t layer, const char* dtype) {
    throw std::overflow_error("the Jacobian product overflowed in " + std::string(dtype) + " at layer " +
                              std::to_string(layer + 1) +
                              "; it grows like chi1**depth: lower depth or sigma_w, or use float64");
}

void throw_gram_overflow(const char* dtype) {
    throw std::overflow_error(std::string("J Jᵀ overflowed in ") + dtype +
                              "; use method='svd' (works on J itself) or float64");
}

template void input_vector<double>(const NetworkConfig&, double*);
template void input_vector<float>(const NetworkConfig&, float*);
template void forward_step<double>(const NetworkConfig&, std::int64_t, double*, std::vector<double>&,
                                   std::vector<double>&, double, SpectrumResult&);
template void forward_step<float>(const NetworkConfig&, std::int64_t, float*, std::vector<double>&,
                                  std::vector<double>&, double, SpectrumResult&);

}  // namespace isometry::jacobian
