#pragma once
// CUDA kernels behind plain host functions: device pointers, sizes and a stream in, work
// enqueued on that stream out (nothing here synchronises). Column-major matrices, as on the CPU.
// The random draws use the same header-only Philox/Box–Muller code as the CPU
// (isometry/rng/normal.hpp), compiled for the device without contracted multiply–adds, so they
// reproduce the CPU's streams element for element.
#include <cstddef>
#include <cstdint>

#include "isometry/cuda/device.hpp"
#include "isometry/rng/streams.hpp"

namespace isometry::cuda {

// out[k] = scale · z_{first + k} for k < count, z the normal stream of `id`: the device
// version of rng::fill_normal (float32 output is the float64 value rounded).
template <typename T>
void fill_normal(T* out, std::size_t count, rng::StreamId id, std::uint64_t first, double scale,
                 Stream stream);

// The m reflectors of an n x m Haar draw (n >= m) exactly as ensembles::haar_reflectors builds
// them on the CPU (same draws, same dlarfgp sign convention, float64 arithmetic): vectors below
// the diagonal of V (leading dimension ldv), R_jj on the diagonal, scalar factors in tau. Only
// the order of the float64 sum of squares differs, so results agree to rounding.
template <typename T>
void haar_reflectors(std::int64_t n, std::int64_t m, rng::StreamId id, T* v, std::int64_t ldv, T* tau,
                     Stream stream);

// A[:, 0:cols] <- diag(scale) A[:, 0:cols] (products in float64, rounded to T, as on the CPU);
// sets *nonfinite = 1 when a result is inf or NaN (never clears it).
template <typename T>
void scale_rows(std::int64_t n, std::int64_t cols, T* a, std::int64_t lda, const double* scale,
                int* nonfinite, Stream stream);

// *nonfinite = 1 when the lower triangle of the n x n matrix A holds inf or NaN.
template <typename T>
void check_lower_finite(std::int64_t n, const T* a, std::int64_t lda, int* nonfinite, Stream stream);

// A (n x n) <- diag(d), d in float64.
template <typename T>
void set_diagonal(std::int64_t n, T* a, std::int64_t lda, const double* d, Stream stream);

}  // namespace isometry::cuda
