#include "isometry/core/build_info.hpp"

#include <omp.h>

extern "C" {
char* scipy_openblas_get_config(void);
int scipy_openblas_get_num_threads(void);
void scipy_openblas_set_num_threads(int);
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
    info.blas_threads = scipy_openblas_get_num_threads();
    info.cuda_option = ISOMETRY_CUDA_OPTION;
    info.cuda_build = ISOMETRY_CUDA_STATUS;
    return info;
}

int blas_get_num_threads() {
    return scipy_openblas_get_num_threads();
}
void blas_set_num_threads(int n) {
    scipy_openblas_set_num_threads(n);
}

}  // namespace isometry
