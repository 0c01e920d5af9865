// Matrix-free spectra on the device: the quadrature behind jacobian_spectral_density(device="gpu")
// and small host-in/host-out hooks for the building blocks, so tests compare them with the CPU
// without needing CuPy.
#include "../bindings/matfree_arguments.hpp"
#include "../bindings/progress_bridge.hpp"
#include "bindings_cuda.hpp"

#include <memory>
#include <string>

#include "isometry/core/errors.hpp"
#include "isometry/cuda/matfree.hpp"
#include "isometry/cuda/matfree_kernels.hpp"

namespace isometry::bindings_cuda {
namespace {

using bindings::lanczos_config;  // shared with the CPU binding (matfree_arguments.hpp)
using bindings::operator_config;

using FortranArray = py::array_t<double, py::array::f_style | py::array::forcecast>;

// Copies the (n x k, Fortran order) host array to the device, runs `work(device pointer, n, k,
// stream)` and returns the device array as a new Fortran-ordered numpy array.
template <typename Work>
FortranArray on_device(const FortranArray& x, int device, const Work& work) {
    if (x.ndim() != 2) throw std::invalid_argument("x must be a 2-d array (n, k)");
    const std::int64_t n = x.shape(0), k = x.shape(1);
    FortranArray out({x.shape(0), x.shape(1)});
    {
        py::gil_scoped_release release;
        cuda::require_device();
        cuda::DeviceGuard guard(device);
        cuda::OwnedStream stream;
        const std::size_t bytes = static_cast<std::size_t>(n * k) * sizeof(double);
        cuda::DeviceBuffer buffer(bytes, stream.get());
        cuda::copy_to_device(buffer.get(), x.data(), bytes, stream.get());
        work(buffer.as<double>(), n, k, stream.get());
        cuda::copy_to_host(out.mutable_data(), buffer.get(), bytes, stream.get());
    }
    return out;
}

}  // namespace

void register_matfree(py::module_& m) {
    m.def(
        "matfree_quadrature",
        [](std::int64_t width, std::int64_t depth, const std::string& activation, const std::string& weights,
           const std::string& storage, double sigma_w, double sigma_b, double q0, std::uint64_t seed,
           int structured_blocks, std::int64_t probes, std::int64_t steps, const std::string& probe,
           bool reorthogonalize, const std::string& rule, std::int64_t block, const py::object& callback,
           int device) {
            const matfree::OperatorConfig oc = operator_config(width, depth, activation, weights, storage,
                                                               sigma_w, sigma_b, q0, seed, structured_blocks);
            const matfree::LanczosConfig lc =
                lanczos_config(probes, steps, probe, reorthogonalize, rule, block);
            matfree::LanczosResult result;
            std::vector<double> q;
            std::int64_t zeros = 0;
            bindings::run_with_progress(callback, [&](const bindings::ProgressFunction& progress) {
                cuda::require_device();
                cuda::DeviceGuard guard(device);
                cuda::require_device_memory("jacobian_spectral_density(width=" + std::to_string(width) +
                                                ", depth=" + std::to_string(depth) + ", device='gpu')",
                                            cuda::matfree_device_bytes(oc, lc));
                cuda::OwnedStream stream;
                const std::int64_t lanczos_total = ((probes + block - 1) / block) * steps;
                const std::int64_t total = depth + lanczos_total;
                const cuda::DeviceJacobianOperator op(
                    oc, std::min(block, probes),
                    [&](std::int64_t done, std::int64_t) { progress(done, total); }, stream.get());
                result = cuda::stochastic_lanczos(
                    op, lc, [&](std::int64_t done, std::int64_t) { progress(depth + done, total); });
                q = op.q();
                zeros = op.zero_derivatives();
                progress(total, total);
            });
            return bindings::quadrature_dict(result, probes, steps, q, zeros);
        },
        py::arg("width"), py::arg("depth"), py::arg("activation"), py::arg("weights"), py::arg("storage"),
        py::arg("sigma_w"), py::arg("sigma_b"), py::arg("q0"), py::arg("seed"), py::arg("structured_blocks"),
        py::arg("probes"), py::arg("steps"), py::arg("probe"), py::arg("reorthogonalize"), py::arg("rule"),
        py::arg("block"), py::arg("progress") = py::none(), py::arg("device") = -1);

    m.def(
        "matfree_device_bytes",
        [](std::int64_t width, std::int64_t depth, const std::string& weights, const std::string& storage,
           std::int64_t probes, std::int64_t steps, bool reorthogonalize, std::int64_t block) {
            matfree::OperatorConfig oc;
            oc.width = width;
            oc.depth = depth;
            oc.weights = matfree::parse_weights(weights);
            oc.storage = matfree::parse_storage(storage);
            matfree::LanczosConfig lc;
            lc.probes = probes;
            lc.steps = steps;
            lc.reorthogonalize = reorthogonalize;
            lc.block = block;
            return cuda::matfree_device_bytes(oc, lc);
        },
        py::arg("width"), py::arg("depth"), py::arg("weights"), py::arg("storage"), py::arg("probes"),
        py::arg("steps"), py::arg("reorthogonalize"), py::arg("block"));

    // Building blocks, host arrays in and out (tests).
    m.def(
        "matfree_signs",
        [](std::int64_t count, std::uint64_t seed, std::uint32_t stream_id, std::uint32_t substream,
           std::uint64_t first, double scale, int device) {
            FortranArray x({static_cast<py::ssize_t>(count), py::ssize_t{1}});
            return on_device(x, device, [&](double* d, std::int64_t n, std::int64_t, cuda::Stream s) {
                cuda::random_signs(d, n, {seed, stream_id, substream}, first, scale, s);
            });
        },
        py::arg("count"), py::arg("seed"), py::arg("stream"), py::arg("substream"), py::arg("first"),
        py::arg("scale") = 1.0, py::arg("device") = -1);
    m.def(
        "matfree_walsh_hadamard",
        [](const FortranArray& x, int device) {
            return on_device(x, device, [](double* d, std::int64_t n, std::int64_t k, cuda::Stream s) {
                cuda::walsh_hadamard_columns(d, n, k, cuda::DevicePrescale{}, s);
            });
        },
        "The unnormalised Walsh–Hadamard transform of each column.", py::arg("x"), py::arg("device") = -1);
    m.def(
        "matfree_layer_product",
        [](std::int64_t width, std::int64_t depth, const std::string& activation, const std::string& weights,
           const std::string& storage, double sigma_w, double sigma_b, double q0, std::uint64_t seed,
           int structured_blocks, const FortranArray& x, std::int64_t layer, bool transpose, int device) {
            const matfree::OperatorConfig oc = operator_config(width, depth, activation, weights, storage,
                                                               sigma_w, sigma_b, q0, seed, structured_blocks);
            if (layer < 0 || layer >= depth) throw std::invalid_argument("layer must be in [0, depth)");
            return on_device(x, device, [&](double* d, std::int64_t, std::int64_t k, cuda::Stream s) {
                const cuda::DeviceJacobianOperator op(oc, k, nullptr, s);
                op.layer_product(layer, d, k, transpose);
            });
        },
        "W_l x (or W_lᵀ x) for the columns of x on the device.", py::arg("width"), py::arg("depth"),
        py::arg("activation"), py::arg("weights"), py::arg("storage"), py::arg("sigma_w"), py::arg("sigma_b"),
        py::arg("q0"), py::arg("seed"), py::arg("structured_blocks"), py::arg("x"), py::arg("layer"),
        py::arg("transpose"), py::arg("device") = -1);
    m.def(
        "matfree_apply",
        [](std::int64_t width, std::int64_t depth, const std::string& activation, const std::string& weights,
           const std::string& storage, double sigma_w, double sigma_b, double q0, std::uint64_t seed,
           int structured_blocks, const FortranArray& x, bool transpose, int device) {
            const matfree::OperatorConfig oc = operator_config(width, depth, activation, weights, storage,
                                                               sigma_w, sigma_b, q0, seed, structured_blocks);
            if (x.ndim() != 2 || x.shape(0) != width)
                throw std::invalid_argument("x must be a 2-d array with width rows");
            return on_device(x, device, [&](double* d, std::int64_t, std::int64_t k, cuda::Stream s) {
                const cuda::DeviceJacobianOperator op(oc, k, nullptr, s);
                if (transpose) {
                    op.apply_transpose(d, k);
                } else {
                    op.apply(d, k);
                }
            });
        },
        "J x (or Jᵀ x) for the columns of x on the device.", py::arg("width"), py::arg("depth"),
        py::arg("activation"), py::arg("weights"), py::arg("storage"), py::arg("sigma_w"), py::arg("sigma_b"),
        py::arg("q0"), py::arg("seed"), py::arg("structured_blocks"), py::arg("x"), py::arg("transpose"),
        py::arg("device") = -1);
}

}  // namespace isometry::bindings_cuda
