#include "bindings.hpp"

#include "isometry/core/names.hpp"
#include "isometry/meanfield/activation.hpp"

namespace isometry::bindings {

void register_names(py::module_& m) {
    m.def(
        "accepted_names",
        [] {
            py::dict d;
            d["activation"] = names::list(names::kActivations);
            d["dense_weights"] = names::list(names::kDenseWeights);
            d["spectrum_method"] = names::list(names::kSpectrumMethods);
            d["theory_weights"] = names::list(names::kTheoryWeights);
            d["matfree_weights"] = names::list(names::kMatfreeWeights);
            d["matfree_storage"] = names::list(names::kMatfreeStorage);
            d["probe_kind"] = names::list(names::kProbeKinds);
            return d;
        },
        "The names each C++ parser accepts (isometry/core/names.hpp), for the registry test.");

    // φ and φ' of a built-in activation on an array, so the NumPy/CuPy activations of the
    // training code can be checked against the ones every C++ computation uses.
    m.def(
        "activation_values",
        [](const std::string& activation, py::array_t<double, py::array::c_style | py::array::forcecast> h) {
            const meanfield::Activation a = meanfield::parse_activation(activation);
            py::array_t<double> phi(h.size()), dphi(h.size());
            const double* x = h.data();
            double* p = phi.mutable_data();
            double* d = dphi.mutable_data();
            for (py::ssize_t i = 0; i < h.size(); ++i) {
                p[i] = meanfield::phi(a, x[i]);
                d[i] = meanfield::dphi(a, x[i]);
            }
            return py::make_tuple(phi, dphi);
        },
        py::arg("activation"), py::arg("h"));
}

}  // namespace isometry::bindings
