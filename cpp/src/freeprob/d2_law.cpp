#include "isometry/freeprob/d2_law.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace isometry::freeprob {

double D2Law::moment(int k) const {
    if (bernoulli) return p;
    double sum = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) sum += weights[i] * std::pow(values[i], k);
    return sum;
}

double D2Law::zero_mass() const { return bernoulli ? 1.0 - p : 0.0; }

complex D2Law::stieltjes_m(complex y) const {
    if (bernoulli) return p / (y - 1.0);
    complex sum = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) sum += weights[i] * values[i] / (y - values[i]);
    return sum;
}

complex D2Law::stieltjes_m_derivative(complex y) const {
    if (bernoulli) return -p / ((y - 1.0) * (y - 1.0));
    complex sum = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const complex r = 1.0 / (y - values[i]);
        sum -= weights[i] * values[i] * r * r;
    }
    return sum;
}

complex D2Law::one_plus_stieltjes_m(complex y) const {
    if (bernoulli) return (y - (1.0 - p)) / (y - 1.0);  // not y - 1 + p: exact for p = 1
    complex sum = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) sum += weights[i] / (y - values[i]);
    return y * sum;
}

void D2Law::evaluate(complex y, complex& m, complex& one_plus_m, complex& dm) const {
    if (bernoulli) {
        const complex r = 1.0 / (y - 1.0);
        m = p * r;
        one_plus_m = (y - (1.0 - p)) * r;
        dm = -p * r * r;
        return;
    }
    // Σ w d/(y-d), y Σ w/(y-d), -Σ w d/(y-d)²: one complex reciprocal per node.
    double m_re = 0, m_im = 0, s_re = 0, s_im = 0, d_re = 0, d_im = 0;
    const double yr = y.real(), yi = y.imag();
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double ar = yr - values[i], norm = ar * ar + yi * yi;
        const double rr = ar / norm, ri = -yi / norm;  // 1/(y - d)
        const double w = weights[i], wd = w * values[i];
        s_re += w * rr;
        s_im += w * ri;
        m_re += wd * rr;
        m_im += wd * ri;
        d_re -= wd * (rr * rr - ri * ri);
        d_im -= wd * (2.0 * rr * ri);
    }
    m = complex(m_re, m_im);
    one_plus_m = y * complex(s_re, s_im);
    dm = complex(d_re, d_im);
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
        if (!(values[i] > 0.0) || !(weights[i] > 0.0) || !std::isfinite(values[i]) || !std::isfinite(weights[i])) {
            throw std::invalid_argument("discrete_law: values and weights must be positive and finite");
        }
        total += weights[i];
    }
    for (double& w : weights) w /= total;
    law.support_lower = *std::min_element(values.begin(), values.end());
    law.support_upper = *std::max_element(values.begin(), values.end());
    law.values = std::move(values);
    law.weights = std::move(weights);
    return law;
}

D2Law d2_law(meanfield::Activation activation, double q, int nodes_per_unit) {
    if (!(q > 0.0) || !std::isfinite(q)) throw std::invalid_argument("q must be positive and finite");
    D2Law law;
    switch (activation) {
        case meanfield::Activation::linear: law.p = 1.0; return law;
        case meanfield::Activation::relu: law.p = 0.5; return law;
        case meanfield::Activation::hard_tanh: law.p = std::erf(1.0 / std::sqrt(2.0 * q)); return law;
        case meanfield::Activation::tanh:
        case meanfield::Activation::erf: break;
    }
    law.bernoulli = false;
    // d(z) = φ'(√q z)² varies on the scale 1/√q in z: keep nodes_per_unit per unit of h.
    constexpr double kHalfWidth = 9.5;  // the normal weight is below 1e-19 beyond
    const double step = 1.0 / (nodes_per_unit * std::max(1.0, std::sqrt(q)));
    const long count = static_cast<long>(std::ceil(kHalfWidth / step));
    constexpr double kInvSqrtTwoPi = 0.39894228040143267794;
    double total = 0.0;
    for (long j = 0; j <= count; ++j) {
        const double z = j * step;
        const double weight = (j == 0 ? 1.0 : 2.0) * step * kInvSqrtTwoPi * std::exp(-0.5 * z * z);
        const double d = meanfield::dphi(activation, std::sqrt(q) * z);
        law.values.push_back(d * d);
        law.weights.push_back(weight);
        total += weight;
    }
    for (double& w : law.weights) w /= total;  // exact normalisation (trapezoid error ~1e-300)
    return law;
}

}  // namespace isometry::freeprob
