#include "bindings.hpp"

#include "isometry/core/errors.hpp"

namespace {

// Entry points that exist only so the tests can check building blocks against independent
// references. They live in _core.testing, apart from what the Python layer calls. They are
// registered with their areas (next to their siblings) and moved here in one place.
constexpr const char* kTestHooks[] = {
    "philox4x32_10", "sign_stream",      "walsh_hadamard", "matfree_apply",  "lanczos_probe",
    "gauss_hermite", "cross_moment_gap", "d2_stieltjes",   "accepted_names", "activation_values",
};

}  // namespace

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
    isometry::bindings::register_names(m);
    py::module_ testing = m.def_submodule("testing", "test hooks (private; not an API)");
    for (const char* name : kTestHooks) {
        if (!py::hasattr(m, name)) continue;  // e.g. removed from its area: nothing to move
        testing.attr(name) = m.attr(name);
        py::delattr(m, name);
    }
}
