#include "bindings.hpp"

#include <omp.h>

#include "isometry/core/threads.hpp"

namespace isometry::bindings {

// The OpenMP side of isometry.set_num_threads (python/isometry/_internal/threads.py); the
// OpenBLAS side is blas_set_num_threads in register_build_info.cpp.
void register_threads(py::module_& m) {
    m.def("openmp_set_limit", &isometry::set_openmp_limit, py::arg("n"),
          "Process-wide cap on isometry's OpenMP teams (n <= 0: no cap).");
    m.def("openmp_limit", &isometry::openmp_limit);
    m.def("openmp_team_size", &isometry::openmp_team_size,
          "Threads of an isometry parallel region opened now from the calling thread.");
    // The calling thread's OpenMP setting (what threadpoolctl reads and sets through libgomp).
    m.def("openmp_set_num_threads", [](int n) { omp_set_num_threads(n); }, py::arg("n"));
    m.def("openmp_get_max_threads", [] { return omp_get_max_threads(); });
}

}  // namespace isometry::bindings
