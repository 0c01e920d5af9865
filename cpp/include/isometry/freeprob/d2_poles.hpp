#pragma once
// Poles of the D² quadrature, for the pole-corrected trapezoidal rule.
//
// For a smooth activation, M_{D²}(y) = E_z[d(z)/(y − d(z))] with d(z) = φ'(√q z)² and z ~ N(0, 1)
// is computed by the trapezoidal rule in z with step h. The integrand is meromorphic: its only
// singularities are simple poles where d(z) = y (tanh's own poles are zeros of 1/(y − d)). A pole a
// at distance δ from the real axis spoils the rule by ~e^{−2πδ/h}; since y approaches the support
// of D² as the density is resolved, δ -> 0 there and no fixed h suffices. But the error of the
// rule for a simple pole is known in closed form (Trefethen & Weideman 2014, §4):
//     h Σ_k f(kh) − ∫ f = Σ_poles res_a f · E(a),   E(a) = −π cot(πa/h) − iπ sign(Im a),
// so subtracting it leaves an error of e^{−2πY/h} for the poles left beyond |Im z| = Y. This file
// finds the poles in that strip in closed form.
#include <complex>

#include "isometry/meanfield/activation.hpp"

namespace isometry::freeprob {

using complex = std::complex<double>;

struct D2Pole {
    complex z;          // d(z) = y, one of each ± pair (Re z > 0, or Re z = 0 and Im z > 0)
    complex slope;      // d'(z)
    complex curvature;  // d''(z)
};

// d(z) = φ'(√q z)² for tanh (sech⁴) and erf (exp(−π q z²/2)); with d' and d''.
void d2_value(meanfield::Activation activation, double sqrt_q, complex z, complex& d, complex& d1,
              complex& d2);

// Writes the poles with |Im z| < strip and Re z < reach into out (at most capacity of them) and
// returns how many; y must not be 0.
int d2_poles(meanfield::Activation activation, double sqrt_q, complex y, double strip, double reach,
             D2Pole* out, int capacity);

// E(a) = h Σ_k 1/(kh − a) − ∫ dz/(z − a) and dE/da, in a form that is exponentially small and
// free of overflow far from the real axis.
void lattice_error(complex a, double h, complex& e, complex& de);

}  // namespace isometry::freeprob
