#pragma once
// Depth scales of signal propagation (Schoenholz et al. 2017; docs/theory/meanfield.md):
// perturbations of the length and of the correlation decay like e^{-l/ξ} near the fixed points,
//   ξ_q = −1/log |dq^{l+1}/dq^l|   at q*,    slope σ_w² d/dq E[φ(√q z)²]
//   ξ_c = −1/log |dc^{l+1}/dc^l|   at c*,    slope σ_w² E[φ'(u₁)φ'(u₂)]   (= χ₁ when c* = 1).
#include "isometry/meanfield/activation_moments.hpp"
#include "isometry/meanfield/nonlinearity.hpp"

namespace isometry::meanfield {

struct DepthScales {
    double c_star;   // stable fixed point of the correlation map
    double slope_c;  // of the correlation map at c*
    double slope_q;  // of the length map at q*
    double xi_q;
    double xi_c;
};

// −1/log|slope|: +inf where |slope| >= 1 − 8 ulps (marginal: criticality, where perturbations
// decay slower than any exponential; at a stable fixed point a slope above 1 is only rounding),
// 0 where slope = 0.
double depth_scale(double slope);

// At the fixed point `fp` of (a, σ_w, σ_b):
//   positive q*: slopes of both maps at (q*, c*), c* from c_star (correlation_map.hpp);
//   q* = 0 (ordered, no bias): both slopes are σ_w² μ₁(0⁺) = χ₁ and c* = 1, the ordered-phase
//     convention (the length map is ~ χ₁ q near 0);
//   scale invariant (linear σ_w = 1, relu σ_w² = 2, no bias): c* = 1, slopes 1, ξ = +inf;
//   divergent: every field NaN (no fixed point to perturb around).
DepthScales depth_scales(const Nonlinearity& a, double sigma_w, double sigma_b, const FixedPoint& fp);
DepthScales depth_scales(const Nonlinearity& a, double sigma_w, double sigma_b);

}  // namespace isometry::meanfield
