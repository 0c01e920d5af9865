#include "isometry/jacobian/jacobian_spectrum.hpp"
#include "isometry/core/threads.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "isometry/ensembles/haar.hpp"
#include "isometry/jacobian/forward_pass.hpp"
#include "isometry/linalg/parallel.hpp"
#include "isometry/rng/fill.hpp"
#include "isometry/rng/streams.hpp"

namespace isometry::jacobian {
namespace {

using linalg::blas_int;

template <typename T>
T* sized(std::vector<T>& buffer, std::size_t size) {
    if (buffer.size() < size) {
        buffer.clear();
        buffer.shrink_to_fit();  // give the old block back before taking a larger one
        buffer.resize(size);
    }
    return buffer.data();
}

// A[:, 0:cols] <- diag(scale) A[:, 0:cols], column-major with leading dimension n.
template <typename T>
void scale_rows(std::int64_t n, std::int64_t cols, T* a, const std::vector<double>& scale) {
#pragma omp parallel for num_threads(openmp_team_size()) schedule(static)
    for (std::int64_t j = 0; j < cols; ++j) {
        T* column = a + j * n;
        for (std::int64_t i = 0; i < n; ++i)
            column[i] = static_cast<T>(column[i] * scale[static_cast<std::size_t>(i)]);
    }
}

// Throws std::overflow_error (Python OverflowError) once the product holds inf or NaN, so no
// eigensolver ever sees it and no NaN is passed on silently.
template <typename T>
void require_finite(const T* a, std::size_t count, std::int64_t layer, const char* dtype) {
    bool bad = false;
#pragma omp parallel for num_threads(openmp_team_size()) schedule(static) reduction(|| : bad)
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(count); ++i) bad = bad || !std::isfinite(a[i]);
    if (bad) throw_product_overflow(layer, dtype);
}

template <typename T>
void orthogonal_layers(const NetworkConfig& c, JacobianWorkspace<T>& ws, SpectrumResult& out,
                       const Progress& progress) {
    const std::int64_t n = c.width;
    const std::size_t nn = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
    T* product = sized(ws.product, nn + static_cast<std::size_t>(n));
    T* reflectors = sized(ws.weights, nn);
    T* tau = sized(ws.tau, static_cast<std::size_t>(n));
    T* x = product + nn;  // the forward vector rides as column N of the product
    std::vector<double> h(static_cast<std::size_t>(n)), scale(static_cast<std::size_t>(n));
    input_vector(c, x);
    const auto bn = static_cast<blas_int>(n);
    for (std::int64_t layer = 0; layer < c.depth; ++layer) {
        ensembles::haar_reflectors(n, n, {c.seed, rng::kLayerOrthogonal, static_cast<std::uint32_t>(layer)},
                                   reflectors, n, tau);
        if (layer == 0) {
            // Q_1 drops out of J Jᵀ; apply it to the input only.
            linalg::tiled_ormqr_left<T>(bn, 1, bn, reflectors, bn, tau, x, bn, ws.lapack);
        } else {
            linalg::tiled_ormqr_left<T>(bn, bn + 1, bn, reflectors, bn, tau, product, bn, ws.lapack);
        }
        for (std::int64_t i = 0; i < n; ++i) x[i] = static_cast<T>(c.sigma_w * x[i]);
        forward_step(c, layer, x, h, scale, c.sigma_w, out);
        if (layer == 0) {
            std::fill(product, product + nn, T(0));
            for (std::int64_t i = 0; i < n; ++i)
                product[i * n + i] = static_cast<T>(scale[static_cast<std::size_t>(i)]);
        } else {
            scale_rows(n, n, product, scale);
        }
        require_finite(product, nn + static_cast<std::size_t>(n), layer, dtype_name<T>());
        if (progress) progress(layer + 1, c.depth + 1);
    }
}

template <typename T>
void gaussian_layers(const NetworkConfig& c, JacobianWorkspace<T>& ws, SpectrumResult& out,
                     const Progress& progress) {
    const std::int64_t n = c.width;
    const std::size_t nn = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
    T* product = sized(ws.product, nn + static_cast<std::size_t>(n));
    T* next = sized(ws.next, nn + static_cast<std::size_t>(n));
    T* weights = sized(ws.weights, nn);
    std::vector<double> h(static_cast<std::size_t>(n)), scale(static_cast<std::size_t>(n));
    input_vector(c, product + nn);
    const auto bn = static_cast<blas_int>(n);
    const double entry_std = c.sigma_w / std::sqrt(static_cast<double>(n));
    for (std::int64_t layer = 0; layer < c.depth; ++layer) {
        rng::fill_normal(weights, nn, {c.seed, rng::kLayerGaussian, static_cast<std::uint32_t>(layer)}, 0,
                         entry_std);
        if (layer == 0) {
            // J_1 = D_1 W_1: the product starts as W_1 itself; only W_1 x_0 needs BLAS.
            T* x = product + nn;
            linalg::tiled_gemm_nn<T>(bn, 1, bn, T(1), weights, bn, x, bn, T(0), next + nn, bn);
            std::copy(weights, weights + nn, product);
            std::copy(next + nn, next + nn + n, x);
        } else {
            linalg::tiled_gemm_nn<T>(bn, bn + 1, bn, T(1), weights, bn, product, bn, T(0), next, bn);
            std::swap(ws.product, ws.next);
            product = ws.product.data();
            next = ws.next.data();
        }
        forward_step(c, layer, product + nn, h, scale, 1.0, out);
        scale_rows(n, n, product, scale);
        require_finite(product, nn + static_cast<std::size_t>(n), layer, dtype_name<T>());
        if (progress) progress(layer + 1, c.depth + 1);
    }
}

// One residual layer once z = W_l [J | x] sits in `next` (the product [J | x] in `product`):
// h = z_x + b_l, x += φ(h), J += diag(φ'(h)) z_J. Records q^l and c₂^l; the forward part is
// serial so its float64 sums are identical for any thread count.
template <typename T>
void residual_step(const NetworkConfig& c, std::int64_t layer, T* product, const T* next,
                   std::vector<double>& h, std::vector<double>& scale, SpectrumResult& out) {
    const std::int64_t n = c.width;
    const std::size_t nn = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
    rng::fill_normal_serial(h.data(), static_cast<std::size_t>(n),
                            {c.seed, rng::kLayerBias, static_cast<std::uint32_t>(layer)}, 0, c.sigma_b);
    T* x = product + nn;
    const T* z = next + nn;
    double sum_sq = 0.0, sum_d2 = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        const double hi = static_cast<double>(z[i]) + h[static_cast<std::size_t>(i)];
        sum_sq += hi * hi;
        const double d = meanfield::dphi(c.activation, hi);
        if (d == 0.0) ++out.zero_derivatives;
        sum_d2 += d * d;
        scale[static_cast<std::size_t>(i)] = d;
        x[i] = static_cast<T>(static_cast<double>(x[i]) + meanfield::phi(c.activation, hi));
    }
    out.q.push_back(sum_sq / static_cast<double>(n));
    out.c2.push_back(c.sigma_w * c.sigma_w * sum_d2 / static_cast<double>(n));
#pragma omp parallel for num_threads(openmp_team_size()) schedule(static)
    for (std::int64_t j = 0; j < n; ++j) {
        T* column = product + j * n;
        const T* update = next + j * n;
        for (std::int64_t i = 0; i < n; ++i)
            column[i] = static_cast<T>(column[i] + scale[static_cast<std::size_t>(i)] * update[i]);
    }
}

