#pragma once
// Included first by every binding file: pybind11 and the per-area registration functions.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace isometry::bindings {

void register_build_info(py::module_& m);
void register_rng(py::module_& m);
void register_ensembles(py::module_& m);
void register_meanfield(py::module_& m);
void register_jacobian(py::module_& m);
void register_freeprob(py::module_& m);
void register_matfree(py::module_& m);
void register_names(py::module_& m);
void register_threads(py::module_& m);

// numpy arrays handed to C++ must be contiguous and of our dtype; returned arrays own new memory.
template <typename T>
using FortranArray = py::array_t<T, py::array::f_style | py::array::forcecast>;
template <typename T>
using CArray = py::array_t<T, py::array::c_style | py::array::forcecast>;

}  // namespace isometry::bindings
