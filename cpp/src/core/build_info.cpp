#include "isometry/core/build_info.hpp"

#include <omp.h>

#include "isometry/linalg/blas_threads.hpp"

extern "C" {
char* scipy_openblas_get_config(void);
}

#ifndef ISOMETRY_BLAS_CONFIG
#define ISOMETRY_BLAS_CONFIG "unknown"
#endif
#ifndef ISOMETRY_CUDA_OPTION
#define ISOMETRY_CUDA_OPTION "unknown"
#endif
#ifndef ISOMETRY_CUDA_STATUS
#define ISOMETRY_CUDA_STATUS "unknown"
#endif
#ifndef ISOMETRY_COMPILER
#define ISOMETRY_COMPILER "unknown"
#endif

namespace isometry {

BuildInfo build_info() {
    BuildInfo info;
    info.compiler = ISOMETRY_COMPILER;
    info.cxx_standard = std::to_string(__cplusplus);
#ifdef _OPENMP
    info.openmp = true;
#else
    info.openmp = false;
#endif
    info.openmp_max_threads = omp_get_max_threads();
    info.blas = "scipy-openblas32: " ISOMETRY_BLAS_CONFIG;
    const char* runtime = scipy_openblas_get_config();
    info.blas_runtime = runtime ? runtime : "";
    info.blas_threads = linalg::blas_threads_setting();
    info.cuda_option = ISOMETRY_CUDA_OPTION;
    info.cuda_build = ISOMETRY_CUDA_STATUS;
    return info;
}

// The user's count: a guard that runs OpenBLAS on one thread for a while (blas_threads.hpp)
// does not show through, and a count set meanwhile takes effect when it ends.
int blas_get_num_threads() {
    return linalg::blas_threads_setting();
}
void blas_set_num_threads(int n) {
    linalg::set_blas_threads_setting(n);
}

}  // namespace isometry
