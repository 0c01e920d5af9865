#include "isometry/linalg/lapack.hpp"

#include <cstddef>
#include <stdexcept>
#include <string>

#include "isometry/linalg/blas_threads.hpp"

// Fortran symbols of scipy-openblas32. Trailing size_t arguments are the hidden lengths of
// character arguments (gfortran ABI); passing them is always safe.
extern "C" {
using isometry::linalg::blas_int;
void scipy_dgemm_(const char*, const char*, const blas_int*, const blas_int*, const blas_int*, const double*,
                  const double*, const blas_int*, const double*, const blas_int*, const double*, double*,
                  const blas_int*, std::size_t, std::size_t);
void scipy_sgemm_(const char*, const char*, const blas_int*, const blas_int*, const blas_int*, const float*,
                  const float*, const blas_int*, const float*, const blas_int*, const float*, float*,
                  const blas_int*, std::size_t, std::size_t);
void scipy_dsyrk_(const char*, const char*, const blas_int*, const blas_int*, const double*, const double*,
                  const blas_int*, const double*, double*, const blas_int*, std::size_t, std::size_t);
void scipy_ssyrk_(const char*, const char*, const blas_int*, const blas_int*, const float*, const float*,
                  const blas_int*, const float*, float*, const blas_int*, std::size_t, std::size_t);
void scipy_dlarft_(const char*, const char*, const blas_int*, const blas_int*, const double*, const blas_int*,
                   const double*, double*, const blas_int*, std::size_t, std::size_t);
void scipy_slarft_(const char*, const char*, const blas_int*, const blas_int*, const float*, const blas_int*,
                   const float*, float*, const blas_int*, std::size_t, std::size_t);
void scipy_dlarfb_(const char*, const char*, const char*, const char*, const blas_int*, const blas_int*,
                   const blas_int*, const double*, const blas_int*, const double*, const blas_int*, double*,
                   const blas_int*, double*, const blas_int*, std::size_t, std::size_t, std::size_t,
                   std::size_t);
void scipy_slarfb_(const char*, const char*, const char*, const char*, const blas_int*, const blas_int*,
                   const blas_int*, const float*, const blas_int*, const float*, const blas_int*, float*,
                   const blas_int*, float*, const blas_int*, std::size_t, std::size_t, std::size_t,
                   std::size_t);
void scipy_dsyevd_(const char*, const char*, const blas_int*, double*, const blas_int*, double*, double*,
                   const blas_int*, blas_int*, const blas_int*, blas_int*, std::size_t, std::size_t);
void scipy_ssyevd_(const char*, const char*, const blas_int*, float*, const blas_int*, float*, float*,
                   const blas_int*, blas_int*, const blas_int*, blas_int*, std::size_t, std::size_t);
void scipy_dgesdd_(const char*, const blas_int*, const blas_int*, double*, const blas_int*, double*, double*,
                   const blas_int*, double*, const blas_int*, double*, const blas_int*, blas_int*, blas_int*,
                   std::size_t);
void scipy_dstev_(const char*, const blas_int*, double*, double*, double*, const blas_int*, double*,
                  blas_int*, std::size_t);
void scipy_sgesdd_(const char*, const blas_int*, const blas_int*, float*, const blas_int*, float*, float*,
                   const blas_int*, float*, const blas_int*, float*, const blas_int*, blas_int*, blas_int*,
                   std::size_t);
}

namespace isometry::linalg {
namespace {

void check_info(const char* routine, blas_int info) {
    if (info < 0) {
        throw std::invalid_argument(std::string(routine) + ": argument " + std::to_string(-info) +
                                    " had an illegal value");
    }
    if (info > 0) {
        throw std::runtime_error(std::string(routine) +
                                 " failed to converge (info = " + std::to_string(info) + ")");
    }
}

// LAPACK returns workspace sizes as floating point; round up so float32 sizes above 2^24 hold.
template <typename T>
blas_int workspace_size(T query) {
    return static_cast<blas_int>(static_cast<double>(query) * (1.0 + 1e-7)) + 1;
}

}  // namespace

template <>
void gemm<double>(char ta, char tb, blas_int m, blas_int n, blas_int k, double alpha, const double* a,
                  blas_int lda, const double* b, blas_int ldb, double beta, double* c, blas_int ldc) {
    scipy_dgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc, 1, 1);
}
template <>
void gemm<float>(char ta, char tb, blas_int m, blas_int n, blas_int k, float alpha, const float* a,
                 blas_int lda, const float* b, blas_int ldb, float beta, float* c, blas_int ldc) {
    scipy_sgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc, 1, 1);
}

