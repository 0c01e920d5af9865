#include "isometry/cuda/dense.hpp"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cusolverDn.h>

#include <climits>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "check.hpp"
#include "isometry/core/errors.hpp"

namespace isometry::cuda {

struct HandlePair {
    cublasHandle_t blas = nullptr;
    cusolverDnHandle_t solver = nullptr;
    cusolverDnParams_t params = nullptr;  // default options of the 64-bit API
};

namespace {

using detail::native;

void check_blas(cublasStatus_t status, const char* what) {
    if (status == CUBLAS_STATUS_SUCCESS) return;
    const std::string message = std::string("cuBLAS error in ") + what + ": " + cublasGetStatusName(status) +
                                " (" + cublasGetStatusString(status) + ")";
    if (status == CUBLAS_STATUS_ALLOC_FAILED) throw DeviceMemoryError(message);
    throw CudaError(message);
}

const char* solver_status_name(cusolverStatus_t status) {
    switch (status) {
        case CUSOLVER_STATUS_NOT_INITIALIZED:
            return "CUSOLVER_STATUS_NOT_INITIALIZED";
        case CUSOLVER_STATUS_ALLOC_FAILED:
            return "CUSOLVER_STATUS_ALLOC_FAILED";
        case CUSOLVER_STATUS_INVALID_VALUE:
            return "CUSOLVER_STATUS_INVALID_VALUE";
        case CUSOLVER_STATUS_ARCH_MISMATCH:
            return "CUSOLVER_STATUS_ARCH_MISMATCH";
        case CUSOLVER_STATUS_EXECUTION_FAILED:
            return "CUSOLVER_STATUS_EXECUTION_FAILED";
        case CUSOLVER_STATUS_INTERNAL_ERROR:
            return "CUSOLVER_STATUS_INTERNAL_ERROR";
        case CUSOLVER_STATUS_NOT_SUPPORTED:
            return "CUSOLVER_STATUS_NOT_SUPPORTED";
        default:
            return "cusolverStatus_t";
    }
}

void check_solver(cusolverStatus_t status, const char* what) {
    if (status == CUSOLVER_STATUS_SUCCESS) return;
    const std::string message = std::string("cuSOLVER error in ") + what + ": " + solver_status_name(status) +
                                " (" + std::to_string(static_cast<int>(status)) + ")";
    if (status == CUSOLVER_STATUS_ALLOC_FAILED) throw DeviceMemoryError(message);
    throw CudaError(message);
}

#define ISOMETRY_BLAS_CHECK(call) check_blas((call), #call)
#define ISOMETRY_SOLVER_CHECK(call) check_solver((call), #call)

// The legacy cuSOLVER QR routines take int sizes.
int as_int(std::int64_t value, const char* what) {
    if (value < 0 || value > INT_MAX) {
        throw std::invalid_argument(std::string(what) + " = " + std::to_string(value) +
                                    " exceeds the 32-bit sizes of cuSOLVER's QR routines");
    }
    return static_cast<int>(value);
}

// Idle handles by device. A solver takes one (or creates one) and gives it back when done.
std::mutex pool_mutex;
std::map<int, std::vector<HandlePair*>> pool;

std::unique_ptr<HandlePair> take_handles(int device) {
    {
        std::lock_guard<std::mutex> lock(pool_mutex);
        auto& idle = pool[device];
        if (!idle.empty()) {
            std::unique_ptr<HandlePair> handles(idle.back());
            idle.pop_back();
            return handles;
        }
    }
    auto handles = std::make_unique<HandlePair>();
    ISOMETRY_BLAS_CHECK(cublasCreate(&handles->blas));
    const cusolverStatus_t status = cusolverDnCreate(&handles->solver);
    if (status != CUSOLVER_STATUS_SUCCESS) {
        cublasDestroy(handles->blas);
        check_solver(status, "cusolverDnCreate");
    }
    ISOMETRY_SOLVER_CHECK(cusolverDnCreateParams(&handles->params));
    return handles;
}

template <typename T>
constexpr cudaDataType data_type() {
    return sizeof(T) == 4 ? CUDA_R_32F : CUDA_R_64F;
}

}  // namespace

DenseSolver::DenseSolver(Stream stream)
    : stream_(stream),
      device_(current_device()),
      handles_(take_handles(device_)),
      info_(sizeof(int), stream) {
    ISOMETRY_BLAS_CHECK(cublasSetStream(handles_->blas, native(stream)));
    ISOMETRY_SOLVER_CHECK(cusolverDnSetStream(handles_->solver, native(stream)));
}

DenseSolver::~DenseSolver() {
    // Handles go back to the pool (never destroyed: the CUDA context may be gone at exit).
    std::lock_guard<std::mutex> lock(pool_mutex);
    pool[device_].push_back(handles_.release());
}

void DenseSolver::check_info(const char* routine) {
    int info = 0;
    copy_to_host(&info, info_.get(), sizeof info, stream_);
    if (info < 0) {
        throw std::invalid_argument(std::string(routine) + ": argument " + std::to_string(-info) +
                                    " had an illegal value");
    }
    if (info > 0) {
        throw ConvergenceError(std::string(routine) + " failed to converge (info = " + std::to_string(info) +
                               ")");
    }
}

// ---- cuBLAS ------------------------------------------------------------------------------

template <>
void DenseSolver::gemm<double>(std::int64_t m, std::int64_t n, std::int64_t k, double alpha, const double* a,
                               std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c,
                               std::int64_t ldc) {
    ISOMETRY_BLAS_CHECK(cublasDgemm_64(handles_->blas, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &alpha, a, lda, b,
                                       ldb, &beta, c, ldc));
}
template <>
void DenseSolver::gemm<float>(std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
                              std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
                              std::int64_t ldc) {
    ISOMETRY_BLAS_CHECK(cublasSgemm_64(handles_->blas, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &alpha, a, lda, b,
                                       ldb, &beta, c, ldc));
}

void DenseSolver::gemm_transposed_a(std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
                                    const double* a, std::int64_t lda, const double* b, std::int64_t ldb,
                                    double beta, double* c, std::int64_t ldc) {
    ISOMETRY_BLAS_CHECK(cublasDgemm_64(handles_->blas, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &alpha, a, lda, b,
                                       ldb, &beta, c, ldc));
}

template <>
void DenseSolver::syrk_lower<double>(std::int64_t n, std::int64_t k, const double* a, std::int64_t lda,
                                     double* c, std::int64_t ldc) {
    const double one = 1.0, zero = 0.0;
    ISOMETRY_BLAS_CHECK(cublasDsyrk_64(handles_->blas, CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_N, n, k, &one, a,
                                       lda, &zero, c, ldc));
}
template <>
void DenseSolver::syrk_lower<float>(std::int64_t n, std::int64_t k, const float* a, std::int64_t lda,
                                    float* c, std::int64_t ldc) {
    const float one = 1.0f, zero = 0.0f;
    ISOMETRY_BLAS_CHECK(cublasSsyrk_64(handles_->blas, CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_N, n, k, &one, a,
                                       lda, &zero, c, ldc));
}

// ---- cuSOLVER QR (legacy 32-bit API: there is no 64-bit orgqr/ormqr) ----------------------

#define ISOMETRY_ORGQR(T, prefix)                                                                          \
    template <>                                                                                            \
    void DenseSolver::orgqr<T>(std::int64_t m, std::int64_t n, std::int64_t k, T* v, std::int64_t ldv,     \
                               const T* tau) {                                                             \
        const int im = as_int(m, "m"), in = as_int(n, "n"), ik = as_int(k, "k"), ild = as_int(ldv, "ldv"); \
        int lwork = 0;                                                                                     \
        ISOMETRY_SOLVER_CHECK(                                                                             \
            cusolverDn##prefix##orgqr_bufferSize(handles_->solver, im, in, ik, v, ild, tau, &lwork));      \
        DeviceBuffer work(static_cast<std::size_t>(lwork) * sizeof(T), stream_);                           \
        ISOMETRY_SOLVER_CHECK(cusolverDn##prefix##orgqr(handles_->solver, im, in, ik, v, ild, tau,         \
                                                        work.as<T>(), lwork, info_.as<int>()));            \
        check_info("cusolverDn" #prefix "orgqr");                                                          \
    }
ISOMETRY_ORGQR(double, D)
ISOMETRY_ORGQR(float, S)
#undef ISOMETRY_ORGQR

#define ISOMETRY_ORMQR(T, prefix)                                                                            \
    template <>                                                                                              \
    void DenseSolver::ormqr_left<T>(std::int64_t m, std::int64_t n, std::int64_t k, const T* v,              \
                                    std::int64_t ldv, const T* tau, T* c, std::int64_t ldc) {                \
        const int im = as_int(m, "m"), in = as_int(n, "n"), ik = as_int(k, "k");                             \
        const int ild = as_int(ldv, "ldv"), ildc = as_int(ldc, "ldc");                                       \
        int lwork = 0;                                                                                       \
        ISOMETRY_SOLVER_CHECK(cusolverDn##prefix##ormqr_bufferSize(                                          \
            handles_->solver, CUBLAS_SIDE_LEFT, CUBLAS_OP_N, im, in, ik, v, ild, tau, c, ildc, &lwork));     \
        DeviceBuffer work(static_cast<std::size_t>(lwork) * sizeof(T), stream_);                             \
        ISOMETRY_SOLVER_CHECK(cusolverDn##prefix##ormqr(handles_->solver, CUBLAS_SIDE_LEFT, CUBLAS_OP_N, im, \
                                                        in, ik, v, ild, tau, c, ildc, work.as<T>(), lwork,   \
                                                        info_.as<int>()));                                   \
        check_info("cusolverDn" #prefix "ormqr");                                                            \
    }
ISOMETRY_ORMQR(double, D)
ISOMETRY_ORMQR(float, S)
#undef ISOMETRY_ORMQR

// ---- cuSOLVER eigenvalues and singular values (64-bit API) --------------------------------

template <typename T>
std::size_t DenseSolver::syevd_workspace_bytes(std::int64_t n, const T* a, std::int64_t lda, const T* w) {
    constexpr cudaDataType type = data_type<T>();
    std::size_t device_bytes = 0, host_bytes = 0;
    ISOMETRY_SOLVER_CHECK(cusolverDnXsyevd_bufferSize(
        handles_->solver, handles_->params, CUSOLVER_EIG_MODE_NOVECTOR, CUBLAS_FILL_MODE_LOWER, n, type, a,
        lda, type, w, type, &device_bytes, &host_bytes));
    return device_bytes;
}

template <typename T>
std::size_t DenseSolver::gesvd_workspace_bytes(std::int64_t m, std::int64_t n, const T* a, std::int64_t lda,
                                               const T* s) {
    constexpr cudaDataType type = data_type<T>();
    std::size_t device_bytes = 0, host_bytes = 0;
    ISOMETRY_SOLVER_CHECK(cusolverDnXgesvd_bufferSize(handles_->solver, handles_->params, 'N', 'N', m, n,
                                                      type, a, lda, type, s, type, nullptr, 1, type, nullptr,
                                                      1, type, &device_bytes, &host_bytes));
    return device_bytes;
}

template <typename T>
void DenseSolver::syevd_values(std::int64_t n, T* a, std::int64_t lda, T* w) {
    constexpr cudaDataType type = data_type<T>();
    std::size_t device_bytes = 0, host_bytes = 0;
    ISOMETRY_SOLVER_CHECK(cusolverDnXsyevd_bufferSize(
        handles_->solver, handles_->params, CUSOLVER_EIG_MODE_NOVECTOR, CUBLAS_FILL_MODE_LOWER, n, type, a,
        lda, type, w, type, &device_bytes, &host_bytes));
    DeviceBuffer work(device_bytes, stream_);
    std::vector<char> host_work(host_bytes);
    ISOMETRY_SOLVER_CHECK(cusolverDnXsyevd(handles_->solver, handles_->params, CUSOLVER_EIG_MODE_NOVECTOR,
                                           CUBLAS_FILL_MODE_LOWER, n, type, a, lda, type, w, type, work.get(),
                                           device_bytes, host_work.empty() ? nullptr : host_work.data(),
                                           host_bytes, info_.as<int>()));
    check_info("cusolverDnXsyevd");
}

template <typename T>
void DenseSolver::gesvd_values(std::int64_t m, std::int64_t n, T* a, std::int64_t lda, T* s) {
    if (m < n) throw std::invalid_argument("gesvd_values: cuSOLVER's gesvd needs m >= n");
    constexpr cudaDataType type = data_type<T>();
    std::size_t device_bytes = 0, host_bytes = 0;
    ISOMETRY_SOLVER_CHECK(cusolverDnXgesvd_bufferSize(handles_->solver, handles_->params, 'N', 'N', m, n,
                                                      type, a, lda, type, s, type, nullptr, 1, type, nullptr,
                                                      1, type, &device_bytes, &host_bytes));
    DeviceBuffer work(device_bytes, stream_);
    std::vector<char> host_work(host_bytes);
    ISOMETRY_SOLVER_CHECK(cusolverDnXgesvd(handles_->solver, handles_->params, 'N', 'N', m, n, type, a, lda,
                                           type, s, type, nullptr, 1, type, nullptr, 1, type, work.get(),
                                           device_bytes, host_work.empty() ? nullptr : host_work.data(),
                                           host_bytes, info_.as<int>()));
    check_info("cusolverDnXgesvd");
}

template std::size_t DenseSolver::syevd_workspace_bytes<double>(std::int64_t, const double*, std::int64_t,
                                                                const double*);
template std::size_t DenseSolver::syevd_workspace_bytes<float>(std::int64_t, const float*, std::int64_t,
                                                               const float*);
template std::size_t DenseSolver::gesvd_workspace_bytes<double>(std::int64_t, std::int64_t, const double*,
                                                                std::int64_t, const double*);
template std::size_t DenseSolver::gesvd_workspace_bytes<float>(std::int64_t, std::int64_t, const float*,
                                                               std::int64_t, const float*);
template void DenseSolver::syevd_values<double>(std::int64_t, double*, std::int64_t, double*);
template void DenseSolver::syevd_values<float>(std::int64_t, float*, std::int64_t, float*);
template void DenseSolver::gesvd_values<double>(std::int64_t, std::int64_t, double*, std::int64_t, double*);
template void DenseSolver::gesvd_values<float>(std::int64_t, std::int64_t, float*, std::int64_t, float*);

}  // namespace isometry::cuda
