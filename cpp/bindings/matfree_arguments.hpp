#pragma once
// Arguments and results of the matrix-free quadrature, shared by the CPU (_core) and GPU (_cuda)
// bindings so both parse and return exactly the same things.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "isometry/matfree/jacobian_operator.hpp"
#include "isometry/matfree/lanczos.hpp"

namespace isometry::bindings {

inline matfree::OperatorConfig operator_config(std::int64_t width, std::int64_t depth,
                                               const std::string& activation, const std::string& weights,
                                               const std::string& storage, double sigma_w, double sigma_b,
                                               double q0, std::uint64_t seed, int structured_blocks) {
    matfree::OperatorConfig c;
    c.width = width;
    c.depth = depth;
    c.activation = meanfield::parse_activation(activation);
    c.weights = matfree::parse_weights(weights);
    c.storage = matfree::parse_storage(storage);
    c.sigma_w = sigma_w;
    c.sigma_b = sigma_b;
    c.q0 = q0;
    c.seed = seed;
    c.structured_blocks = structured_blocks;
    matfree::validate(c);
    return c;
}

inline matfree::LanczosConfig lanczos_config(std::int64_t probes, std::int64_t steps,
                                             const std::string& probe, bool reorthogonalize,
                                             const std::string& rule, std::int64_t block,
                                             std::int64_t first_probe = 0) {
    matfree::LanczosConfig lc;
    lc.probes = probes;
    lc.steps = steps;
    lc.probe = matfree::parse_probe(probe);
    lc.reorthogonalize = reorthogonalize;
    if (rule != "radau" && rule != "gauss")
        throw std::invalid_argument("rule must be one of 'radau', 'gauss'; got '" + rule + "'");
    lc.radau = rule == "radau";
    lc.block = block;
    lc.first_probe = first_probe;
    matfree::validate(lc);
    return lc;
}

inline pybind11::array_t<double> matrix(const std::vector<double>& v, std::int64_t rows, std::int64_t cols) {
    pybind11::array_t<double> out(
        {static_cast<pybind11::ssize_t>(rows), static_cast<pybind11::ssize_t>(cols)});
    std::copy(v.begin(), v.end(), out.mutable_data());
    return out;
}

// The dict `isometry.matfree` post-processes: per-probe nodes/weights, the recurrences, q^l.
inline pybind11::dict quadrature_dict(const matfree::LanczosResult& result, std::int64_t probes,
                                      std::int64_t steps, const std::vector<double>& q,
                                      std::int64_t zero_derivatives) {
    namespace py = pybind11;
    py::dict out;
    out["nodes"] = matrix(result.nodes, probes, steps + 1);
    out["weights"] = matrix(result.weights, probes, steps + 1);
    out["alpha"] = matrix(result.alpha, probes, steps);
    out["beta"] = matrix(result.beta, probes, steps);
    out["steps_taken"] = py::array_t<std::int64_t>(static_cast<py::ssize_t>(result.steps_taken.size()),
                                                   result.steps_taken.data());
    out["q"] = py::array_t<double>(static_cast<py::ssize_t>(q.size()), q.data());
    out["zero_derivatives"] = zero_derivatives;
    return out;
}

}  // namespace isometry::bindings
