#include "bindings.hpp"

#include "isometry/core/errors.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "isometry's compiled core (private; use the isometry package)";
    py::register_exception<isometry::ConvergenceError>(m, "ConvergenceError", PyExc_RuntimeError);
    isometry::bindings::register_build_info(m);
    isometry::bindings::register_rng(m);
    isometry::bindings::register_ensembles(m);
    isometry::bindings::register_meanfield(m);
    isometry::bindings::register_jacobian(m);
    isometry::bindings::register_freeprob(m);
    isometry::bindings::register_matfree(m);
    isometry::bindings::register_threads(m);
}
