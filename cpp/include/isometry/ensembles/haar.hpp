#pragma once
// Haar-distributed orthogonal matrices (and Haar points of the Stiefel manifold) in Householder
// form.
//
// Mezzadri (2007): if A is an n x m Gaussian matrix (n >= m) and A = QR with diag(R) > 0, Q is
// Haar. Householder QR reduces A one column at a time; after j reflections the untouched part
// of column j, rows j..n-1, is again a standard Gaussian vector independent of everything
// before (rotation invariance). So the reflectors of that QR can be drawn directly: reflector j
// is built from a fresh Gaussian vector x_j of length n - j, with the sign convention of
// LAPACK's dlarfgp so that H_j x_j = +||x_j|| e_1 (R_jj > 0). The product Q = H_0 H_1 ... H_{m-1}
// is the Q factor of the Gaussian matrix whose R has diagonal ||x_j|| and independent N(0, 1)
// entries above it: exactly Haar, with no factorisation (no BLAS-2 panel work) at all. Q is
// then formed (orgqr) or applied (ormqr) with GEMM-rich blocked code.
//
// Draw layout: x_j[i - j] is element j·n + i (i = j..n-1) of the normal stream `id`.
#include <cstdint>

#include "isometry/linalg/lapack.hpp"
#include "isometry/rng/streams.hpp"

namespace isometry::ensembles {

// The m reflectors of an n x m Haar draw (n >= m): vectors below the diagonal of V (n x m,
// leading dimension ldv; V_jj holds R_jj), scalar factors in tau (length m).
template <typename T>
void haar_reflectors(std::int64_t n, std::int64_t m, rng::StreamId id, T* v, std::int64_t ldv, T* tau);

// Q (n x m, column-major, n >= m) with orthonormal columns, Haar on the Stiefel manifold;
// m == n gives a Haar orthogonal matrix. `work` holds the n x m reflectors meanwhile (reuse it
// across calls); the result is the same bits for any thread count (linalg/parallel.hpp).
template <typename T>
void haar_orthogonal_columns(std::int64_t n, std::int64_t m, rng::StreamId id, T* q,
                             linalg::Workspace<T>& work);

}  // namespace isometry::ensembles
