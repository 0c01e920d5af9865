#pragma once
// Haar orthogonal matrices on the device, the same matrices as the CPU's
// ensembles::haar_orthogonal_columns: the reflectors are drawn directly from the same Philox
// stream (kernels.hpp) and multiplied out by cuSOLVER's blocked orgqr (GEMM-rich, and no QR
// factorisation at all — the peers' recipe, QR of a Gaussian matrix plus a sign fix, runs
// geqrf and orgqr). Only rounding differs from the CPU.
#include <cstddef>
#include <cstdint>

#include "isometry/cuda/device.hpp"
#include "isometry/rng/streams.hpp"

namespace isometry::cuda {

// Device bytes haar_orthogonal_columns needs besides Q itself (tau, flags; the orgqr workspace
// is queried and allocated inside and is O(n·64)).
std::size_t haar_extra_bytes(std::int64_t n, std::int64_t m, std::size_t element_size);

// Q (n x m, column-major with leading dimension ldq >= n, n >= m, device memory) with
// orthonormal columns, Haar on the Stiefel manifold. Returns once Q is complete.
template <typename T>
void haar_orthogonal_columns(std::int64_t n, std::int64_t m, rng::StreamId id, T* q, std::int64_t ldq,
                             Stream stream);

}  // namespace isometry::cuda
