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
// User-defined activations: every candidate is checked to be the stable fixed point that q_star
// reaches (slope of the length map <= 1 there), so that χ₁ = 1 holds at the returned point;
// crossings that fail are skipped, and std::domain_error says why when none is left (swish:
// the curve is unstable for σ_b² below ~0.6).
double edge_of_chaos(const Nonlinearity& a, double sigma_b);

struct CriticalLinePoint {
    double sigma_b;
    double q_star;
};

// The bias σ_b that puts (a, σ_w) on the critical curve, with its fixed point q*: the q with
// σ_w² μ₁(q) = 1 (Brent's method on a scan of q from 2^-40 to 1e15 by factors of 4), and
// σ_b² = q − σ_w² E[φ(√q z)²]. σ_w = 1/|φ'(0)| gives (0, 0), the q → 0 end. std::domain_error
// where there is none: σ_w² μ₁(q) never reaches 1 (tanh, erf, hard_tanh with σ_w < 1), linear
// and relu (μ₁ independent of q), or every crossing needs σ_b² < 0 or is not a stable fixed
// point (checked as in edge_of_chaos).
CriticalLinePoint critical_sigma_b(const Nonlinearity& a, double sigma_w);

}  // namespace isometry::meanfield
