#pragma once
// E[f(u₁) g(u₂)] for a centred Gaussian pair with Var u₁ = Var u₂ = q and correlation c, as
// nested one-dimensional expectations over independent z₁, z₂ ~ N(0, 1):
//   u₁ = √q z₁,   u₂ = √q (c z₁ + s z₂),   s = √(1 − c²),
//   E[f(u₁) g(u₂)] = E_{z₁}[ f(√q z₁) G(√q c z₁) ],   G(m) = E_{z₂}[ g(m + √q s z₂) ].
// Both levels are piecewise Gauss–Kronrod (piecewise_expectation.hpp), with pieces graded to the
// scale of f and g around their kinks and 0 (breaks_for_kinks). The inner one splits where
// m + √q s z₂ crosses a kink of g. The outer one splits at the kinks of f (z₁ = k/√q) and where
// the inner mean m crosses a kink of g (z₁ = k/(√q c)): for small s, G is a kink of g smoothed
// over a width √q s (in z₁: s/|c|). Adaptive refinement alone cannot be trusted with that: when
// the width is below the spacing of the first rule's nodes, the smoothed corner sits between
// them, every rule sees a smooth function and the error estimate is small but wrong (seen: 3e-10
// relative for relu at c = 0.999999). So the outer rule also splits one and eight widths either
// side, where the corner has flattened to e^{-32} of its size.
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <vector>

#include "isometry/meanfield/piecewise_expectation.hpp"

namespace isometry::meanfield {

// Breakpoints for a kink at `center` smoothed by a Gaussian of standard deviation `width`.
inline void add_smoothed_kink_breaks(double center, double width, std::vector<double>& breaks) {
    breaks.push_back(center);
    if (!(width > 0.0)) return;
    for (double k : {1.0, 8.0}) {
        breaks.push_back(center - k * width);
        breaks.push_back(center + k * width);
    }
}

// What is averaged over the pair: f(u₁) g(u₂), or (f(u₁) − g(u₂))²/2. With f = g the latter is
// E[f²] − E[f(u₁) f(u₂)], computed from a non-negative integrand, so it keeps its relative
// accuracy as c → 1 where the difference of the two expectations cancels.
enum class PairKernel { product, half_squared_difference };

// f and g are batched evaluators, f(const double* h, double* out, std::size_t n). `accuracy`: the
// absolute error asked of the result (besides rtol relative); `f_rms`: the root mean square of
// f(u₁), which bounds the weight E|f| that inner errors of the product carry into the result.
template <typename FBatch, typename GBatch>
double bivariate_normal_expectation(FBatch&& f, const std::vector<double>& f_kinks, GBatch&& g,
                                    const std::vector<double>& g_kinks, double q, double c, double rtol,
                                    double accuracy, double f_rms, PairKernel kernel = PairKernel::product) {
    const bool product = kernel == PairKernel::product;
    const double root_q = std::sqrt(q);
    const double b = root_q * std::sqrt((1.0 - c) * (1.0 + c));
    // Half the budget to the outer rule, a quarter to the inner ones (weighted by E|f| for the
    // product; the half squared difference is averaged as it is).
    const QuadratureTolerance outer_tol{rtol, 0.5 * accuracy};
    const QuadratureTolerance inner_tol{rtol, product ? 0.25 * accuracy / f_rms : 0.25 * accuracy};

    // E_{z₂}[g(m + b z₂)] for the product, E_{z₂}[(f₁ − g(m + b z₂))²/2] otherwise.
    auto inner = [&](double m, double f1) {
        std::vector<double> breaks = breaks_for_kinks(g_kinks, b, m), h;
        auto integrand = [&](const double* z2, double* out, std::size_t n) {
            h.resize(n);
            for (std::size_t i = 0; i < n; ++i) h[i] = m + b * z2[i];
            g(h.data(), out, n);
            if (!product) {
                for (std::size_t i = 0; i < n; ++i) out[i] = 0.5 * (f1 - out[i]) * (f1 - out[i]);
            }
        };
        return piecewise_normal_expectation(integrand, breaks, inner_tol).value;
    };

    std::vector<double> h1, f1, mean, g1;
    auto outer = [&](const double* z1, double* out, std::size_t n) {
        h1.resize(n);
        f1.resize(n);
        mean.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            h1[i] = root_q * z1[i];
            mean[i] = root_q * c * z1[i];
        }
        f(h1.data(), f1.data(), n);
        if (b == 0.0) {  // c = ±1: u₂ = c u₁
            g1.resize(n);
            g(mean.data(), g1.data(), n);
            for (std::size_t i = 0; i < n; ++i) {
                out[i] = product ? f1[i] * g1[i] : 0.5 * (f1[i] - g1[i]) * (f1[i] - g1[i]);
            }
            return;
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (!product) {
                out[i] = inner(mean[i], f1[i]);
            } else {
                // Where f vanishes (relu's negative half, φ' beyond hard_tanh's kinks) skip the inner
                // integral.
                out[i] = f1[i] == 0.0 ? 0.0 : f1[i] * inner(mean[i], 0.0);
            }
        }
    };

    std::vector<double> breaks = breaks_for_kinks(f_kinks, root_q);
    if (c != 0.0) {
        for (double k : g_kinks)
            add_smoothed_kink_breaks(k / (root_q * c), b / (root_q * std::fabs(c)), breaks);
    }
    return piecewise_normal_expectation(outer, breaks, outer_tol).value;
}

}  // namespace isometry::meanfield
