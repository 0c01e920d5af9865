#pragma once
// cuBLAS and cuSOLVER as isometry uses them, column-major, behind plain C++. A DenseSolver holds
// one cuBLAS and one cuSOLVER handle of the current device bound to a stream; handles are pooled
// per device (creating them costs milliseconds) and never shared by two live solvers, so calls
// from several threads are safe. Solver workspaces are allocated stream-ordered per call.
// Failures throw CudaError (std::runtime_error); a routine reporting non-convergence throws
// isometry::ConvergenceError.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "isometry/cuda/device.hpp"

namespace isometry::cuda {

struct HandlePair;  // cuBLAS + cuSOLVER handles (defined in dense.cpp)

class DenseSolver {
  public:
    explicit DenseSolver(Stream stream);
    ~DenseSolver();
    DenseSolver(const DenseSolver&) = delete;
    DenseSolver& operator=(const DenseSolver&) = delete;
    Stream stream() const { return stream_; }

    // C <- alpha A B + beta C (no transposes), A m x k, B k x n.
    template <typename T>
    void gemm(std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a, std::int64_t lda,
              const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc);

    // C <- alpha Aᵀ B + beta C, A k x m (so Aᵀ is m x k), B k x n: float64 (matrix-free Wᵀ X).
    void gemm_transposed_a(std::int64_t m, std::int64_t n, std::int64_t k, double alpha, const double* a,
                           std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c,
                           std::int64_t ldc);

    // C <- A Aᵀ (lower triangle), A n x k.
    template <typename T>
    void syrk_lower(std::int64_t n, std::int64_t k, const T* a, std::int64_t lda, T* c, std::int64_t ldc);

    // V (m x n) <- the first n columns of Q = H_1 ... H_k from reflectors below the diagonal of V.
    template <typename T>
    void orgqr(std::int64_t m, std::int64_t n, std::int64_t k, T* v, std::int64_t ldv, const T* tau);

    // C (m x n) <- Q C, Q = H_1 ... H_k from reflectors below the diagonal of V (m x k).
    template <typename T>
    void ormqr_left(std::int64_t m, std::int64_t n, std::int64_t k, const T* v, std::int64_t ldv,
                    const T* tau, T* c, std::int64_t ldc);

    // All eigenvalues (ascending, into device array w) of the symmetric matrix whose lower
    // triangle is in A (destroyed). 64-bit cuSOLVER API: any n that fits in memory.
    template <typename T>
    void syevd_values(std::int64_t n, T* a, std::int64_t lda, T* w);

    // Device bytes of the workspaces syevd_values / gesvd_values will allocate (same arguments;
    // the contents of A are not read), so callers can refuse before doing any work.
    template <typename T>
    std::size_t syevd_workspace_bytes(std::int64_t n, const T* a, std::int64_t lda, const T* w);
    template <typename T>
    std::size_t gesvd_workspace_bytes(std::int64_t m, std::int64_t n, const T* a, std::int64_t lda,
                                      const T* s);

    // All singular values (descending, into device array s) of the m x n matrix A (m >= n,
    // destroyed).
    template <typename T>
    void gesvd_values(std::int64_t m, std::int64_t n, T* a, std::int64_t lda, T* s);

  private:
    void check_info(const char* routine);
    Stream stream_;
    int device_;
    std::unique_ptr<HandlePair> handles_;
    DeviceBuffer info_;  // one int: the devInfo of the last cuSOLVER call
};

}  // namespace isometry::cuda
