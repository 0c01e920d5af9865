#pragma once
// Typed C++ front ends to the BLAS/LAPACK routines isometry uses, from scipy-openblas32
// (32-bit integers, symbols prefixed `scipy_`). Column-major throughout. Each LAPACK wrapper
// queries its own workspace size and checks `info`, throwing std::runtime_error on failure.
//
// gemm, syrk_lower, larft_forward and larfb_left are single library calls meant to run on one
// thread: call them under a SerialBlas (blas_threads.hpp), as the parallel drivers in
// parallel.hpp do. The eigensolvers and stev_vectors choose their own threads.
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

// T (k x k, upper triangular) of the block reflector H_1 ... H_k = I - V T V^T, from the k
// reflectors stored below the diagonal of V (n x k, unit diagonal implied; LAPACK's dlarft
// "F", "C").
template <typename T>
void larft_forward(blas_int n, blas_int k, const T* v, blas_int ldv, const T* tau, T* t, blas_int ldt);

// C (m x n) <- (I - V T V^T) C (dlarfb "L", "N", "F", "C"); work holds n x k (ldwork >= n).
template <typename T>
void larfb_left(blas_int m, blas_int n, blas_int k, const T* v, blas_int ldv, const T* t, blas_int ldt, T* c,
                blas_int ldc, T* work, blas_int ldwork);

// All eigenvalues (ascending) of the symmetric matrix whose lower triangle is in A (destroyed).
// It and gesdd_values run on one thread, or on OpenBLAS's pool in Adaptation::all (BlasTeam).
template <typename T>
void syevd_values(blas_int n, T* a, blas_int lda, T* eigenvalues, Workspace<T>& work);

// All singular values (descending) of the m x n matrix A (destroyed).
template <typename T>
void gesdd_values(blas_int m, blas_int n, T* a, blas_int lda, T* singular_values, Workspace<T>& work);

// Eigenvalues (ascending, into d) and eigenvectors (columns of z, n x n) of the symmetric
// tridiagonal matrix with diagonal d and off-diagonal e (destroyed). float64 only.
void stev_vectors(blas_int n, double* d, double* e, double* z, blas_int ldz);

}  // namespace isometry::linalg
