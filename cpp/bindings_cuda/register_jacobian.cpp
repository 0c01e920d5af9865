#include "../bindings/progress_bridge.hpp"
#include "bindings_cuda.hpp"

#include <memory>
#include <string>

#include "isometry/core/errors.hpp"
#include "isometry/cuda/jacobian.hpp"

namespace isometry::bindings_cuda {
namespace {

py::array_t<double> to_numpy(const std::vector<double>& v) {
    return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
}

jacobian::NetworkConfig make_config(std::int64_t width, std::int64_t depth, const std::string& activation,
                                    const std::string& weights, double sigma_w, double sigma_b, double q0,
                                    std::uint64_t seed) {
    jacobian::NetworkConfig config;
    config.width = width;
    config.depth = depth;
    config.activation = meanfield::parse_activation(activation);
    config.weights = jacobian::parse_weights(weights);
    config.sigma_w = sigma_w;
    config.sigma_b = sigma_b;
    config.q0 = q0;
    config.seed = seed;
    return config;
}

template <typename T>
py::dict run(const jacobian::NetworkConfig& config, const std::string& method_name,
             const py::object& callback, int device) {
    const jacobian::SpectrumMethod method = jacobian::parse_method(method_name);
    const auto work = [&](const bindings::ProgressFunction& progress) {
        cuda::require_device();
        cuda::DeviceGuard guard(device);
        cuda::OwnedStream stream;
        return cuda::jacobian_spectrum<T>(config, method, progress, stream.get());
    };
    const jacobian::SpectrumResult result = bindings::run_with_progress(callback, work);
    py::dict out;
    out["eigenvalues"] = to_numpy(result.eigenvalues);
    out["singular_values"] = to_numpy(result.singular_values);
    out["q"] = to_numpy(result.q);
    out["zero_derivatives"] = result.zero_derivatives;
    return out;
}

}  // namespace

void register_jacobian(py::module_& m) {
    m.def(
        "jacobian_spectrum",
        [](std::int64_t width, std::int64_t depth, const std::string& activation, const std::string& weights,
           double sigma_w, double sigma_b, double q0, std::uint64_t seed, const std::string& dtype,
           const std::string& method, const py::object& progress, int device) {
            const jacobian::NetworkConfig config =
                make_config(width, depth, activation, weights, sigma_w, sigma_b, q0, seed);
            if (dtype == "float64") return run<double>(config, method, progress, device);
            if (dtype == "float32") return run<float>(config, method, progress, device);
            throw std::invalid_argument("dtype must be 'float64' or 'float32'; got '" + dtype + "'");
        },
        py::arg("width"), py::arg("depth"), py::arg("activation"), py::arg("weights"), py::arg("sigma_w"),
        py::arg("sigma_b"), py::arg("q0"), py::arg("seed"), py::arg("dtype"), py::arg("method"),
        py::arg("progress") = py::none(), py::arg("device") = -1);
    m.def(
        "jacobian_device_bytes",
        [](std::int64_t width, std::int64_t depth, const std::string& weights, const std::string& method,
           std::size_t element_size) {
            jacobian::NetworkConfig config;
            config.width = width;
            config.depth = depth;
            config.weights = jacobian::parse_weights(weights);
            return cuda::jacobian_device_bytes(config, jacobian::parse_method(method), element_size);
        },
        py::arg("width"), py::arg("depth"), py::arg("weights"), py::arg("method"), py::arg("element_size"));
    m.attr("MAX_JACOBIAN_WIDTH") = cuda::kMaxJacobianWidth;
}

}  // namespace isometry::bindings_cuda
