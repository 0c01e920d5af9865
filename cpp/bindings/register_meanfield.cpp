#include "bindings.hpp"

#include "isometry/meanfield/gauss_hermite.hpp"
#include "isometry/meanfield/length_map.hpp"

namespace isometry::bindings {

void register_meanfield(py::module_& m) {
    using namespace isometry::meanfield;
    m.def("gauss_hermite", [](int n) {
        const GaussHermiteRule& rule = gauss_hermite(n);
        return py::make_tuple(py::array_t<double>(rule.nodes.size(), rule.nodes.data()),
                              py::array_t<double>(rule.weights.size(), rule.weights.data()));
    }, py::arg("n"));
    m.def("second_moment", [](const std::string& a, double q) { return second_moment(parse_activation(a), q); },
          py::arg("activation"), py::arg("q"));
    m.def("derivative_moment",
          [](const std::string& a, double q, int k) { return derivative_moment(parse_activation(a), q, k); },
          py::arg("activation"), py::arg("q"), py::arg("k"));
    m.def("length_map",
          [](const std::string& a, double q, double sw, double sb) { return length_map(parse_activation(a), q, sw, sb); },
          py::arg("activation"), py::arg("q"), py::arg("sigma_w"), py::arg("sigma_b"));
    m.def("q_star", [](const std::string& a, double sw, double sb) {
        const FixedPoint fp = q_star(parse_activation(a), sw, sb);
        const char* kind = "positive";
        switch (fp.kind) {
            case FixedPointKind::positive: kind = "positive"; break;
            case FixedPointKind::zero: kind = "zero"; break;
            case FixedPointKind::scale_invariant: kind = "scale_invariant"; break;
            case FixedPointKind::divergent: kind = "divergent"; break;
        }
        return py::make_tuple(fp.q, kind, fp.iterations);
    }, py::arg("activation"), py::arg("sigma_w"), py::arg("sigma_b"));
}

}  // namespace isometry::bindings
