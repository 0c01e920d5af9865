#pragma once
// Parallel BLAS-3 work whose results do not depend on the thread count.
//
// Each routine splits its output into column tiles whose width is fixed by the problem size,
// never by the thread count, and computes every tile with single-threaded library calls, in the
// same order whichever thread takes it, on our OpenMP team. So the bits are the same on 1
// thread, on 16, and on a busy machine (blas_threads.hpp says why OpenBLAS's own pool is not
// used for this). The team has the set count even on a busy machine: independent tiles handed
// out one at a time lose nothing to a descheduled thread (parallel.cpp, for_each).
#include "isometry/linalg/lapack.hpp"

namespace isometry::linalg {

// C (m x n) <- alpha A B + beta C, A m x k, B k x n.
template <typename T>
void tiled_gemm_nn(blas_int m, blas_int n, blas_int k, T alpha, const T* a, blas_int lda, const T* b,
                   blas_int ldb, T beta, T* c, blas_int ldc);

// C (lower triangle) <- alpha A A^T + beta C, A n x k.
template <typename T>
void tiled_syrk_lower(blas_int n, blas_int k, T alpha, const T* a, blas_int lda, T beta, T* c, blas_int ldc);

// C (m x n) <- Q C, Q = H_1 ... H_k from the reflectors below the diagonal of V (m x k, LAPACK's
// geqrf layout; the diagonal and above are not read).
template <typename T>
void tiled_ormqr_left(blas_int m, blas_int n, blas_int k, const T* v, blas_int ldv, const T* tau, T* c,
                      blas_int ldc, Workspace<T>& work);

// Q (m x n) <- the first n columns of H_1 ... H_k (k <= n <= m); V is left as it is.
template <typename T>
void tiled_orgqr(blas_int m, blas_int n, blas_int k, const T* v, blas_int ldv, const T* tau, T* q,
                 blas_int ldq, Workspace<T>& work);

}  // namespace isometry::linalg