template <>
void syrk_lower<double>(blas_int n, blas_int k, double alpha, const double* a, blas_int lda, double beta,
                        double* c, blas_int ldc) {
    scipy_dsyrk_("L", "N", &n, &k, &alpha, a, &lda, &beta, c, &ldc, 1, 1);
}
template <>
void syrk_lower<float>(blas_int n, blas_int k, float alpha, const float* a, blas_int lda, float beta,
                       float* c, blas_int ldc) {
    scipy_ssyrk_("L", "N", &n, &k, &alpha, a, &lda, &beta, c, &ldc, 1, 1);
}

#define ISOMETRY_LARF(T, larft, larfb)                                                               \
    template <>                                                                                      \
    void larft_forward<T>(blas_int n, blas_int k, const T* v, blas_int ldv, const T* tau, T* t,      \
                          blas_int ldt) {                                                            \
        larft("F", "C", &n, &k, v, &ldv, tau, t, &ldt, 1, 1);                                        \
    }                                                                                                \
    template <>                                                                                      \
    void larfb_left<T>(blas_int m, blas_int n, blas_int k, const T* v, blas_int ldv, const T* t,     \
                       blas_int ldt, T* c, blas_int ldc, T* work, blas_int ldwork) {                 \
        larfb("L", "N", "F", "C", &m, &n, &k, v, &ldv, t, &ldt, c, &ldc, work, &ldwork, 1, 1, 1, 1); \
    }
ISOMETRY_LARF(double, scipy_dlarft_, scipy_dlarfb_)
ISOMETRY_LARF(float, scipy_slarft_, scipy_slarfb_)
#undef ISOMETRY_LARF

#define ISOMETRY_SYEVD(T, routine)                                                                      \
    template <>                                                                                         \
    void syevd_values<T>(blas_int n, T * a, blas_int lda, T * w, Workspace<T> & work) {                 \
        const BlasTeam team;                                                                            \
        blas_int info = 0, query_size = -1, iquery = 0;                                                 \
        T query = 0;                                                                                    \
        routine("N", "L", &n, a, &lda, w, &query, &query_size, &iquery, &query_size, &info, 1, 1);      \
        check_info(#routine, info);                                                                     \
        blas_int lwork = workspace_size(query);                                                         \
        blas_int liwork = iquery > 1 ? iquery : 1;                                                      \
        std::vector<blas_int> iwork(static_cast<std::size_t>(liwork));                                  \
        routine("N", "L", &n, a, &lda, w, work.get(lwork), &lwork, iwork.data(), &liwork, &info, 1, 1); \
        check_info(#routine, info);                                                                     \
    }
ISOMETRY_SYEVD(double, scipy_dsyevd_)
ISOMETRY_SYEVD(float, scipy_ssyevd_)
#undef ISOMETRY_SYEVD

#define ISOMETRY_GESDD(T, routine)                                                                        \
    template <>                                                                                           \
    void gesdd_values<T>(blas_int m, blas_int n, T * a, blas_int lda, T * s, Workspace<T> & work) {       \
        const BlasTeam team;                                                                              \
        blas_int info = 0, query_size = -1, one = 1;                                                      \
        T query = 0, unused = 0;                                                                          \
        std::vector<blas_int> iwork(8 * static_cast<std::size_t>(m < n ? m : n));                         \
        routine("N", &m, &n, a, &lda, s, &unused, &one, &unused, &one, &query, &query_size, iwork.data(), \
                &info, 1);                                                                                \
        check_info(#routine, info);                                                                       \
        blas_int lwork = workspace_size(query);                                                           \
        routine("N", &m, &n, a, &lda, s, &unused, &one, &unused, &one, work.get(lwork), &lwork,           \
                iwork.data(), &info, 1);                                                                  \
        check_info(#routine, info);                                                                       \
    }
ISOMETRY_GESDD(double, scipy_dgesdd_)
ISOMETRY_GESDD(float, scipy_sgesdd_)
#undef ISOMETRY_GESDD

void stev_vectors(blas_int n, double* d, double* e, double* z, blas_int ldz) {
    const SerialBlas serial;
    std::vector<double> work(static_cast<std::size_t>(n > 1 ? 2 * n - 2 : 1));
    blas_int info = 0;
    scipy_dstev_("V", &n, d, e, z, &ldz, work.data(), &info, 1);
    check_info("dstev", info);
}

}  // namespace isometry::linalg
