#include "bindings.hpp"

#include "isometry/ensembles/haar.hpp"
#include "isometry/rng/fill.hpp"

namespace isometry::bindings {
namespace {

template <typename T>
py::array gaussian(std::int64_t n, std::int64_t m, double std, std::uint64_t seed, std::uint32_t stream,
                   std::uint32_t substream) {
    py::array_t<T, py::array::c_style> out({n, m});
    T* data = out.mutable_data();
    py::gil_scoped_release release;
    rng::fill_normal(data, static_cast<std::size_t>(n * m), {seed, stream, substream}, 0, std);
    return out;
}

// Q (n x m, n >= m) with orthonormal columns, returned Fortran-ordered (LAPACK's layout).
template <typename T>
py::array haar_columns(std::int64_t n, std::int64_t m, std::uint64_t seed, std::uint32_t stream,
                       std::uint32_t substream) {
    py::array_t<T, py::array::f_style> out({n, m});
    T* data = out.mutable_data();
    py::gil_scoped_release release;
    linalg::Workspace<T> work;
    ensembles::haar_orthogonal_columns<T>(n, m, {seed, stream, substream}, data, work);
    return out;
}

}  // namespace

void register_ensembles(py::module_& m) {
    m.def("gaussian_f64", &gaussian<double>, py::arg("n"), py::arg("m"), py::arg("std"), py::arg("seed"),
          py::arg("stream"), py::arg("substream"));
    m.def("gaussian_f32", &gaussian<float>, py::arg("n"), py::arg("m"), py::arg("std"), py::arg("seed"),
          py::arg("stream"), py::arg("substream"));
    m.def("haar_columns_f64", &haar_columns<double>, py::arg("n"), py::arg("m"), py::arg("seed"),
          py::arg("stream"), py::arg("substream"));
    m.def("haar_columns_f32", &haar_columns<float>, py::arg("n"), py::arg("m"), py::arg("seed"),
          py::arg("stream"), py::arg("substream"));
}

}  // namespace isometry::bindings
