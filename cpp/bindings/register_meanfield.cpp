#include "bindings.hpp"
#include "progress_bridge.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "isometry/meanfield/activation_moments.hpp"
#include "isometry/meanfield/correlation_map.hpp"
#include "isometry/meanfield/criticality.hpp"
#include "isometry/meanfield/depth_scales.hpp"
#include "isometry/meanfield/gauss_hermite.hpp"
#include "isometry/meanfield/nonlinearity.hpp"
#include "isometry/meanfield/phase_diagram.hpp"
#include "isometry/meanfield/resnet.hpp"

namespace isometry::bindings {
namespace {

using namespace isometry::meanfield;

// What every mean-field entry point takes as its activation: a built-in name or a
// CustomActivation built from Python callables (isometry.theory.Activation makes those).
using ActivationArg = std::variant<std::string, std::shared_ptr<CustomActivation>>;

Nonlinearity to_nonlinearity(const ActivationArg& arg) {
    if (const auto* name = std::get_if<std::string>(&arg)) return Nonlinearity(parse_activation(*name));
    return Nonlinearity(
        std::shared_ptr<const CustomActivation>(std::get<std::shared_ptr<CustomActivation>>(arg)));
}

// Built-in activations run without the GIL. A custom one calls back into Python at every
// quadrature rule, so it keeps the GIL for the whole call (and the C++ side never evaluates it
// from another thread).
template <typename F>
auto with_gil_policy(const Nonlinearity& a, F&& f) -> decltype(f()) {
    if (a.is_builtin()) {
        py::gil_scoped_release release;
        return f();
    }
    return f();
}

// A batched evaluator calling `f(h: ndarray) -> ndarray` (same length). Python errors raised by f
// propagate as py::error_already_set and come back out as the original exception.
CustomActivation::Batch python_batch(py::function f, const char* what) {
    return [f = std::move(f), what](const double* h, double* out, std::size_t n) {
        py::array_t<double> points(static_cast<py::ssize_t>(n), h);
        auto values = py::cast<py::array_t<double, py::array::c_style | py::array::forcecast>>(f(points));
        if (static_cast<std::size_t>(values.size()) != n) {
            throw std::invalid_argument(std::string("custom activation: ") + what + " returned " +
                                        std::to_string(values.size()) + " values for " + std::to_string(n) +
                                        " points");
        }
        std::copy(values.data(), values.data() + n, out);
    };
}

const char* kind_name(FixedPointKind kind) {
    switch (kind) {
        case FixedPointKind::positive:
            return "positive";
        case FixedPointKind::zero:
            return "zero";
        case FixedPointKind::scale_invariant:
            return "scale_invariant";
        case FixedPointKind::divergent:
            return "divergent";
    }
    return "?";
}

// Runs work(progress) for a loop over layers: built-in activations without the GIL, with a
// Ctrl-C check (and `callback(done, total)`) every few layers through the progress bridge; a custom
// one on this thread with the GIL, where its Python callbacks see Ctrl-C themselves.
template <typename Work>
auto with_layer_progress(const Nonlinearity& a, const py::object& callback, Work&& work) {
    if (!a.is_builtin()) {
        return work(LayerProgress([&](std::int64_t done, std::int64_t total) {
            if (!callback.is_none() && (done % 64 == 0 || done == total)) callback(done, total);
        }));
    }
    return run_with_progress(callback, [&](const ProgressFunction& progress) {
        return work(LayerProgress([&](std::int64_t done, std::int64_t total) {
            if (done % 64 == 0 || done == total) progress(done, total);
        }));
    });
}

py::array_t<double> to_array(const std::vector<double>& values) {
    return py::array_t<double>(static_cast<py::ssize_t>(values.size()), values.data());
}

py::array_t<double> grid(const std::vector<double>& values, std::size_t rows, std::size_t cols) {
    py::array_t<double> out({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
    std::copy(values.begin(), values.end(), out.mutable_data());
    return out;
}

}  // namespace

void register_meanfield(py::module_& m) {
    py::class_<CustomActivation, std::shared_ptr<CustomActivation>>(
        m, "CustomActivation",
        "phi, dphi: callables mapping a float64 array of h to an array of the same length")
        .def(py::init([](py::function phi, py::function dphi, std::vector<double> kinks, std::string name) {
                 auto custom = std::make_shared<CustomActivation>();
                 custom->phi = python_batch(std::move(phi), "phi");
                 custom->dphi = python_batch(std::move(dphi), "dphi");
                 custom->kinks = std::move(kinks);
                 custom->name = std::move(name);
                 Nonlinearity{std::shared_ptr<const CustomActivation>(custom)};  // validates the kinks
                 return custom;
             }),
             py::arg("phi"), py::arg("dphi"), py::arg("kinks"), py::arg("name"));

    m.def(
        "gauss_hermite",
        [](int n) {
            const GaussHermiteRule& rule = gauss_hermite(n);
            return py::make_tuple(py::array_t<double>(rule.nodes.size(), rule.nodes.data()),
                                  py::array_t<double>(rule.weights.size(), rule.weights.data()));
        },
        py::arg("n"));
    m.def(
        "second_moment",
        [](const ActivationArg& arg, double q) {
            const Nonlinearity a = to_nonlinearity(arg);
            return with_gil_policy(a, [&] { return second_moment(a, q); });
        },
        py::arg("activation"), py::arg("q"));
    m.def(
        "derivative_moment",
        [](const ActivationArg& arg, double q, int k) {
            const Nonlinearity a = to_nonlinearity(arg);
            return with_gil_policy(a, [&] { return derivative_moment(a, q, k); });
        },
        py::arg("activation"), py::arg("q"), py::arg("k"));
    m.def(
        "derivative_moment_small_q",
        [](const ActivationArg& arg, int k) {
            const Nonlinearity a = to_nonlinearity(arg);
            return with_gil_policy(a, [&] { return derivative_moment_small_q(a, k); });
        },
        py::arg("activation"), py::arg("k"));
    m.def(
        "second_moment_slope",
        [](const ActivationArg& arg, double q) {
            const Nonlinearity a = to_nonlinearity(arg);
            return with_gil_policy(a, [&] { return second_moment_slope(a, q); });
        },
        py::arg("activation"), py::arg("q"));
    m.def(
        "length_map",
        [](const ActivationArg& arg, double q, double sw, double sb) {
            const Nonlinearity a = to_nonlinearity(arg);
            return with_gil_policy(a, [&] { return length_map(a, q, sw, sb); });
        },
        py::arg("activation"), py::arg("q"), py::arg("sigma_w"), py::arg("sigma_b"));
    m.def(
        "q_star",
        [](const ActivationArg& arg, double sw, double sb) {
            const Nonlinearity a = to_nonlinearity(arg);
            const FixedPoint fp = with_gil_policy(a, [&] { return q_star(a, sw, sb); });
            return py::make_tuple(fp.q, kind_name(fp.kind), fp.iterations);
        },
        py::arg("activation"), py::arg("sigma_w"), py::arg("sigma_b"));

    m.def(
        "cross_moment",
        [](const ActivationArg& arg, double q, double c) {
            const Nonlinearity a = to_nonlinearity(arg);
            return with_gil_policy(a, [&] { return cross_moment(a, q, c); });
        },
        py::arg("activation"), py::arg("q"), py::arg("c"));
    m.def(
        "derivative_cross_moment",
        [](const ActivationArg& arg, double q, double c) {
            const Nonlinearity a = to_nonlinearity(arg);
            return with_gil_policy(a, [&] { return derivative_cross_moment(a, q, c); });
        },
        py::arg("activation"), py::arg("q"), py::arg("c"));
    m.def(
        "cross_moment_gap",
        [](const ActivationArg& arg, double q, double c) {
            const Nonlinearity a = to_nonlinearity(arg);
            return with_gil_policy(a, [&] { return cross_moment_gap(a, q, c); });
        },
        py::arg("activation"), py::arg("q"), py::arg("c"));
    m.def(
        "correlation_map",
        [](const ActivationArg& arg, double q, double c, double sw, double sb) {
            const Nonlinearity a = to_nonlinearity(arg);
            return with_gil_policy(a, [&] { return correlation_map(a, q, c, sw, sb); });
        },
        py::arg("activation"), py::arg("q"), py::arg("c"), py::arg("sigma_w"), py::arg("sigma_b"));
    m.def(
        "correlation_map_slope",
        [](const ActivationArg& arg, double q, double c, double sw, double sb) {
            const Nonlinearity a = to_nonlinearity(arg);
            return with_gil_policy(a, [&] { return correlation_map_slope(a, q, c, sw, sb); });
        },
        py::arg("activation"), py::arg("q"), py::arg("c"), py::arg("sigma_w"), py::arg("sigma_b"));
    m.def(
        "c_star",
        [](const ActivationArg& arg, double q, double sw, double sb) {
            const Nonlinearity a = to_nonlinearity(arg);
            const CorrelationFixedPoint c = with_gil_policy(a, [&] { return c_star(a, q, sw, sb); });
            return py::make_tuple(c.c, c.slope, c.iterations);
        },
        py::arg("activation"), py::arg("q"), py::arg("sigma_w"), py::arg("sigma_b"));

    m.def(
        "chi1",
        [](const ActivationArg& arg, double sw, double sb) {
            const Nonlinearity a = to_nonlinearity(arg);
            return with_gil_policy(a, [&] { return chi1(a, sw, sb); });
        },
        py::arg("activation"), py::arg("sigma_w"), py::arg("sigma_b"));
    m.def(
        "critical_point",
        [](const ActivationArg& arg, double q) {
            const Nonlinearity a = to_nonlinearity(arg);
            const CriticalPoint p = with_gil_policy(a, [&] { return critical_point(a, q); });
            return py::make_tuple(p.sigma_w, p.sigma_b);
        },
        py::arg("activation"), py::arg("q_star"));
    m.def(
        "edge_of_chaos",
        [](const ActivationArg& arg, double sb) {
            const Nonlinearity a = to_nonlinearity(arg);
            return with_gil_policy(a, [&] { return edge_of_chaos(a, sb); });
        },
        py::arg("activation"), py::arg("sigma_b"));

    m.def(
        "critical_sigma_b",
        [](const ActivationArg& arg, double sw) {
            const Nonlinearity a = to_nonlinearity(arg);
            const CriticalLinePoint p = with_gil_policy(a, [&] { return critical_sigma_b(a, sw); });
            return py::make_tuple(p.sigma_b, p.q_star);
        },
        py::arg("activation"), py::arg("sigma_w"));

    m.def(
        "resnet_trajectory",
        [](const ActivationArg& arg, double sw, double sb, std::int64_t depth, double residual_scale,
           double input_variance, const py::object& progress) {
            const Nonlinearity a = to_nonlinearity(arg);
            const ResnetTrajectory t = with_layer_progress(a, progress, [&](const LayerProgress& p) {
                return resnet_trajectory(a, sw, sb, depth, residual_scale, input_variance, true, p);
            });
            py::dict out;
            out["c"] = t.c;
            out["c2"] = to_array(t.c2);
            out["q"] = to_array(t.q);
            out["mean"] = to_array(t.mean);
            out["second_moment"] = to_array(t.second_moment);
            return out;
        },
        py::arg("activation"), py::arg("sigma_w"), py::arg("sigma_b"), py::arg("depth"),
        py::arg("residual_scale"), py::arg("input_variance"), py::arg("progress") = py::none());
    m.def(
        "resnet_sigma_w",
        [](const ActivationArg& arg, double c, double sb, std::int64_t depth, double residual_scale,
           double input_variance, const py::object& progress) {
            const Nonlinearity a = to_nonlinearity(arg);
            const ResnetSigmaW r = with_layer_progress(a, progress, [&](const LayerProgress& p) {
                return resnet_sigma_w(a, c, sb, depth, residual_scale, input_variance, p);
            });
            return py::make_tuple(r.sigma_w, r.c, r.evaluations);
        },
        py::arg("activation"), py::arg("c"), py::arg("sigma_b"), py::arg("depth"), py::arg("residual_scale"),
        py::arg("input_variance"), py::arg("progress") = py::none());

    // Everything at one (σ_w, σ_b), computed as phase_diagram computes each grid point.
    m.def(
        "mean_field_point",
        [](const ActivationArg& arg, double sw, double sb) {
            const Nonlinearity a = to_nonlinearity(arg);
            FixedPoint fp{};
            double chi = 0.0;
            DepthScales scales{};
            with_gil_policy(a, [&] {
                check_sigmas(sw, sb, "mean_field_point");
                fp = q_star(a, sw, sb);
                scales = depth_scales(a, sw, sb, fp);
                chi = chi1(a, sw, fp);
            });
            py::dict out;
            out["q_star"] = fp.q;
            out["kind"] = kind_name(fp.kind);
            out["chi1"] = chi;
            out["c_star"] = scales.c_star;
            out["slope_q"] = scales.slope_q;
            out["slope_c"] = scales.slope_c;
            out["xi_q"] = scales.xi_q;
            out["xi_c"] = scales.xi_c;
            return out;
        },
        py::arg("activation"), py::arg("sigma_w"), py::arg("sigma_b"));
    m.def(
        "phase_diagram",
        [](const ActivationArg& arg, std::vector<double> sw, std::vector<double> sb) {
            const Nonlinearity a = to_nonlinearity(arg);
            const PhaseDiagram d = with_gil_policy(a, [&] { return phase_diagram(a, sw, sb); });
            py::dict out;
            out["q_star"] = grid(d.q_star, d.rows, d.cols);
            out["chi1"] = grid(d.chi1, d.rows, d.cols);
            out["c_star"] = grid(d.c_star, d.rows, d.cols);
            out["xi_q"] = grid(d.xi_q, d.rows, d.cols);
            out["xi_c"] = grid(d.xi_c, d.rows, d.cols);
            return out;
        },
        py::arg("activation"), py::arg("sigma_w"), py::arg("sigma_b"));
}

}  // namespace isometry::bindings
