#include "bindings.hpp"

#include <omp.h>

#include <string>

#include "isometry/core/free_cores.hpp"
#include "isometry/core/threads.hpp"

namespace isometry::bindings {

// The OpenMP side of isometry.set_num_threads (python/isometry/_internal/threads.py); the
// OpenBLAS side is blas_set_num_threads in register_build_info.cpp.
void register_threads(py::module_& m) {
    m.def("openmp_set_limit", &isometry::set_openmp_limit, py::arg("n"),
          "Process-wide cap on isometry's OpenMP teams (n <= 0: no cap).");
    m.def("openmp_limit", &isometry::openmp_limit);
    m.def("openmp_team_size", &isometry::openmp_configured_team_size,
          "Threads an isometry parallel region opened from the calling thread may have (the "
          "configured count, before adaptation to the free cores).");
    m.def("openmp_team_size_now", &isometry::openmp_team_size,
          "Threads an isometry parallel region opened now gets (after adaptation).");
    // Modes by name: "off", "openmp" (our teams; the default), "all" (also OpenBLAS's pool).
    m.def(
        "set_thread_adaptation",
        [](const std::string& mode) {
            if (mode == "off") {
                isometry::set_thread_adaptation(isometry::Adaptation::off);
            } else if (mode == "openmp") {
                isometry::set_thread_adaptation(isometry::Adaptation::openmp);
            } else if (mode == "all") {
                isometry::set_thread_adaptation(isometry::Adaptation::all);
            } else {
                throw py::value_error("mode must be 'off', 'openmp' or 'all', got '" + mode + "'");
            }
        },
        py::arg("mode"), "Which teams shrink to the cores other processes leave free.");
    m.def("thread_adaptation", [] {
        switch (isometry::thread_adaptation()) {
            case isometry::Adaptation::off:
                return std::string("off");
            case isometry::Adaptation::all:
                return std::string("all");
            default:
                return std::string("openmp");
        }
    });
    m.def("free_cores", &isometry::free_cores,
          "Usable cores minus those other processes kept busy over the last window (>= 1).");
    m.def("usable_cores", &isometry::usable_cores);
    // The calling thread's OpenMP setting (what threadpoolctl reads and sets through libgomp).
    m.def("openmp_set_num_threads", [](int n) { omp_set_num_threads(n); }, py::arg("n"));
    m.def("openmp_get_max_threads", [] { return omp_get_max_threads(); });
}

}  // namespace isometry::bindings
