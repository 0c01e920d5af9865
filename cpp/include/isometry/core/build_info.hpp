#pragma once
#include <string>

namespace isometry {

struct BuildInfo {
    std::string compiler;
    std::string cxx_standard;
    bool openmp;
    int openmp_max_threads;
    std::string blas;          // OpenBLAS configuration string seen at build time
    std::string blas_runtime;  // the configuration the loaded library reports
    int blas_threads;
    std::string cuda_option;  // ISOMETRY_CUDA at configure time: AUTO, ON or OFF
    std::string cuda_build;   // "built with CUDA ..." or "not built: <reason>"
};

BuildInfo build_info();

// OpenBLAS's own thread pool (it does not use OpenMP in the scipy-openblas32 build).
int blas_get_num_threads();
void blas_set_num_threads(int n);

}  // namespace isometry
