#include "isometry/cuda/jacobian.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "isometry/cuda/dense.hpp"
#include "isometry/cuda/kernels.hpp"
#include "isometry/jacobian/forward_pass.hpp"
#include "isometry/rng/streams.hpp"

namespace isometry::cuda {
namespace {

using jacobian::NetworkConfig;
using jacobian::SpectrumMethod;
using jacobian::SpectrumResult;
using jacobian::WeightEnsemble;

std::string describe(const NetworkConfig& c, const char* dtype) {
    return "jacobian_spectrum(width=" + std::to_string(c.width) + ", depth=" + std::to_string(c.depth) +
           ", weights='" + (c.weights == WeightEnsemble::orthogonal ? "orthogonal" : "gaussian") +
           "', dtype='" + dtype + "', device='gpu')";
}

template <typename T>
bool all_finite(const std::vector<T>& values) {
    return std::all_of(values.begin(), values.end(), [](T v) { return std::isfinite(v); });
}

}  // namespace

std::size_t jacobian_device_bytes(const NetworkConfig& c, SpectrumMethod, std::size_t element_size) {
    const auto n = static_cast<std::size_t>(c.width);
    const std::size_t matrices = c.weights == WeightEnsemble::gaussian ? 3 : 2;
    // product, weights [, next]; tau and eigenvalues (N each, T); row scales (N, float64); the
    // ormqr workspace (about 64·N, T) and slack for the allocator.
    return matrices * n * (n + 1) * element_size + (2 + 128) * n * element_size + 8 * n +
           (std::size_t(4) << 20);
}

template <typename T>
SpectrumResult jacobian_spectrum(const NetworkConfig& c, SpectrumMethod method,
                                 const jacobian::Progress& progress, Stream stream) {
    jacobian::validate_config(c);
    if (c.architecture != jacobian::Architecture::mlp) {
        throw std::invalid_argument("the GPU backend computes fully connected (mlp) spectra only");
    }
    if (c.width > kMaxJacobianWidth) {
        throw std::invalid_argument("width must be at most " + std::to_string(kMaxJacobianWidth) +
                                    " on the GPU (cuSOLVER's QR routines use 32-bit sizes); got " +
                                    std::to_string(c.width));
    }
    require_device();
    const char* dtype = jacobian::dtype_name<T>();
    const std::int64_t n = c.width;
    const std::size_t nn = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
    const bool orthogonal = c.weights == WeightEnsemble::orthogonal;
    require_device_memory(describe(c, dtype), jacobian_device_bytes(c, method, sizeof(T)));

    DenseSolver solver(stream);
    // Buffers of this call (freed stream-ordered on return or on an exception).
    DeviceBuffer product_buffer((nn + n) * sizeof(T), stream);                // J and x_l as column N
    DeviceBuffer weights_buffer(nn * sizeof(T), stream);                      // reflectors or W_l, then J Jᵀ
    DeviceBuffer next_buffer(orthogonal ? 0 : (nn + n) * sizeof(T), stream);  // GEMM output
    DeviceBuffer tau_buffer(static_cast<std::size_t>(n) * sizeof(T), stream);
    DeviceBuffer scale_buffer(static_cast<std::size_t>(n) * sizeof(double), stream);
    DeviceBuffer flag_buffer(sizeof(int), stream);
    DeviceBuffer values_buffer(static_cast<std::size_t>(n) * sizeof(T), stream);
    T* product = product_buffer.as<T>();
    T* next = next_buffer.as<T>();
    T* weights = weights_buffer.as<T>();
    T* tau = tau_buffer.as<T>();
    T* values_d = values_buffer.as<T>();
    int* flag = flag_buffer.as<int>();
    double* scale_d = scale_buffer.as<double>();
    // Refuse now, not after the layers, if the eigensolver's workspace will not fit.
    const std::size_t solver_bytes = method == SpectrumMethod::eigh
                                         ? solver.syevd_workspace_bytes<T>(n, weights, n, values_d)
                                         : solver.gesvd_workspace_bytes<T>(n, n, product, n, values_d);
    require_device_memory(describe(c, dtype) + "'s eigensolver workspace", solver_bytes);

    SpectrumResult out;
    out.q.reserve(static_cast<std::size_t>(c.depth));
    std::vector<T> x(static_cast<std::size_t>(n));
    std::vector<double> h(static_cast<std::size_t>(n)), scale(static_cast<std::size_t>(n));
    jacobian::input_vector(c, x.data());
    copy_to_device(product + nn, x.data(), n * sizeof(T), stream);
    fill_zero(flag, sizeof(int), stream);
    const double entry_std = c.sigma_w / std::sqrt(static_cast<double>(n));

    for (std::int64_t layer = 0; layer < c.depth; ++layer) {
        const auto substream = static_cast<std::uint32_t>(layer);
        if (orthogonal) {
            haar_reflectors<T>(n, n, {c.seed, rng::kLayerOrthogonal, substream}, weights, n, tau, stream);
            if (layer == 0) {
                solver.ormqr_left<T>(n, 1, n, weights, n, tau, product + nn, n);  // Q_1 drops out of J Jᵀ
            } else {
                solver.ormqr_left<T>(n, n + 1, n, weights, n, tau, product, n);
            }
            copy_to_host(x.data(), product + nn, n * sizeof(T), stream);
            for (auto& xi : x) xi = static_cast<T>(c.sigma_w * xi);
            jacobian::forward_step(c, layer, x.data(), h, scale, c.sigma_w, out);
        } else {
            const rng::StreamId id{c.seed, rng::kLayerGaussian, substream};
            if (layer == 0) {
                // J_1 = D_1 W_1: draw W_1 straight into the product; W_1 x_0 goes to `next`.
                fill_normal<T>(product, nn, id, 0, entry_std, stream);
                solver.gemm<T>(n, 1, n, T(1), product, n, product + nn, n, T(0), next + nn, n);
                copy_to_host(x.data(), next + nn, n * sizeof(T), stream);
            } else {
                fill_normal<T>(weights, nn, id, 0, entry_std, stream);
                solver.gemm<T>(n, n + 1, n, T(1), weights, n, product, n, T(0), next, n);
                std::swap(product, next);
                copy_to_host(x.data(), product + nn, n * sizeof(T), stream);
            }
            jacobian::forward_step(c, layer, x.data(), h, scale, 1.0, out);
        }
        if (!all_finite(x) || !all_finite(scale)) jacobian::throw_product_overflow(layer, dtype);
        copy_to_device(product + nn, x.data(), n * sizeof(T), stream);
        copy_to_device(scale_d, scale.data(), n * sizeof(double), stream);
        if (orthogonal && layer == 0) {
            set_diagonal<T>(n, product, n, scale_d, stream);  // J_1 = σ_w D_1 (Q_1 dropped)
        } else {
            scale_rows<T>(n, n, product, n, scale_d, flag, stream);
        }
        int bad = 0;
        copy_to_host(&bad, flag, sizeof bad, stream);
        if (bad != 0) jacobian::throw_product_overflow(layer, dtype);
        if (progress) progress(layer + 1, c.depth + 1);
    }

    std::vector<T> values(static_cast<std::size_t>(n));
    out.eigenvalues.resize(static_cast<std::size_t>(n));
    out.singular_values.resize(static_cast<std::size_t>(n));
    if (method == SpectrumMethod::eigh) {
        solver.syrk_lower<T>(n, n, product, n, weights, n);  // J Jᵀ into the free weights buffer
        check_lower_finite<T>(n, weights, n, flag, stream);
        int bad = 0;
        copy_to_host(&bad, flag, sizeof bad, stream);
        if (bad != 0) jacobian::throw_gram_overflow(dtype);
        solver.syevd_values<T>(n, weights, n, values_d);
        copy_to_host(values.data(), values_d, n * sizeof(T), stream);
        for (std::size_t i = 0; i < values.size(); ++i) {
            out.eigenvalues[i] = static_cast<double>(values[i]);
            out.singular_values[i] = std::sqrt(std::max(0.0, out.eigenvalues[i]));
        }
    } else {
        solver.gesvd_values<T>(n, n, product, n, values_d);
        copy_to_host(values.data(), values_d, n * sizeof(T), stream);
        const std::size_t m = values.size();
        for (std::size_t i = 0; i < m; ++i) {  // gesvd returns them descending
            const double s = static_cast<double>(values[m - 1 - i]);
            out.singular_values[i] = s;
            out.eigenvalues[i] = s * s;
        }
    }
    if (progress) progress(c.depth + 1, c.depth + 1);
    return out;
}

template SpectrumResult jacobian_spectrum<double>(const NetworkConfig&, SpectrumMethod,
                                                  const jacobian::Progress&, Stream);
template SpectrumResult jacobian_spectrum<float>(const NetworkConfig&, SpectrumMethod,
                                                 const jacobian::Progress&, Stream);

}  // namespace isometry::cuda
