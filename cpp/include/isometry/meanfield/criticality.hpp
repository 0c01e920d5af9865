#pragma once
// χ₁ and the edge of chaos χ₁ = 1 (PSG18 §2.2; docs/theory/meanfield.md).
#include "isometry/meanfield/activation_moments.hpp"
#include "isometry/meanfield/nonlinearity.hpp"

namespace isometry::meanfield {

// std::invalid_argument unless sigma_w > 0 and sigma_b >= 0, both finite; `what` names the caller.
void check_sigmas(double sigma_w, double sigma_b, const char* what);

// χ₁ = σ_w² μ₁(q*) at the fixed point `fp` of (a, σ_w, ·); σ_w² μ₁(0⁺) where q* = 0. For linear
// and relu μ₁ does not depend on q, so χ₁ (σ_w², σ_w²/2) is defined even where q* is not; for
// the others NaN where the length map has no finite fixed point.
double chi1(const Nonlinearity& a, double sigma_w, const FixedPoint& fp);
double chi1(const Nonlinearity& a, double sigma_w, double sigma_b);

struct CriticalPoint {
    double sigma_w;
    double sigma_b;
};

// The point of the critical curve χ₁ = 1 whose fixed point is q*: σ_w² = 1/μ₁(q*),
// σ_b² = q* − σ_w² E[φ(√q* z)²]. std::domain_error where σ_b² < 0 (this q* lies on no critical
// point) or μ₁(q*) = 0. σ_b² in [−1e-10 q*, 0) is within quadrature error of 0 and gives
// σ_b = 0. Linear and relu give (1, 0) and (√2, 0) for every q*.
CriticalPoint critical_point(const Nonlinearity& a, double q);

// σ_w with χ₁ = 1 at bias σ_b. σ_b = 0: the q → 0 end of the curve, σ_w = 1/√μ₁(0⁺)
// (1/|φ'(0)|). σ_b > 0: Brent's method on σ_b²(q) = q − E[φ²]/μ₁ = σ_b² for q along the curve,
// bracketed by doubling q from σ_b² (σ_b²(q) <= q, so no solution lies below); then
// σ_w = 1/√μ₁(q). std::domain_error where there is none (linear, relu, or a custom curve that
// stays below σ_b² up to q = kDivergentQ).
double edge_of_chaos(const Nonlinearity& a, double sigma_b);

}  // namespace isometry::meanfield
