#pragma once
// Mean-field signal propagation through a wide random network (Poole et al. 2016; PSG18 §2.2):
//   q^l = σ_w² E_z[φ(√q^{l-1} z)²] + σ_b²,   z ~ N(0, 1)
// its fixed point q*, and the moments μ_k = E_z[φ'(√q z)^{2k}] of the law of D².
#include "isometry/meanfield/activation.hpp"

namespace isometry::meanfield {

// E_z[φ(√q z)²]: closed forms for linear, relu, hard_tanh, erf; adaptive quadrature for tanh
// (normal_expectation.hpp, relative accuracy ~1e-14).
double second_moment(Activation a, double q);

// μ_k = E_z[φ'(√q z)^{2k}], k >= 1.
double derivative_moment(Activation a, double q, int k);

// The q → 0⁺ limit of μ_k: φ'(0)^{2k} = 1, except relu (1/2: half the mass on each side of
// the kink).
double derivative_moment_small_q(Activation a, int k);

// d/dq E_z[φ(√q z)²] = E_z[φ(√q z) φ'(√q z) z] / √q (from φ and φ' only; by Stein's lemma also
// μ₁ + E[φ φ'']). σ_w² times this is the slope of the length map, whose log sets ξ_q.
double second_moment_slope(Activation a, double q);

// One step of the length map.
double length_map(Activation a, double q, double sigma_w, double sigma_b);

enum class FixedPointKind {
    positive,         // a unique stable q* > 0
    zero,             // q* = 0 is the stable fixed point (ordered phase without bias)
    scale_invariant,  // every q is a fixed point (linear σ_w = 1, relu σ_w² = 2, σ_b = 0)
    divergent,        // q^l grows without bound (unbounded φ above criticality)
};

struct FixedPoint {
    double q;  // 0 unless kind == positive
    FixedPointKind kind;
    int iterations;
};

// std::overflow_error where σ_w² + σ_b² is not a finite double; `what` names the caller.
void check_variances_finite(double sigma_w, double sigma_b, const char* what);

// The stable fixed point of the length map. For the bounded activations the positive fixed
// point, when it exists, is unique because E[φ(√q z)²]/q decreases in q.
FixedPoint q_star(Activation a, double sigma_w, double sigma_b);

}  // namespace isometry::meanfield
