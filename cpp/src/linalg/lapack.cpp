#include "isometry/linalg/lapack.hpp"

#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <string>

#include "isometry/core/threads.hpp"

// Fortran symbols of scipy-openblas32. Trailing size_t arguments are the hidden lengths of
// character arguments (gfortran ABI); passing them is always safe.
extern "C" {
int scipy_openblas_get_num_threads(void);
void scipy_openblas_set_num_threads(int);
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
void scipy_dormqr_(const char*, const char*, const blas_int*, const blas_int*, const blas_int*, const double*,
                   const blas_int*, const double*, double*, const blas_int*, double*, const blas_int*,
                   blas_int*, std::size_t, std::size_t);
void scipy_sormqr_(const char*, const char*, const blas_int*, const blas_int*, const blas_int*, const float*,
                   const blas_int*, const float*, float*, const blas_int*, float*, const blas_int*, blas_int*,
                   std::size_t, std::size_t);
void scipy_dorgqr_(const blas_int*, const blas_int*, const blas_int*, double*, const blas_int*, const double*,
                   double*, const blas_int*, blas_int*);
void scipy_sorgqr_(const blas_int*, const blas_int*, const blas_int*, float*, const blas_int*, const float*,
                   float*, const blas_int*, blas_int*);
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

// OpenBLAS's thread count is one setting for the whole process. When its pool adapts to the
// machine (Adaptation::all, threads.hpp), a BlasTeam lowers the count to the free cores for the
// length of one call and then puts the caller's count back, so that threadpoolctl and
// isometry.set_num_threads keep seeing their own setting. The mutex stops two calls from
// different threads from restoring each other's count in mid-call; it is taken only in that
// mode, so by default concurrent calls proceed as OpenBLAS allows.
class BlasTeam {
  public:
    BlasTeam() {
        if (isometry::thread_adaptation() != isometry::Adaptation::all) return;
        lock_ = std::unique_lock<std::mutex>(mutex());
        const int count = scipy_openblas_get_num_threads();
        const int want = isometry::blas_adaptive_limit();
        if (want >= 1 && want < count) {
            scipy_openblas_set_num_threads(want);
            restore_ = count;
        }
    }
    ~BlasTeam() {
        if (restore_ > 0) scipy_openblas_set_num_threads(restore_);
    }
    BlasTeam(const BlasTeam&) = delete;
    BlasTeam& operator=(const BlasTeam&) = delete;

  private:
    static std::mutex& mutex() {
        static std::mutex m;
        return m;
    }
    std::unique_lock<std::mutex> lock_;
    int restore_ = 0;
};

// LAPACK returns workspace sizes as floating point; round up so float32 sizes above 2^24 hold.
template <typename T>
blas_int workspace_size(T query) {
    return static_cast<blas_int>(static_cast<double>(query) * (1.0 + 1e-7)) + 1;
}

}  // namespace

template <>
void gemm<double>(char ta, char tb, blas_int m, blas_int n, blas_int k, double alpha, const double* a,
                  blas_int lda, const double* b, blas_int ldb, double beta, double* c, blas_int ldc) {
    const BlasTeam team;
    scipy_dgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc, 1, 1);
}
template <>
void gemm<float>(char ta, char tb, blas_int m, blas_int n, blas_int k, float alpha, const float* a,
                 blas_int lda, const float* b, blas_int ldb, float beta, float* c, blas_int ldc) {
    const BlasTeam team;
    scipy_sgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc, 1, 1);
}

template <>
void syrk_lower<double>(blas_int n, blas_int k, double alpha, const double* a, blas_int lda, double beta,
                        double* c, blas_int ldc) {
    const BlasTeam team;
    scipy_dsyrk_("L", "N", &n, &k, &alpha, a, &lda, &beta, c, &ldc, 1, 1);
}
template <>
void syrk_lower<float>(blas_int n, blas_int k, float alpha, const float* a, blas_int lda, float beta,
                       float* c, blas_int ldc) {
    const BlasTeam team;
    scipy_ssyrk_("L", "N", &n, &k, &alpha, a, &lda, &beta, c, &ldc, 1, 1);
}

#define ISOMETRY_ORMQR(T, routine)                                                                       \
    template <>                                                                                          \
    void ormqr_left<T>(blas_int m, blas_int n, blas_int k, const T* v, blas_int ldv, const T* tau, T* c, \
                       blas_int ldc, Workspace<T>& work) {                                               \
        const BlasTeam team;                                                                             \
        blas_int info = 0, query_size = -1;                                                              \
        T query = 0;                                                                                     \
        routine("L", "N", &m, &n, &k, v, &ldv, tau, c, &ldc, &query, &query_size, &info, 1, 1);          \
        check_info(#routine, info);                                                                      \
        blas_int lwork = workspace_size(query);                                                          \
        routine("L", "N", &m, &n, &k, v, &ldv, tau, c, &ldc, work.get(lwork), &lwork, &info, 1, 1);      \
        check_info(#routine, info);                                                                      \
    }
ISOMETRY_ORMQR(double, scipy_dormqr_)
ISOMETRY_ORMQR(float, scipy_sormqr_)
#undef ISOMETRY_ORMQR

#define ISOMETRY_ORGQR(T, routine)                                                       \
    template <>                                                                          \
    void orgqr<T>(blas_int m, blas_int n, blas_int k, T * v, blas_int ldv, const T* tau, \
                  Workspace<T>& work) {                                                  \
        const BlasTeam team;                                                             \
        blas_int info = 0, query_size = -1;                                              \
        T query = 0;                                                                     \
        routine(&m, &n, &k, v, &ldv, tau, &query, &query_size, &info);                   \
        check_info(#routine, info);                                                      \
        blas_int lwork = workspace_size(query);                                          \
        routine(&m, &n, &k, v, &ldv, tau, work.get(lwork), &lwork, &info);               \
        check_info(#routine, info);                                                      \
    }
ISOMETRY_ORGQR(double, scipy_dorgqr_)
ISOMETRY_ORGQR(float, scipy_sorgqr_)
#undef ISOMETRY_ORGQR

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
    std::vector<double> work(static_cast<std::size_t>(n > 1 ? 2 * n - 2 : 1));
    blas_int info = 0;
    scipy_dstev_("V", &n, d, e, z, &ldz, work.data(), &info, 1);
    check_info("dstev", info);
}

}  // namespace isometry::linalg
