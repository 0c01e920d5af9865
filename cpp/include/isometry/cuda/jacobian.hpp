#pragma once
// jacobian_spectrum on the device, with the CPU's conventions and streams (see
// isometry/jacobian/jacobian_spectrum.hpp): the same weights, biases and input from the same
// Philox streams, the same orthogonal-layer scheme (Householder form applied with ormqr, Q_1
// dropped), J Jᵀ by SYRK and a cuSOLVER eigensolver (or the singular values of J). The O(N)
// forward step runs on the host with the CPU's own code (jacobian/forward_pass.hpp): per layer
// the N-vector x_l goes to the host and the N row scales come back, O(N) traffic against the
// O(N³) products, and activations, q^l and zero-derivative counts match the CPU exactly for
// equal inputs. Results agree with the CPU to rounding.
#include <cstddef>
#include <cstdint>

#include "isometry/cuda/device.hpp"
#include "isometry/jacobian/jacobian_spectrum.hpp"

namespace isometry::cuda {

// cuSOLVER's QR routines take 32-bit sizes and the product has N·(N+1) entries.
constexpr std::int64_t kMaxJacobianWidth = 46340;

// Device bytes of the matrices of one call (the eigensolver workspace is queried on top of this
// inside jacobian_spectrum and refused there, before any layer runs).
std::size_t jacobian_device_bytes(const jacobian::NetworkConfig& config, jacobian::SpectrumMethod method,
                                  std::size_t element_size);

// Runs on the current device and `stream`; returns when the eigenvalues are on the host.
// progress(done, total) as on the CPU (after each layer and after the eigensolve).
template <typename T>
jacobian::SpectrumResult jacobian_spectrum(const jacobian::NetworkConfig& config,
                                           jacobian::SpectrumMethod method,
                                           const jacobian::Progress& progress, Stream stream);

}  // namespace isometry::cuda
