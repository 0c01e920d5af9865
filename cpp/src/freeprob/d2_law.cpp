#include "isometry/freeprob/d2_law.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "isometry/freeprob/d2_poles.hpp"

namespace isometry::freeprob {

namespace {

constexpr double kPi = 3.14159265358979323846;

// The node sums of D2Law::evaluate. Robust: 1/(y − d) by Smith's algorithm (no |y − d|²).
template <bool Robust>
void accumulate_nodes(const std::vector<double>& values, const std::vector<double>& weights,
                      std::size_t count, complex y, double& s_re, double& s_im, double& m_re, double& m_im,
                      double& d_re, double& d_im) {
    const double yr = y.real(), yi = y.imag();
    for (std::size_t i = 0; i < count; ++i) {
        const double ar = yr - values[i];
        double rr, ri;  // 1/(y - d)
        if constexpr (Robust) {
            if (std::fabs(ar) >= std::fabs(yi)) {
                const double t = yi / ar, den = ar + yi * t;
                rr = 1.0 / den;
                ri = -t / den;
            } else {
                const double t = ar / yi, den = ar * t + yi;
                rr = t / den;
                ri = -1.0 / den;
            }
        } else {
            const double norm = ar * ar + yi * yi;
            rr = ar / norm;
            ri = -yi / norm;
        }
        const double w = weights[i], wd = w * values[i];
        s_re += w * rr;
        s_im += w * ri;
        m_re += wd * rr;
        m_im += wd * ri;
        if constexpr (Robust) {  // (wd/(y-d))/(y-d): rr² alone can overflow while the term is finite
            const double pr = wd * rr, pi = wd * ri;
            d_re -= pr * rr - pi * ri;
            d_im -= 2.0 * pr * ri;
        } else {
            d_re -= wd * (rr * rr - ri * ri);
            d_im -= wd * (2.0 * rr * ri);
        }
    }
}

}  // namespace

double D2Law::moment(int k) const {
    if (bernoulli) return p;
    double sum = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) sum += weights[i] * std::pow(values[i], k);
    return sum;
}

double D2Law::zero_mass() const {
    return bernoulli ? 1.0 - p : 0.0;
}

complex D2Law::stieltjes_m(complex y) const {
    complex m, one_plus_m, dm;
    evaluate(y, m, one_plus_m, dm);
    return m;
}

complex D2Law::stieltjes_m_derivative(complex y) const {
    complex m, one_plus_m, dm;
    evaluate(y, m, one_plus_m, dm);
    return dm;
}

complex D2Law::one_plus_stieltjes_m(complex y) const {
    complex m, one_plus_m, dm;
    evaluate(y, m, one_plus_m, dm);
    return one_plus_m;
}

void D2Law::evaluate(complex y, complex& m, complex& one_plus_m, complex& dm) const {
    if (bernoulli) {
        const complex r = 1.0 / (y - 1.0);
        m = p * r;
        one_plus_m = (y - (1.0 - p)) * r;  // not y - 1 + p: exact for p = 1
        dm = -p * r * r;
        return;
    }
    // Σ w d/(y-d), Σ w/(y-d), -Σ w d/(y-d)²: one complex reciprocal per node. Below |y| ~ 1e-140,
    // |y - d|² can underflow, so there the reciprocal is formed by Smith's scaling instead.
    double m_re = 0, m_im = 0, s_re = 0, s_im = 0, d_re = 0, d_im = 0;
    const std::size_t count = active_nodes(y);
    if (std::abs(y) > 1e-140) {
        accumulate_nodes<false>(values, weights, count, y, s_re, s_im, m_re, m_im, d_re, d_im);
    } else {
        accumulate_nodes<true>(values, weights, count, y, s_re, s_im, m_re, m_im, d_re, d_im);
    }
    complex sum_inverse(s_re, s_im);  // E[1/(y - D²)]
    m = complex(m_re, m_im);
    dm = complex(d_re, d_im);
    if (pole_corrected && y != 0.0) {
        // Subtract the trapezoidal rule's error from each pole pair ±a of N(z)/(y − d(z)) (residue
        // r = −N(a)/d'(a) at a, −r at −a; E odd): ∫ = rule − 2 r E(a). For N d/(y − d) the
        // residue is y r; dM/dy takes the y-derivative of −2 y r E, with da/dy = 1/d'(a).
        constexpr double kInvSqrtTwoPi = 0.39894228040143267794;
        // At most 1 + 2·64 erf branches (d2_poles walks |m| <= 64) or 20 tanh roots.
        constexpr int kMaxPoles = 130;
        D2Pole poles[kMaxPoles];
        // Only the poles among the summed nodes: beyond them the integrand, pole included, is
        // below kTailTermTolerance (see active_nodes).
        const double reach_now = (static_cast<double>(count) - 0.5) * step;
        const int pole_count = d2_poles(activation, sqrt_q, y, pole_strip, reach_now, poles, kMaxPoles);
        for (int i = 0; i < pole_count; ++i) {
            const complex a = poles[i].z, d1 = poles[i].slope, d2 = poles[i].curvature;
            // d' = d'(a) is O(y): keep y/d' (O(1)) together and never form d'², which underflows
            // for |y| below ~1e-154.
            const complex normal = kInvSqrtTwoPi * std::exp(-0.5 * a * a);
            const complex inv_d1 = 1.0 / d1, y_over_d1 = y * inv_d1;
            const complex r = -normal * inv_d1;
            const complex dr_da = normal * (a + d2 * inv_d1) * inv_d1;
            complex e, de_da;
            lattice_error(a, step, e, de_da);
            sum_inverse -= 2.0 * r * e;
            m -= 2.0 * y * r * e;
            dm -= 2.0 * (r * e + (dr_da * e + r * de_da) * y_over_d1);
        }
    }
    one_plus_m = y * sum_inverse;
}

