#include "bindings.hpp"
#include "progress_bridge.hpp"

#include <memory>
#include <mutex>

#include "isometry/core/errors.hpp"
#include "isometry/jacobian/jacobian_spectrum.hpp"

namespace isometry::bindings {
namespace {

using jacobian::JacobianWorkspace;

// One cached workspace per dtype, so repeated calls of the same size skip fresh allocations
// (which cost up to ~0.3 s each on our VMs). Kept only below this size; larger ones are freed.
constexpr std::size_t kKeepWorkspaceBytes = std::size_t(512) << 20;

template <typename T>
struct CachedWorkspace {
    std::mutex mutex;
    JacobianWorkspace<T> workspace;
};

template <typename T>
CachedWorkspace<T>& cached_workspace() {
    static CachedWorkspace<T> cache;
    return cache;
}

py::array_t<double> to_numpy(const std::vector<double>& v) {
    return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
}

template <typename T>
py::dict run(const jacobian::NetworkConfig& config, const std::string& method_name,
             const py::object& callback) {
    const jacobian::SpectrumMethod method = jacobian::parse_method(method_name);
    const jacobian::SpectrumResult result =
        run_with_progress(callback, [&](const ProgressFunction& progress) {
            CachedWorkspace<T>& cache = cached_workspace<T>();
            std::unique_lock<std::mutex> lock(cache.mutex, std::try_to_lock);
            if (!lock.owns_lock()) {  // another thread is using the cache
                JacobianWorkspace<T> workspace;
                return jacobian::jacobian_spectrum<T>(config, method, workspace, progress);
            }
            jacobian::SpectrumResult out;
            try {
                out = jacobian::jacobian_spectrum<T>(config, method, cache.workspace, progress);
            } catch (...) {
                cache.workspace.release();
                throw;
            }
            if (cache.workspace.bytes() > kKeepWorkspaceBytes) cache.workspace.release();
            return out;
        });
    py::dict out;
    out["eigenvalues"] = to_numpy(result.eigenvalues);
    out["singular_values"] = to_numpy(result.singular_values);
    out["q"] = to_numpy(result.q);
    out["zero_derivatives"] = result.zero_derivatives;
    if (config.architecture == jacobian::Architecture::resnet) out["c2"] = to_numpy(result.c2);
    return out;
}

}  // namespace

void register_jacobian(py::module_& m) {
    m.def(
        "jacobian_spectrum",
        [](std::int64_t width, std::int64_t depth, const std::string& activation, const std::string& weights,
           double sigma_w, double sigma_b, double q0, std::uint64_t seed, const std::string& dtype,
           const std::string& method, const py::object& progress) {
            jacobian::NetworkConfig config;
            config.width = width;
            config.depth = depth;
            config.activation = meanfield::parse_activation(activation);
            config.weights = jacobian::parse_weights(weights);
            config.sigma_w = sigma_w;
            config.sigma_b = sigma_b;
            config.q0 = q0;
            config.seed = seed;
            if (dtype == "float64") return run<double>(config, method, progress);
            if (dtype == "float32") return run<float>(config, method, progress);
            throw std::invalid_argument("dtype must be 'float64' or 'float32'; got '" + dtype + "'");
        },
        py::arg("width"), py::arg("depth"), py::arg("activation"), py::arg("weights"), py::arg("sigma_w"),
        py::arg("sigma_b"), py::arg("q0"), py::arg("seed"), py::arg("dtype"), py::arg("method"),
        py::arg("progress") = py::none());
    m.def(
        "resnet_jacobian_spectrum",
        [](std::int64_t width, std::int64_t depth, const std::string& activation, const std::string& weights,
           double sigma_w, double sigma_b, double residual_scale, double q0, std::uint64_t seed,
           const std::string& dtype, const std::string& method, const py::object& progress) {
            jacobian::NetworkConfig config;
            config.width = width;
            config.depth = depth;
            config.activation = meanfield::parse_activation(activation);
            config.weights = jacobian::parse_weights(weights);
            config.sigma_w = sigma_w;
            config.sigma_b = sigma_b;
            config.q0 = q0;
            config.seed = seed;
            config.architecture = jacobian::Architecture::resnet;
            config.residual_scale = residual_scale;
            if (dtype == "float64") return run<double>(config, method, progress);
            if (dtype == "float32") return run<float>(config, method, progress);
            throw std::invalid_argument("dtype must be 'float64' or 'float32'; got '" + dtype + "'");
        },
        py::arg("width"), py::arg("depth"), py::arg("activation"), py::arg("weights"), py::arg("sigma_w"),
        py::arg("sigma_b"), py::arg("residual_scale"), py::arg("q0"), py::arg("seed"), py::arg("dtype"),
        py::arg("method"), py::arg("progress") = py::none());
    m.def(
        "jacobian_workspace_bytes",
        [](std::int64_t width, std::int64_t depth, const std::string& weights, const std::string& method,
           std::size_t element_size, const std::string& architecture) {
            jacobian::NetworkConfig config;
            config.width = width;
            config.depth = depth;
            config.weights = jacobian::parse_weights(weights);
            if (architecture == "resnet") {
                config.architecture = jacobian::Architecture::resnet;
            } else if (architecture != "mlp") {
                throw std::invalid_argument("architecture must be 'mlp' or 'resnet'; got '" + architecture +
                                            "'");
            }
            return jacobian::jacobian_workspace_bytes(config, jacobian::parse_method(method), element_size);
        },
        py::arg("width"), py::arg("depth"), py::arg("weights"), py::arg("method"), py::arg("element_size"),
        py::arg("architecture") = "mlp");
}

}  // namespace isometry::bindings
