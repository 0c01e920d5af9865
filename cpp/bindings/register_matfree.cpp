#include "bindings.hpp"
#include "matfree_arguments.hpp"
#include "progress_bridge.hpp"

#include <memory>

#include "isometry/core/errors.hpp"
#include "isometry/matfree/jacobian_operator.hpp"
#include "isometry/matfree/lanczos.hpp"
#include "isometry/matfree/walsh_hadamard.hpp"
#include "isometry/rng/signs.hpp"

namespace isometry::bindings {
namespace {}  // namespace

void register_matfree(py::module_& m) {
    m.def(
        "matfree_quadrature",
        [](std::int64_t width, std::int64_t depth, const std::string& activation, const std::string& weights,
           const std::string& storage, double sigma_w, double sigma_b, double q0, std::uint64_t seed,
           int structured_blocks, std::int64_t probes, std::int64_t steps, const std::string& probe,
           bool reorthogonalize, const std::string& rule, std::int64_t block, const py::object& callback,
           std::int64_t first_probe) {
            const matfree::OperatorConfig oc = operator_config(width, depth, activation, weights, storage,
                                                               sigma_w, sigma_b, q0, seed, structured_blocks);
            const matfree::LanczosConfig lc =
                lanczos_config(probes, steps, probe, reorthogonalize, rule, block, first_probe);
            std::unique_ptr<matfree::JacobianOperator> op;
            matfree::LanczosResult result;
            run_with_progress(callback, [&](const ProgressFunction& progress) {
                const std::int64_t lanczos_total = ((probes + block - 1) / block) * steps;
                const std::int64_t total = depth + lanczos_total;
                op = std::make_unique<matfree::JacobianOperator>(
                    oc, [&](std::int64_t done, std::int64_t) { progress(done, total); });
                result = matfree::stochastic_lanczos(
                    *op, lc, [&](std::int64_t done, std::int64_t) { progress(depth + done, total); });
                progress(total, total);
            });
            return quadrature_dict(result, probes, steps, op->q(), op->zero_derivatives());
        },
        py::arg("width"), py::arg("depth"), py::arg("activation"), py::arg("weights"), py::arg("storage"),
        py::arg("sigma_w"), py::arg("sigma_b"), py::arg("q0"), py::arg("seed"), py::arg("structured_blocks"),
        py::arg("probes"), py::arg("steps"), py::arg("probe"), py::arg("reorthogonalize"), py::arg("rule"),
        py::arg("block"), py::arg("progress") = py::none(), py::arg("first_probe") = 0);

    m.def(
        "matfree_apply",
        [](std::int64_t width, std::int64_t depth, const std::string& activation, const std::string& weights,
           const std::string& storage, double sigma_w, double sigma_b, double q0, std::uint64_t seed,
           int structured_blocks, const FortranArray<double>& x, bool transpose) {
            const matfree::OperatorConfig oc = operator_config(width, depth, activation, weights, storage,
                                                               sigma_w, sigma_b, q0, seed, structured_blocks);
            if (x.ndim() != 2 || x.shape(0) != width)
                throw std::invalid_argument("x must be a 2-d array with width rows");
            const std::int64_t k = x.shape(1);
            FortranArray<double> out({x.shape(0), x.shape(1)});
            std::copy(x.data(), x.data() + width * k, out.mutable_data());
            double* data = out.mutable_data();
            {
                py::gil_scoped_release release;
                const matfree::JacobianOperator op(oc, nullptr);
                std::vector<double> scratch;
                if (transpose) {
                    op.apply_transpose(data, k, scratch);
                } else {
                    op.apply(data, k, scratch);
                }
            }
            return out;
        },
        "J x (or Jᵀ x) for the columns of x: the matrix-free operator, exposed for tests.", py::arg("width"),
        py::arg("depth"), py::arg("activation"), py::arg("weights"), py::arg("storage"), py::arg("sigma_w"),
        py::arg("sigma_b"), py::arg("q0"), py::arg("seed"), py::arg("structured_blocks"), py::arg("x"),
        py::arg("transpose"));

    m.def(
        "matfree_bytes",
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
            return matfree::operator_bytes(oc, 2 * std::min(block, probes)) +
                   matfree::lanczos_bytes(width, lc);
        },
        py::arg("width"), py::arg("depth"), py::arg("weights"), py::arg("storage"), py::arg("probes"),
        py::arg("steps"), py::arg("reorthogonalize"), py::arg("block"));

    m.def(
        "walsh_hadamard",
        [](const CArray<double>& x) {
            CArray<double> out(x.size());
            std::copy(x.data(), x.data() + x.size(), out.mutable_data());
            {
                py::gil_scoped_release release;
                matfree::walsh_hadamard(out.mutable_data(), static_cast<std::int64_t>(out.size()));
            }
            return out;
        },
        "The unnormalised fast Walsh–Hadamard transform H x (length a power of two).", py::arg("x"));

    m.def(
        "sign_stream",
        [](std::size_t count, std::uint64_t seed, std::uint32_t stream, std::uint32_t substream,
           std::uint64_t first) {
            py::array_t<double> out(static_cast<py::ssize_t>(count));
            rng::fill_signs_serial(out.mutable_data(), count, {seed, stream, substream}, first, 1.0);
            return out;
        },
        py::arg("count"), py::arg("seed"), py::arg("stream"), py::arg("substream"), py::arg("first") = 0);

    m.def(
        "lanczos_probe",
        [](std::uint64_t seed, const std::string& kind, std::int64_t index, std::int64_t n) {
            py::array_t<double> out(static_cast<py::ssize_t>(n));
            matfree::probe_vector(seed, matfree::parse_probe(kind), index, n, out.mutable_data());
            return out;
        },
        py::arg("seed"), py::arg("kind"), py::arg("index"), py::arg("n"));
}

}  // namespace isometry::bindings
