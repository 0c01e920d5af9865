#pragma once
// The length-map family of length_map.hpp for any Nonlinearity. Built-in activations go to their
// closed forms and tuned rules; user-defined ones to piecewise Gauss–Kronrod quadrature split at
// their kinks (the kink h = k sits at z = k/√q) and graded around them (breaks_for_kinks).
#include "isometry/meanfield/length_map.hpp"
#include "isometry/meanfield/nonlinearity.hpp"

namespace isometry::meanfield {

// Requested relative accuracy of every quadrature over a user-defined activation. QUADPACK's
// error estimate is conservative: the error achieved on smooth pieces is far below it.
constexpr double kCustomRtol = 1e-12;

// E_z[φ(√q z)]: 0 for the odd built-ins, √(q/(2π)) for relu.
double first_moment(const Nonlinearity& a, double q);
double second_moment(const Nonlinearity& a, double q);
double derivative_moment(const Nonlinearity& a, double q, int k);
// q → 0⁺ limit of μ_k: (φ'(0⁻)^{2k} + φ'(0⁺)^{2k}) / 2, i.e. φ'(0)^{2k} unless 0 is a kink.
double derivative_moment_small_q(const Nonlinearity& a, int k);
double second_moment_slope(const Nonlinearity& a, double q);
double length_map(const Nonlinearity& a, double q, double sigma_w, double sigma_b);

// Built-ins: as q_star(Activation, ...). User-defined activations: if q = 0 is a fixed point
// (φ(0) = 0, σ_b = 0) and σ_w² μ₁(0⁺) < 1 (or = 1 with L(q) <= q just above 0: see
// kMarginalProbe), kind zero. Otherwise a search from q = 0 (or, when q = 0 is an unstable fixed
// point, from the first q = 16^-j with L(q) > q) doubles q until L(q) <= q and Brent's method
// finds the crossing: the fixed point that the length map reaches from below, stable since
// L - q changes sign from + to - there. No crossing below kDivergentQ: kind divergent. The
// search cannot tell a scale-invariant map (every q a fixed point) from an ordered one; such
// custom maps come out as zero or divergent.
// Where q = 0 is marginally stable (σ_w² μ₁(0⁺) = 1 within 8 ulps), L(q) − q is probed at
// kMarginalProbe: above kMarginalNoise · kMarginalProbe, q = 0 repels and the search starts there.
constexpr double kDivergentQ = 1e15;
constexpr double kMarginalProbe = 1e-4;
constexpr double kMarginalNoise = 1e-9;
FixedPoint q_star(const Nonlinearity& a, double sigma_w, double sigma_b);

}  // namespace isometry::meanfield
