#pragma once
// Included first by every binding file of the CUDA extension isometry._cuda. Compiled by the host
// C++ compiler: the CUDA code is reached only through the plain host functions of
// cpp/include/isometry/cuda/, so nvcc never sees pybind11.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>

#include "isometry/cuda/device.hpp"

namespace py = pybind11;

namespace isometry::bindings_cuda {

void register_runtime(py::module_& m);
void register_samplers(py::module_& m);
void register_jacobian(py::module_& m);
void register_matfree(py::module_& m);

// A device pointer or stream handed over from Python as an integer (CuPy's `.data.ptr`,
// `Stream.ptr`, the first entry of `__cuda_array_interface__["data"]`).
template <typename T>
T* device_pointer(std::uintptr_t address) {
    return reinterpret_cast<T*>(address);
}
inline cuda::Stream stream_handle(std::uintptr_t address) {
    return reinterpret_cast<cuda::Stream>(address);
}

}  // namespace isometry::bindings_cuda
