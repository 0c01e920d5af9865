#include "bindings_cuda.hpp"

#include <string>

#include "isometry/cuda/haar.hpp"
#include "isometry/cuda/kernels.hpp"

namespace isometry::bindings_cuda {
namespace {

bool is_float64(const std::string& dtype) {
    if (dtype == "float64") return true;
    if (dtype == "float32") return false;
    throw std::invalid_argument("dtype must be 'float64' or 'float32'; got '" + dtype + "'");
}

void require_pointer(std::uintptr_t address, const char* name) {
    if (address == 0) throw std::invalid_argument(std::string(name) + " must be a device pointer, got 0");
}

}  // namespace

void register_samplers(py::module_& m) {
    m.def(
        "fill_normal",
        [](std::uintptr_t out, std::size_t count, double std, std::uint64_t seed, std::uint32_t stream_id,
           std::uint32_t substream, std::uint64_t first, const std::string& dtype, std::uintptr_t stream,
           int device) {
            const bool f64 = is_float64(dtype);
            if (count == 0) return;
            require_pointer(out, "out");
            py::gil_scoped_release release;
            cuda::DeviceGuard guard(device);
            const rng::StreamId id{seed, stream_id, substream};
            if (f64) {
                cuda::fill_normal(device_pointer<double>(out), count, id, first, std, stream_handle(stream));
            } else {
                cuda::fill_normal(device_pointer<float>(out), count, id, first, std, stream_handle(stream));
            }
        },
        py::arg("out"), py::arg("count"), py::arg("std"), py::arg("seed"), py::arg("stream_id"),
        py::arg("substream"), py::arg("first"), py::arg("dtype"), py::arg("stream") = 0,
        py::arg("device") = -1,
        "out[k] = std * z_{first+k} of the Philox normal stream (seed, stream_id, substream), enqueued on "
        "`stream`; the same numbers as the CPU's normal_stream.");
    m.def(
        "haar_columns",
        [](std::uintptr_t q, std::int64_t n, std::int64_t m_cols, std::int64_t ldq, std::uint64_t seed,
           std::uint32_t stream_id, std::uint32_t substream, const std::string& dtype, std::uintptr_t stream,
           int device) {
            const bool f64 = is_float64(dtype);
            require_pointer(q, "q");
            py::gil_scoped_release release;
            cuda::DeviceGuard guard(device);
            const rng::StreamId id{seed, stream_id, substream};
            if (f64) {
                cuda::haar_orthogonal_columns(n, m_cols, id, device_pointer<double>(q), ldq,
                                              stream_handle(stream));
            } else {
                cuda::haar_orthogonal_columns(n, m_cols, id, device_pointer<float>(q), ldq,
                                              stream_handle(stream));
            }
        },
        py::arg("q"), py::arg("n"), py::arg("m"), py::arg("ldq"), py::arg("seed"), py::arg("stream_id"),
        py::arg("substream"), py::arg("dtype"), py::arg("stream") = 0, py::arg("device") = -1,
        "Q (n x m, column-major, leading dimension ldq, n >= m) Haar, the CPU's haar_columns to rounding; "
        "returns when Q is complete.");
    m.def("haar_extra_bytes", &cuda::haar_extra_bytes, py::arg("n"), py::arg("m"), py::arg("element_size"));
}

}  // namespace isometry::bindings_cuda
