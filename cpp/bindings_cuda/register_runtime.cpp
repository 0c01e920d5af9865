#include "bindings_cuda.hpp"

#ifndef ISOMETRY_CUDA_ARCHITECTURES
#define ISOMETRY_CUDA_ARCHITECTURES "unknown"
#endif

namespace isometry::bindings_cuda {

void register_runtime(py::module_& m) {
    m.def(
        "compiled",
        [] {
            const cuda::CompiledVersions v = cuda::compiled_versions();
            py::dict d;
            d["cudart"] = v.cudart;
            d["cublas"] = v.cublas;
            d["cusolver"] = v.cusolver;
            d["architectures"] = ISOMETRY_CUDA_ARCHITECTURES;
            return d;
        },
        "Versions of the CUDA runtime, cuBLAS and cuSOLVER headers this extension was built with.");
    m.def(
        "runtime_status",
        [] {
            const cuda::RuntimeStatus s = cuda::runtime_status();
            py::dict d;
            d["device_count"] = s.device_count;
            d["driver_version"] = s.driver_version;
            d["runtime_version"] = s.runtime_version;
            d["error"] = s.error.empty() ? py::object(py::none()) : py::object(py::str(s.error));
            return d;
        },
        "Device count, driver and runtime versions; never raises (no driver: 0 devices and the reason).");
    m.def("devices", [] {
        py::list out;
        for (const cuda::DeviceProperties& p : cuda::devices()) {
            py::dict d;
            d["index"] = p.index;
            d["name"] = p.name;
            d["compute_capability"] = std::to_string(p.compute_major) + "." + std::to_string(p.compute_minor);
            d["total_bytes"] = p.total_bytes;
            d["multiprocessors"] = p.multiprocessors;
            out.append(d);
        }
        return out;
    });
    m.def(
        "memory_info",
        [](int device) {
            cuda::DeviceGuard guard(device);
            return cuda::memory_info();
        },
        py::arg("device") = -1, "(free, total) bytes of a device (-1: the current one).");
    m.def(
        "pointer_device",
        [](std::uintptr_t address) { return cuda::pointer_device(device_pointer<const void>(address)); },
        py::arg("address"), "The device that owns a device pointer; ValueError for host memory.");
    m.def(
        "synchronize",
        [](std::uintptr_t stream) {
            py::gil_scoped_release release;
            cuda::synchronize(stream_handle(stream));
        },
        py::arg("stream") = 0);
}

}  // namespace isometry::bindings_cuda
