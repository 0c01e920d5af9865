#pragma once
// Matrix-free spectra of J Jᵀ on the device: the Jacobian operator and stochastic Lanczos
// quadrature with the CPU's conventions (isometry/matfree/*.hpp): the same network, weights,
// probes and quadrature structure, so python/isometry/matfree.py post-processes either result.
//
// The forward pass does its products on the device and its elementwise part (bias, φ, φ') on the
// host with the CPU's own matfree::forward_activation: per layer N doubles go down and back,
// O(L·N) traffic in all, and d_l = φ'(h_l) (kept on the device, L x N) match the CPU for equal
// products. The Lanczos vectors stay on the device; α and β come back per step (a few scalars)
// and the tridiagonal quadrature runs on the host (matfree::probe_quadrature).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "isometry/cuda/dense.hpp"
#include "isometry/cuda/device.hpp"
#include "isometry/matfree/jacobian_operator.hpp"
#include "isometry/matfree/lanczos.hpp"

namespace isometry::cuda {

// Device bytes of one matfree_quadrature call (operator, Lanczos vectors, workspaces, slack).
std::size_t matfree_device_bytes(const matfree::OperatorConfig& config,
                                 const matfree::LanczosConfig& lanczos);

class DeviceJacobianOperator {
  public:
    // Runs the forward pass; products of up to `max_block` vectors at once afterwards.
    DeviceJacobianOperator(const matfree::OperatorConfig& config, std::int64_t max_block,
                           const matfree::Progress& progress, Stream stream);

    std::int64_t width() const { return config_.width; }
    const matfree::OperatorConfig& config() const { return config_; }
    const std::vector<double>& q() const { return q_; }
    std::int64_t zero_derivatives() const { return zero_derivatives_; }
    Stream stream() const { return stream_; }

    // X (device, N x k column-major, k <= max_block) <- J X or Jᵀ X in place.
    void apply(double* x, std::int64_t k) const;
    void apply_transpose(double* x, std::int64_t k) const;
    // X <- W_l X or W_lᵀ X (layer 0-based), in place.
    void layer_product(std::int64_t layer, double* x, std::int64_t k, bool transpose) const;

  private:
    const double* derivatives(std::int64_t layer) const;
    void structured_product(std::int64_t layer, double* x, std::int64_t k, bool transpose,
                            const double* pre_diagonal) const;

    matfree::OperatorConfig config_;
    std::int64_t max_block_;
    Stream stream_;
    std::unique_ptr<DenseSolver> solver_;  // dense storage only (cuBLAS GEMM)
    DeviceBuffer derivatives_;             // d_l, layer-major (L x N)
    DeviceBuffer weights_;                 // dense storage: W_l column-major, layer after layer
    DeviceBuffer scratch_;                 // N x max_block: product output
    DeviceBuffer workspace_;               // on-the-fly Gaussian partial sums
    std::vector<double> q_;
    std::int64_t zero_derivatives_ = 0;
};

// matfree::stochastic_lanczos with the operator on the device (same probes, same loop).
matfree::LanczosResult stochastic_lanczos(const DeviceJacobianOperator& op,
                                          const matfree::LanczosConfig& config,
                                          const matfree::Progress& progress);

}  // namespace isometry::cuda