template <typename T>
void residual_layers(const NetworkConfig& c, JacobianWorkspace<T>& ws, SpectrumResult& out,
                     const Progress& progress) {
    const std::int64_t n = c.width;
    const std::size_t nn = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
    const std::size_t cols = nn + static_cast<std::size_t>(n);
    T* product = sized(ws.product, cols);
    T* next = sized(ws.next, cols);
    T* weights = sized(ws.weights, nn);
    T* tau = sized(ws.tau, static_cast<std::size_t>(n));
    std::vector<double> h(static_cast<std::size_t>(n)), scale(static_cast<std::size_t>(n));
    std::fill(product, product + nn, T(0));  // J_0 = 1
    for (std::int64_t i = 0; i < n; ++i) product[i * n + i] = T(1);
    input_vector(c, product + nn);
    const auto bn = static_cast<blas_int>(n);
    const double weight_scale = c.residual_scale * c.sigma_w;
    const bool orthogonal = c.weights == WeightEnsemble::orthogonal;
    for (std::int64_t layer = 0; layer < c.depth; ++layer) {
        const std::uint32_t sub = static_cast<std::uint32_t>(layer);
        if (orthogonal) {
            // next = a σ_w Q_l [J | x]: reflectors applied to a copy (ormqr works in place).
            ensembles::haar_reflectors(n, n, {c.seed, rng::kLayerOrthogonal, sub}, weights, n, tau);
            std::copy(product, product + cols, next);
            linalg::tiled_ormqr_left<T>(bn, bn + 1, bn, weights, bn, tau, next, bn, ws.lapack);
#pragma omp parallel for num_threads(openmp_team_size()) schedule(static)
            for (std::int64_t k = 0; k < static_cast<std::int64_t>(cols); ++k)
                next[k] = static_cast<T>(weight_scale * next[k]);
        } else {
            rng::fill_normal(weights, nn, {c.seed, rng::kLayerGaussian, sub}, 0,
                             weight_scale / std::sqrt(static_cast<double>(n)));
            linalg::tiled_gemm_nn<T>(bn, bn + 1, bn, T(1), weights, bn, product, bn, T(0), next, bn);
        }
        residual_step(c, layer, product, next, h, scale, out);
        require_finite(product, cols, layer, dtype_name<T>());
        if (progress) progress(layer + 1, c.depth + 1);
    }
}

}  // namespace

