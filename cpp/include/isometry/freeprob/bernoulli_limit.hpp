#pragma once
// The L -> ∞ limit of orthogonal networks with Bernoulli D² (hard-tanh, shifted ReLU) at fixed
// σ₀² = var(J Jᵀ) (PSG18 §5): S(z) = exp(−σ₀² z/(1 + z)), solved in closed form.
//
// With M = zG − 1 the master equation z = ((1 + M)/M) exp(σ₀² M/(1 + M)) is, for
// W = −σ₀² M/(1 + M), W e^W = −σ₀²/z: G(z) = σ₀²/(z (σ₀² + W(−σ₀²/z))) with W the principal
// Lambert function (PSG18). On the cut −σ₀²/x < −1/e, i.e. 0 < x < σ₀² e, the branch with
// Im G < 0 is W = −v cot v + i v, v ∈ (0, π), where
//     x(v) = σ₀² (sin v / v) e^{v cot v}      (decreasing from σ₀² e at v -> 0 to 0 at v -> π),
//     x ρ(x) = (σ₀²/π) v / ((σ₀² − v cot v)² + v²),
// and, since G dz = −dW/W − (σ₀² − 1) dW/(W + σ₀²) along it, the distribution function of the
// continuous part is
//     F(x) = (arg W + (σ₀² − 1) arg(W + σ₀²))/π,
// rising from 0 (like σ₀²/log(1/x): a pile-up at 0, no atom) to min(σ₀², 1) at the edge σ₀² e.
// For σ₀² < 1, G has a pole where W = −σ₀², at x = e^{σ₀²}: an atom of mass 1 − σ₀² (above the
// bulk, since e^s > e·s for s ≠ 1); for σ₀² >= 1 there is none.
#include <vector>

#include "isometry/freeprob/density.hpp"

namespace isometry::freeprob {

class BernoulliLimit {
  public:
    explicit BernoulliLimit(double sigma0_sq);

    double sigma0_sq() const { return s2_; }
    double upper_edge() const;        // σ₀² e
    std::vector<Atom> atoms() const;  // {e^{σ₀²}, 1 − σ₀²} for σ₀² < 1
    // v(x) on the cut, given log x (any log x < log(σ₀² e); x need not be a double).
    double parameter(double log_x) const;
    double log_x(double v) const;               // its inverse: log x(v)
    double scaled_density(double log_x) const;  // x ρ(x)
    double cdf(double log_x) const;             // continuous mass below x

  private:
    double s2_;
};

// The density on `x` (or on `points` log-spaced points from 1e-300 to the edge, clustered at the
// square-root edge), mass_below_grid = F(x[0]) and the tail below it tabulated down to F < 1e-15.
Density bernoulli_limit_density(const BernoulliLimit& law, std::vector<double> x, int points);

// m_1..m_order from the series of S(z) = exp(−σ₀² z/(1 + z)) (series reversion).
std::vector<double> bernoulli_limit_moments(double sigma0_sq, int order);

}  // namespace isometry::freeprob
