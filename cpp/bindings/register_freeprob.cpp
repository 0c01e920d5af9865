#include "bindings.hpp"

#include "isometry/freeprob/bernoulli_limit.hpp"
#include "isometry/freeprob/density.hpp"
#include "isometry/freeprob/exponential_s.hpp"
#include "isometry/freeprob/moments.hpp"
#include "isometry/meanfield/length_map.hpp"
#include "isometry/meanfield/nonlinearity.hpp"

namespace isometry::bindings {
namespace {

// The law of D² at variance q; q = 0 means the q -> 0 limit D² = φ'(0)² = 1 (not for relu).
freeprob::D2Law law_at(const std::string& activation, double q) {
    const meanfield::Activation a = meanfield::parse_activation(activation);
    if (q == 0.0) {
        if (a == meanfield::Activation::relu) throw std::invalid_argument("relu has no q -> 0 limit of D^2");
        return freeprob::D2Law{};  // Bernoulli(1)
    }
    return freeprob::d2_law(a, q);
}

freeprob::MlpMasterEquation equation(const std::string& activation, const std::string& weights, long depth,
                                     double sigma_w, double q) {
    return freeprob::MlpMasterEquation(law_at(activation, q), freeprob::parse_weights(weights), depth,
                                       sigma_w);
}

py::dict density_dict(const freeprob::Density& d) {
    py::dict out;
    out["x"] = py::array_t<double>(static_cast<py::ssize_t>(d.x.size()), d.x.data());
    out["density"] = py::array_t<double>(static_cast<py::ssize_t>(d.density.size()), d.density.data());
    py::list atom_list;
    for (const auto& a : d.atoms) atom_list.append(py::make_tuple(a.location, a.mass));
    out["atoms"] = atom_list;
    out["support"] = py::make_tuple(d.support_lower, d.support_upper);
    out["lower_edge_is_hard"] = d.lower_edge_is_hard;
    out["lambda_max"] = d.lambda_max;
    out["mass_below_grid"] = d.mass_below_grid;
    out["tail_log_x"] =
        py::array_t<double>(static_cast<py::ssize_t>(d.tail_log_x.size()), d.tail_log_x.data());
    out["tail_mass"] = py::array_t<double>(static_cast<py::ssize_t>(d.tail_mass.size()), d.tail_mass.data());
    if (d.logarithmic_grid >= 0) out["logarithmic_grid"] = d.logarithmic_grid == 1;
    out["cumulative"] =
        py::array_t<double>(static_cast<py::ssize_t>(d.cumulative.size()), d.cumulative.data());
    out["iterations"] = d.iterations;
    out["restarts"] = d.restarts;
    out["max_residual"] = d.max_residual;
    out["relative_epsilon"] = d.relative_epsilon;
    return out;
}

}  // namespace

void register_freeprob(py::module_& m) {
    m.def(
        "jacobian_moments",
        [](const std::string& activation, const std::string& weights, long depth, double sigma_w, double q,
           int order) {
            if (order < 1) throw std::invalid_argument("order must be a positive integer");
            const meanfield::Activation a = meanfield::parse_activation(activation);
            std::vector<double> mu(static_cast<std::size_t>(order));
            for (int k = 1; k <= order; ++k) {
                mu[static_cast<std::size_t>(k - 1)] =
                    q == 0.0 ? 1.0
                             : meanfield::derivative_moment(a, q, k);  // exact μ_k, not the discretised law
            }
            return freeprob::jacobian_moments(mu, freeprob::parse_weights(weights), depth, sigma_w);
        },
        py::arg("activation"), py::arg("weights"), py::arg("depth"), py::arg("sigma_w"), py::arg("q"),
        py::arg("order"));
    m.def(
        "jacobian_moments_for_law",
        [](std::vector<double> mu, const std::string& weights, long depth, double sigma_w) {
            // From the moments μ_k = E[(D²)^k] of any law (a custom activation's).
            if (mu.empty()) throw std::invalid_argument("order must be a positive integer");
            return freeprob::jacobian_moments(mu, freeprob::parse_weights(weights), depth, sigma_w);
        },
        py::arg("mu"), py::arg("weights"), py::arg("depth"), py::arg("sigma_w"));
    m.def(
        "jacobian_density",
        [](const std::string& activation, const std::string& weights, long depth, double sigma_w, double q,
           std::vector<double> x, int points) {
            const freeprob::MlpMasterEquation eq = equation(activation, weights, depth, sigma_w, q);
            freeprob::Density d;
            {
                py::gil_scoped_release release;
                d = freeprob::jacobian_density(eq, std::move(x), points);
            }
            return density_dict(d);
        },
        py::arg("activation"), py::arg("weights"), py::arg("depth"), py::arg("sigma_w"), py::arg("q"),
        py::arg("x"), py::arg("points"));
    // The density for a law of D² given explicitly, one binding per kind of law.
    auto density_for = [](freeprob::D2Law law, const std::string& weights, long depth, double sigma_w,
                          std::vector<double> x, int points) {
        const freeprob::MlpMasterEquation eq(std::move(law), freeprob::parse_weights(weights), depth,
                                             sigma_w);
        freeprob::Density d;
        {
            py::gil_scoped_release release;
            d = freeprob::jacobian_density(eq, std::move(x), points);
        }
        return density_dict(d);
    };
    m.def(
        "jacobian_density_bernoulli",
        [density_for](double p, const std::string& weights, long depth, double sigma_w, std::vector<double> x,
                      int points) {
            // D² ~ Bernoulli(p): the double-scaling limits, and a linear network (p = 1).
            if (!(p > 0.0 && p <= 1.0))
                throw std::invalid_argument("p must be in (0, 1], got " + std::to_string(p));
            freeprob::D2Law law;
            law.p = p;
            return density_for(std::move(law), weights, depth, sigma_w, std::move(x), points);
        },
        py::arg("p"), py::arg("weights"), py::arg("depth"), py::arg("sigma_w"), py::arg("x"),
        py::arg("points"));
    m.def(
        "jacobian_density_discrete",
        [density_for](std::vector<double> values, std::vector<double> law_weights, const std::string& weights,
                      long depth, double sigma_w, std::vector<double> x, int points) {
            // D² = Σ_i w_i δ(d − d_i), a genuinely discrete law (normalised here).
            return density_for(freeprob::discrete_law(std::move(values), std::move(law_weights)), weights,
                               depth, sigma_w, std::move(x), points);
        },
        py::arg("values"), py::arg("law_weights"), py::arg("weights"), py::arg("depth"), py::arg("sigma_w"),
        py::arg("x"), py::arg("points"));
    m.def(
        "jacobian_density_custom",
        [density_for](std::shared_ptr<meanfield::CustomActivation> activation, const std::string& weights,
                      long depth, double sigma_w, double q, std::vector<double> x, int points) {
            // A user-defined activation at its fixed point q > 0: the sampled law of D² is built
            // here from its φ' (with the GIL: φ' is a Python callable), then solved without it.
            const meanfield::Nonlinearity a(
                std::shared_ptr<const meanfield::CustomActivation>(std::move(activation)));
            return density_for(freeprob::d2_law(a, q), weights, depth, sigma_w, std::move(x), points);
        },
        py::arg("activation"), py::arg("weights"), py::arg("depth"), py::arg("sigma_w"), py::arg("q"),
        py::arg("x"), py::arg("points"));
    m.def(
        "d2_stieltjes",
        [](const std::string& activation, double q, std::complex<double> y) {
            // M_{D²}(y), 1 + M_{D²}(y) and dM_{D²}/dy as the solver evaluates them (for tests).
            std::complex<double> m_value, one_plus_m, dm;
            law_at(activation, q).evaluate(y, m_value, one_plus_m, dm);
            return py::make_tuple(m_value, one_plus_m, dm);
        },
        py::arg("activation"), py::arg("q"), py::arg("y"));
    m.def(
        "resnet_density",
        [](double c, std::vector<double> x, int points) {
            const freeprob::ResnetMasterEquation eq(c);
            freeprob::Density d;
            {
                py::gil_scoped_release release;
                d = freeprob::resnet_density(eq, std::move(x), points);
            }
            return density_dict(d);
        },
        py::arg("c"), py::arg("x"), py::arg("points"));
    m.def("resnet_moments", &freeprob::resnet_moments, py::arg("c"), py::arg("order"));
    m.def(
        "exponential_s_density",
        [](double a, double b, std::vector<double> x, int points) {
            // S(z) = exp(−a − b z): the PSG18 smooth universality class is a = 0, b = σ₀².
            const freeprob::ExponentialSEquation eq(a, b);
            freeprob::Density d;
            {
                py::gil_scoped_release release;
                d = freeprob::exponential_s_density(eq, std::move(x), points);
            }
            return density_dict(d);
        },
        py::arg("a"), py::arg("b"), py::arg("x"), py::arg("points"));
    m.def(
        "bernoulli_limit_density",
        [](double sigma0_sq, std::vector<double> x, int points) {
            // PSG18's Bernoulli universality class in closed form (bernoulli_limit.hpp).
            const freeprob::BernoulliLimit law(sigma0_sq);
            freeprob::Density d;
            {
                py::gil_scoped_release release;
                d = freeprob::bernoulli_limit_density(law, std::move(x), points);
            }
            return density_dict(d);
        },
        py::arg("sigma0_sq"), py::arg("x"), py::arg("points"));
    m.def(
        "bernoulli_limit_cdf",
        [](double sigma0_sq, double log_x) { return freeprob::BernoulliLimit(sigma0_sq).cdf(log_x); },
        py::arg("sigma0_sq"), py::arg("log_x"));
    m.def("bernoulli_limit_moments", &freeprob::bernoulli_limit_moments, py::arg("sigma0_sq"),
          py::arg("order"));
    m.def("exponential_s_moments", &freeprob::exponential_s_moments, py::arg("a"), py::arg("b"),
          py::arg("order"));
    m.def(
        "resnet_edges",
        [](double c) {
            const freeprob::ResnetMasterEquation eq(c);
            return py::make_tuple(eq.lower_edge(), eq.upper_edge());
        },
        py::arg("c"));
    m.def(
        "lambda_max",
        [](const std::string& activation, const std::string& weights, long depth, double sigma_w, double q) {
            const freeprob::MlpMasterEquation eq = equation(activation, weights, depth, sigma_w, q);
            py::gil_scoped_release release;
            double top = freeprob::upper_bulk_edge(eq);
            for (const auto& a : freeprob::atoms(eq))
                if (a.mass > 0.0) top = std::max(top, a.location);
            return top;
        },
        py::arg("activation"), py::arg("weights"), py::arg("depth"), py::arg("sigma_w"), py::arg("q"));
}

}  // namespace isometry::bindings