std::size_t D2Law::active_nodes(complex y) const {
    if (!pole_corrected) return values.size();
    // A node's term is about w_i/max(d_i, |y|) (near its pole the correction keeps the pair at the
    // size of the integral there, ~w_i/|y| too). Up to converged_nodes, w_i/d_i may count; the
    // weights fall along the nodes, so those with w_i > tolerance·|y| are a prefix.
    const double threshold = kTailTermTolerance * std::abs(y);
    const auto first = weights.begin() + static_cast<std::ptrdiff_t>(base_nodes);
    const auto last = weights.begin() + static_cast<std::ptrdiff_t>(converged_nodes);
    // The usual case: no node past the base counts.
    if (first == last || !(*first > threshold)) return base_nodes;
    const auto end = std::partition_point(first, last, [threshold](double w) { return w > threshold; });
    return base_nodes + static_cast<std::size_t>(end - first);
}

bool D2Law::resolves(complex y) const {
    return !pole_corrected || converged_nodes < values.size() ||
           weights.back() <= kTailTermTolerance * std::abs(y);
}

double D2Law::singular_distance(complex y) const {
    if (bernoulli) return std::min({std::abs(y), std::abs(y - 1.0), std::abs(y - (1.0 - p))});
    if (exact_atoms) {
        double nearest = std::abs(y);
        for (double v : values) nearest = std::min(nearest, std::abs(y - v));
        return nearest;
    }
    const double nearest_real = std::clamp(y.real(), support_lower, support_upper);
    return std::abs(y - nearest_real);
}

D2Law discrete_law(std::vector<double> values, std::vector<double> weights) {
    if (values.empty() || values.size() != weights.size()) {
        throw std::invalid_argument("discrete_law: values and weights must be non-empty and of equal length");
    }
    D2Law law;
    law.bernoulli = false;
    law.exact_atoms = true;
    double total = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!(values[i] > 0.0) || !(weights[i] > 0.0) || !std::isfinite(values[i]) ||
            !std::isfinite(weights[i])) {
            throw std::invalid_argument("discrete_law: values and weights must be positive and finite");
        }
        total += weights[i];
    }
    for (double& w : weights) w /= total;
    law.support_lower = *std::min_element(values.begin(), values.end());
    law.support_upper = *std::max_element(values.begin(), values.end());
    law.values = std::move(values);
    law.weights = std::move(weights);
    law.base_nodes = law.converged_nodes = law.values.size();
    return law;
}

D2Law sampled_law(std::vector<double> values, std::vector<double> weights) {
    D2Law law = discrete_law(std::move(values), std::move(weights));
    law.exact_atoms = false;
    return law;
}

