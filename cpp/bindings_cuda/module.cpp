#include "bindings_cuda.hpp"

#include "isometry/core/errors.hpp"

PYBIND11_MODULE(_cuda, m) {
    m.doc() = "isometry's CUDA backend (private; use device='gpu' in the isometry package)";
    py::register_exception<isometry::cuda::CudaError>(m, "CudaError", PyExc_RuntimeError);
    py::register_exception<isometry::cuda::NoDeviceError>(m, "NoDeviceError", PyExc_RuntimeError);
    py::register_exception<isometry::cuda::DeviceMemoryError>(m, "DeviceMemoryError", PyExc_MemoryError);
    // Non-convergence raises the same isometry.ConvergenceError as the CPU core.
    py::object convergence_error = py::module_::import("isometry._core").attr("ConvergenceError");
    static py::handle convergence_type = convergence_error.release();
    py::register_exception_translator([](std::exception_ptr error) {
        try {
            if (error) std::rethrow_exception(error);
        } catch (const isometry::ConvergenceError& e) {
            PyErr_SetString(convergence_type.ptr(), e.what());
        }
    });
    isometry::bindings_cuda::register_runtime(m);
    isometry::bindings_cuda::register_samplers(m);
    isometry::bindings_cuda::register_jacobian(m);
    isometry::bindings_cuda::register_matfree(m);
}