WeightEnsemble parse_weights(const std::string& name) {
    return names::parse(names::kDenseWeights, "weights", name);
}

SpectrumMethod parse_method(const std::string& name) {
    return names::parse(names::kSpectrumMethods, "method", name);
}

template <typename T>
std::size_t JacobianWorkspace<T>::bytes() const {
    return (product.capacity() + weights.capacity() + next.capacity() + tau.capacity() +
            lapack.data.capacity()) *
           sizeof(T);
}

template <typename T>
void JacobianWorkspace<T>::release() {
    for (auto* buffer : {&product, &weights, &next, &tau, &lapack.data}) {
        buffer->clear();
        buffer->shrink_to_fit();
    }
}

std::size_t jacobian_workspace_bytes(const NetworkConfig& c, SpectrumMethod, std::size_t element_size) {
    const auto n = static_cast<std::size_t>(c.width);
    const std::size_t matrices =
        c.weights == WeightEnsemble::gaussian || c.architecture == Architecture::resnet ? 3 : 2;
    // product (n x n+1), weights (n x n) [, next (n x n+1)]; eigh reuses `weights` for J Jᵀ.
    return (matrices * n * (n + 1) + 64 * n) * element_size;
}

template <typename T>
SpectrumResult jacobian_spectrum(const NetworkConfig& c, SpectrumMethod method, JacobianWorkspace<T>& ws,
                                 const Progress& progress) {
    validate_config(c);
    SpectrumResult out;
    out.q.reserve(static_cast<std::size_t>(c.depth));
    if (c.architecture == Architecture::resnet) {
        out.c2.reserve(static_cast<std::size_t>(c.depth));
        residual_layers(c, ws, out, progress);
    } else if (c.weights == WeightEnsemble::orthogonal) {
        orthogonal_layers(c, ws, out, progress);
    } else {
        gaussian_layers(c, ws, out, progress);
    }
    const std::int64_t n = c.width;
    const auto bn = static_cast<blas_int>(n);
    std::vector<T> values(static_cast<std::size_t>(n));
    out.eigenvalues.resize(static_cast<std::size_t>(n));
    out.singular_values.resize(static_cast<std::size_t>(n));
    if (method == SpectrumMethod::eigh) {
        T* gram = ws.weights.data();  // the weights buffer is free now
        linalg::tiled_syrk_lower<T>(bn, bn, T(1), ws.product.data(), bn, T(0), gram, bn);
        for (std::int64_t j = 0; j < n; ++j) {  // lower triangle only: the upper one is stale
            for (std::int64_t i = j; i < n; ++i) {
                if (!std::isfinite(gram[i + j * n])) throw_gram_overflow(dtype_name<T>());
            }
        }
        linalg::syevd_values<T>(bn, gram, bn, values.data(), ws.lapack);
        for (std::size_t i = 0; i < values.size(); ++i) {
            out.eigenvalues[i] = static_cast<double>(values[i]);
            out.singular_values[i] = std::sqrt(std::max(0.0, out.eigenvalues[i]));
        }
    } else {
        linalg::gesdd_values<T>(bn, bn, ws.product.data(), bn, values.data(), ws.lapack);
        const std::size_t m = values.size();
        for (std::size_t i = 0; i < m; ++i) {  // gesdd returns them descending
            const double s = static_cast<double>(values[m - 1 - i]);
            out.singular_values[i] = s;
            out.eigenvalues[i] = s * s;
        }
    }
    if (progress) progress(c.depth + 1, c.depth + 1);
    return out;
}

template struct JacobianWorkspace<double>;
template struct JacobianWorkspace<float>;
template SpectrumResult jacobian_spectrum<double>(const NetworkConfig&, SpectrumMethod,
                                                  JacobianWorkspace<double>&, const Progress&);
template SpectrumResult jacobian_spectrum<float>(const NetworkConfig&, SpectrumMethod,
                                                 JacobianWorkspace<float>&, const Progress&);

}  // namespace isometry::jacobian
