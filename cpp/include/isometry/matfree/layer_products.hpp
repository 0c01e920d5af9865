#pragma once
// Products of one layer's weight matrix with a block of k vectors (N x k, column-major, leading
// dimension N), the building blocks of matrix-free Jacobian spectra. Each is a plain loop nest
// whose arithmetic a GPU kernel can repeat element for element:
//
//   * dense stored W (column-major):          Y = W X  or  Y = Wᵀ X
//   * Gaussian W regenerated from Philox:     entry (i, j) = scale · z_{j·N + i} of the stream
//     (the very layout of jacobian_spectrum's kLayerGaussian weights, so the matrix is the same
//     one, bit for bit), never stored: O(N) memory, N² normals per product (shared by the k
//     vectors of the block);
//   * structured orthogonal W = σ_w (H S_B) ... (H S_1) with H the normalised Walsh–Hadamard
//     matrix (H/√N) and S_d random-sign diagonals (stream kStructuredSigns, sign element
//     (d-1)·N + i): O(N log N) per vector, exactly orthogonal up to rounding.
//
// Determinism: every output element is a sum in a fixed order done by one thread (row blocks
// for W X, columns for Wᵀ X), so results are bitwise identical for any thread count.
#include <cstdint>

#include "isometry/rng/streams.hpp"

namespace isometry::matfree {

// Y (N x k) <- W X or Wᵀ X for W stored column-major (N x N). Y must not alias X.
void dense_product(const double* w, std::int64_t n, const double* x, double* y, std::int64_t k,
                   bool transpose);

// The same with W_ij = scale · z_{j·N + i}, z the normal stream `id`, regenerated on the fly.
void gaussian_onthefly_product(rng::StreamId id, double scale, std::int64_t n, const double* x, double* y,
                               std::int64_t k, bool transpose);

// x (length N, a power of two) <- W (d ⊙ x) or Wᵀ (d ⊙ x) in place for the structured
// orthogonal W with `blocks` factors H S_d; `signs` is the layer's sign stream; the diagonal d
// (null: none) is fused into the first transform, which saves a pass over memory.
void structured_orthogonal_product(rng::StreamId signs, int blocks, double sigma_w, std::int64_t n, double* x,
                                   bool transpose, const double* pre_diagonal);

}  // namespace isometry::matfree
