#pragma once
// The correlation map of two inputs propagated at the same length q (Poole et al. 2016,
// Schoenholz et al. 2017; docs/theory/meanfield.md):
//   c ↦ (σ_w² E[φ(u₁)φ(u₂)] + σ_b²) / (σ_w² E[φ(u₁)²] + σ_b²),
//   u₁ = √q z₁,  u₂ = √q (c z₁ + √(1−c²) z₂),  z₁, z₂ ~ N(0, 1) independent.
// The denominator is q^{l+1} = L(q), which is q* at the fixed point, so there the map is
// (σ_w² E[φ(u₁)φ(u₂)] + σ_b²)/q*; normalising by L(q) also makes c = 1 map to exactly 1.
#include "isometry/meanfield/nonlinearity.hpp"

namespace isometry::meanfield {

// Requested relative accuracy of the two-dimensional quadratures (tanh, hard_tanh, custom),
// relative to the c = 1 value of each expectation.
constexpr double kCorrelationRtol = 1e-12;

// E[φ(u₁)φ(u₂)]. Closed forms: linear q c; relu q/(2π) (√(1−c²) + (π − arccos c) c) (arc-cosine
// kernel); erf (2/π) arcsin(t c/(1 + t)), t = πq/2. hard_tanh: one quadrature over z₁ of the
// inner expectation in closed form. tanh: nested trapezoidal rules. Custom: nested piecewise
// Gauss–Kronrod (bivariate_expectation.hpp).
double cross_moment(const Nonlinearity& a, double q, double c);

// E[φ'(u₁)φ'(u₂)]. Closed forms: linear 1; relu (π − arccos c)/(2π); erf
// ((1 + t)² − (t c)²)^{-1/2}. hard_tanh: P(|u₁| < 1, |u₂| < 1) by one quadrature over z₁.
double derivative_cross_moment(const Nonlinearity& a, double q, double c);

// E[φ(u)²] − E[φ(u₁)φ(u₂)] = ½ E[(φ(u₁) − φ(u₂))²] >= 0, computed for c >= 0 so that it keeps
// its accuracy as c → 1 (closed forms regrouped; quadrature of the non-negative integrand, to
// kCorrelationRtol of the lower bound (1 − c) Var φ(u)). For c < 0, the plain difference.
double cross_moment_gap(const Nonlinearity& a, double q, double c);

double correlation_map(const Nonlinearity& a, double q, double c, double sigma_w, double sigma_b);

// d c^{l+1} / d c^l = σ_w² q E[φ'(u₁)φ'(u₂)] / L(q) (Price's theorem: ∂E[φ(u₁)φ(u₂)]/∂Cov = E[φ'φ']).
// At q = q*, c = 1 this is χ₁; at c = c* its log sets ξ_c.
double correlation_map_slope(const Nonlinearity& a, double q, double c, double sigma_w, double sigma_b);

struct CorrelationFixedPoint {
    double c;      // c*
    double slope;  // of the map at c*
    int iterations;
};

// The stable fixed point c* of the map at variance q (q > 0; normally q*).
// E[φ(u₁)φ(u₂)] is a power series in c with non-negative coefficients (Hermite expansion of φ),
// so on [0, 1] the map is increasing and convex with f(1) = 1 and f(0) >= 0. Hence: if its slope
// at 1 (χ₁ at q*) is <= 1, c* = 1 (ordered phase, including criticality); otherwise there is
// exactly one other fixed point in [0, 1), and it is stable. Brent's method finds it as the root
// of the deflated function (f(c) − c)/(1 − c), which is f(0) >= 0 at c = 0 and 1 − χ₁ < 0 at c = 1
// (evaluated through cross_moment_gap). A slope within 8 ulps of 1 counts as critical: c* = 1.
CorrelationFixedPoint c_star(const Nonlinearity& a, double q, double sigma_w, double sigma_b);

}  // namespace isometry::meanfield
