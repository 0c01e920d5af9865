#pragma once
// Typed C++ front ends to the BLAS/LAPACK routines isometry uses, from scipy-openblas32
// (32-bit integers, symbols prefixed `scipy_`). Column-major throughout. Each LAPACK wrapper
// queries its own workspace size and checks `info`, throwing std::runtime_error on failure.
#include <vector>

namespace isometry::linalg {

using blas_int = int;

// C <- alpha op(A) op(B) + beta C
template <typename T>
void gemm(char transa, char transb, blas_int m, blas_int n, blas_int k, T alpha, const T* a, blas_int lda,
          const T* b, blas_int ldb, T beta, T* c, blas_int ldc);

// C <- alpha A A^T + beta C (lower triangle), A is n x k
template <typename T>
void syrk_lower(blas_int n, blas_int k, T alpha, const T* a, blas_int lda, T beta, T* c, blas_int ldc);

// Workspace for the Householder routines, kept across calls so hot loops do not reallocate.
template <typename T>
struct Workspace {
    std::vector<T> data;
    T* get(std::size_t size) {
        if (data.size() < size) data.resize(size);
        return data.data();
    }
};

// C (m x n) <- Q C, Q = H_1 ... H_k from reflectors stored below the diagonal of V (m x k).
template <typename T>
void ormqr_left(blas_int m, blas_int n, blas_int k, const T* v, blas_int ldv, const T* tau, T* c,
                blas_int ldc, Workspace<T>& work);

// V (m x n) <- the first n columns of Q = H_1 ... H_k (k <= n <= m), in place.
template <typename T>
void orgqr(blas_int m, blas_int n, blas_int k, T* v, blas_int ldv, const T* tau, Workspace<T>& work);

// All eigenvalues (ascending) of the symmetric matrix whose lower triangle is in A (destroyed).
template <typename T>
void syevd_values(blas_int n, T* a, blas_int lda, T* eigenvalues, Workspace<T>& work);

// All singular values (descending) of the m x n matrix A (destroyed).
template <typename T>
void gesdd_values(blas_int m, blas_int n, T* a, blas_int lda, T* singular_values, Workspace<T>& work);

// Eigenvalues (ascending, into d) and eigenvectors (columns of z, n x n) of the symmetric
// tridiagonal matrix with diagonal d and off-diagonal e (destroyed). float64 only.
void stev_vectors(blas_int n, double* d, double* e, double* z, blas_int ldz);

}  // namespace isometry::linalg