D2Law d2_law(meanfield::Activation activation, double q) {
    if (!(q > 0.0) || !std::isfinite(q)) throw std::invalid_argument("q must be positive and finite");
    D2Law law;
    switch (activation) {
        case meanfield::Activation::linear:
            law.p = 1.0;
            return law;
        case meanfield::Activation::relu:
            law.p = 0.5;
            return law;
        case meanfield::Activation::hard_tanh:
            law.p = std::erf(1.0 / std::sqrt(2.0 * q));
            return law;
        case meanfield::Activation::tanh:
        case meanfield::Activation::erf:
            break;
    }
    law.bernoulli = false;
    law.pole_corrected = true;
    law.activation = activation;
    law.sqrt_q = std::sqrt(q);
    // The step: the rule for the moments E[d^k] converges like e^{−2πδ/h} with δ = π/(2√q), the
    // distance of tanh's poles (erf has none); h = 0.2/max(1, √q) keeps that below e^{−49}. Poles of
    // 1/(y − d) within 8h of the axis are corrected for; those beyond leave e^{−2π·8} ≈ 1e-22.
    law.step = 0.2 / std::max(1.0, law.sqrt_q);
    law.pole_strip = 8.0 * law.step;
    constexpr double kHalfWidth = 9.5;  // the normal weight is below 1e-19 beyond
    // The nodes beyond, for small y (active_nodes): up to where the weight, ~e^{-666}, is below
    // kTailTermTolerance·|y| for every |y| above ~1e-270 (below, resolves() is false wherever
    // w/d has not fallen under the tolerance by the last node: erf at πq* near or above 1).
    constexpr double kTailHalfWidth = 36.5;
    // The rule's nodes grow like √q*: refuse before the cost (about 1 s of solving per law at the
    // limit; the count must stay a representable integer, and the tail nodes that erf sums near
    // y = 0 grow with it) instead of running for minutes.
    constexpr double kMaxBaseNodes = 10000;
    if (!(kHalfWidth / law.step <= kMaxBaseNodes)) {
        const double largest_sqrt_q = kMaxBaseNodes * 0.2 / kHalfWidth;
        std::ostringstream msg;
        msg << "the law of D^2 for " << (activation == meanfield::Activation::erf ? "erf" : "tanh")
            << " at q* = " << q << " would need " << kHalfWidth / law.step << " quadrature nodes (at most "
            << kMaxBaseNodes << "): q* must be below " << largest_sqrt_q * largest_sqrt_q
            << "; lower sigma_w or sigma_b";
        throw std::domain_error(msg.str());
    }
    const long count = static_cast<long>(std::ceil(kHalfWidth / law.step));
    const long count_all = static_cast<long>(std::ceil(kTailHalfWidth / law.step));
    law.reach = count * law.step + 0.5 * law.step;
    constexpr double kInvSqrtTwoPi = 0.39894228040143267794;
    double total = 0.0;
    std::vector<double> log_d;  // log d_j in closed form (d_j itself may underflow)
    for (long j = 0; j <= count_all; ++j) {
        const double z = j * law.step;
        const double weight = (j == 0 ? 1.0 : 2.0) * law.step * kInvSqrtTwoPi * std::exp(-0.5 * z * z);
        const double d = meanfield::dphi(activation, law.sqrt_q * z);
        law.values.push_back(d * d);
        law.weights.push_back(weight);
        total += weight;
        const double s = law.sqrt_q * z;
        log_d.push_back(activation == meanfield::Activation::erf
                            ? -0.5 * kPi * s * s                                             // d = e^{−πh²/2}
                            : -4.0 * (s + std::log1p(std::exp(-2.0 * s)) - std::log(2.0)));  // sech⁴ s
    }
    for (double& w : law.weights) w /= total;  // the rule integrates N exactly (error ~e^{-2π²/h²})
    law.base_nodes = static_cast<std::size_t>(count) + 1;
    // w/d along z is unimodal (log-concave or monotone): the last node where it exceeds the
    // tolerance ends the nodes that can count for y near 0.
    std::size_t converged = law.values.size();
    const double log_tolerance = std::log(kTailTermTolerance);
    while (converged > law.base_nodes &&
           std::log(law.weights[converged - 1]) - log_d[converged - 1] <= log_tolerance)
        --converged;
    law.converged_nodes = converged;
    // The true law fills (0, 1]: y is singular anywhere there, not only near the nodes.
    law.support_lower = 0.0;
    law.support_upper = 1.0;
    return law;
}

D2Law d2_law(const meanfield::Nonlinearity& activation, double q) {
    if (activation.is_builtin()) return d2_law(activation.builtin(), q);
    if (!(q > 0.0) || !std::isfinite(q)) throw std::invalid_argument("q must be positive and finite");
    const double step = 1.0 / (kSampledNodesPerUnit * std::max(1.0, std::sqrt(q)));
    constexpr double kHalfWidth = 9.5;  // the normal weight is below 1e-19 beyond
    if (!(2.0 * kHalfWidth / step <= kSampledMaxNodes)) {
        std::ostringstream msg;
        msg << "the sampled law of D^2 for " << activation.name() << " at q* = " << q << " would need "
            << 2.0 * kHalfWidth / step << " nodes (at most " << kSampledMaxNodes << "): q* must be below "
            << std::pow(kSampledMaxNodes / (2.0 * kHalfWidth * kSampledNodesPerUnit), 2);
        throw std::domain_error(msg.str());
    }
    const long count = static_cast<long>(std::ceil(kHalfWidth / step));
    const double sqrt_q = std::sqrt(q);
    std::vector<double> h, weights;
    h.reserve(static_cast<std::size_t>(2 * count + 1));
    weights.reserve(static_cast<std::size_t>(2 * count + 1));
    for (long j = -count; j <= count; ++j) {
        const double z = static_cast<double>(j) * step;
        h.push_back(sqrt_q * z);
        weights.push_back(std::exp(-0.5 * z * z));
    }
    std::vector<double> values(h.size());
    activation.dphi(h.data(), values.data(), h.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        values[i] *= values[i];
        if (values[i] == 0.0) {
            std::ostringstream msg;
            msg << activation.name() << " has phi'(h)^2 = 0 at h = " << h[i] << " (q* = " << q
                << "): the density of a custom activation needs φ' ≠ 0 almost everywhere (D^2 with an atom "
                   "at 0 is supported for the built-in relu and hard_tanh)";
            throw std::domain_error(msg.str());
        }
    }
    return sampled_law(std::move(values), std::move(weights));
}

}  // namespace isometry::freeprob
