#include "bindings.hpp"

#include "isometry/core/build_info.hpp"

namespace isometry::bindings {

void register_build_info(py::module_& m) {
    m.def("build_info", [] {
        const BuildInfo info = isometry::build_info();
        py::dict d;
        d["compiler"] = info.compiler;
        d["cxx_standard"] = info.cxx_standard;
        d["openmp"] = info.openmp;
        d["openmp_max_threads"] = info.openmp_max_threads;
        d["blas"] = info.blas;
        d["blas_runtime"] = info.blas_runtime;
        d["blas_threads"] = info.blas_threads;
        d["cuda_option"] = info.cuda_option;
        d["cuda_build"] = info.cuda_build;
        return d;
    });
    m.def("blas_get_num_threads", &isometry::blas_get_num_threads);
    m.def("blas_set_num_threads", &isometry::blas_set_num_threads, py::arg("n"));
}

}  // namespace isometry::bindings
