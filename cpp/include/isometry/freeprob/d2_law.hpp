#pragma once
// The law of D² = φ'(h)², h ~ N(0, q), whose S-transform enters S_{JJᵀ} = S_{D²}^L S_{WᵀW}^L.
//
// Two representations:
//   * Bernoulli(p) on {0, 1} (linear p = 1, relu p = 1/2, hard_tanh p = erf(1/√(2q))):
//     M_{D²}(y) = p/(y - 1) (PSG18 Table 1);
//   * smooth φ (tanh, erf): the trapezoidal rule in z with step h (d is even in z, so z >= 0 with
//     doubled weights), M_{D²}(y) ≈ Σ_i w_i d_i/(y - d_i), corrected for the poles of the
//     integrand near the real z axis (d2_poles.hpp): accurate to ~1e-20 for every y off [0, 1],
//     however close to it, with ~50 nodes.
// 1 + M_{D²}(y) = y E[1/(y - D²)] is evaluated in that form: no cancellation as M -> -1.
#include <complex>
#include <cstddef>
#include <vector>

#include "isometry/meanfield/activation.hpp"
#include "isometry/meanfield/nonlinearity.hpp"

namespace isometry::freeprob {

using complex = std::complex<double>;

struct D2Law {
    bool bernoulli = true;
    double p = 1.0;               // Bernoulli: P(D² = 1)
    std::vector<double> values;   // smooth: atoms d_i of the discretised law
    std::vector<double> weights;  // smooth: their weights (sum 1)
    double support_lower = 0.0;   // the support of D² (smooth laws: (0, 1]; discrete: [min, max])
    double support_upper = 1.0;
    bool exact_atoms = false;  // a genuinely discrete law (not a discretised smooth one):
                               // y may sit between its atoms
    // tanh and erf: the rule is corrected for poles near the axis (other smooth laws, sampled from
    // a user's φ', are not: accurate only where y is farther from the support than the nodes' spacing).
    bool pole_corrected = false;
    // What the pole correction needs (the rule's step, the node range, and φ).
    meanfield::Activation activation = meanfield::Activation::linear;
    double sqrt_q = 0.0;
    double step = 0.0;
    double reach = 0.0;
    double pole_strip = 0.0;  // poles with |Im z| below this are corrected for
    // tanh and erf: the nodes up to |z| = 9.5 (values[0, base_nodes)) are always summed; the
    // further ones, stored up to |z| ~ 36.5, only for small |y| (active_nodes). Where 1/D² has a
    // heavy tail (erf at πq* near or above 1) the integrand N(z)/(y − d(z)) is not negligible
    // beyond 9.5 as y -> 0: its peak follows the pole d(z) = y outwards.
    std::size_t base_nodes = 0;
    // Beyond this node w_i/d_i (the size of a node's term while d_i > |y|) stays below
    // kTailTermTolerance: the nodes after it matter only near their own pole, where w_i/|y| does.
    std::size_t converged_nodes = 0;

    double moment(int k) const;                       // μ_k = E[(D²)^k]
    double zero_mass() const;                         // P(D² = 0)
    complex stieltjes_m(complex y) const;             // M_{D²}(y)
    complex one_plus_stieltjes_m(complex y) const;    // 1 + M_{D²}(y), without cancellation
    complex stieltjes_m_derivative(complex y) const;  // dM_{D²}/dy
    // M, 1 + M and dM/dy in one pass over the law (the hot loop of the density solver).
    void evaluate(complex y, complex& m, complex& one_plus_m, complex& dm) const;
    // Distance from y to the singular points of M_{D²} (the support of D², or {0, 1, 1-p}).
    double singular_distance(complex y) const;
    // How many nodes evaluate() sums at y: all of them for a sampled or discrete law; for tanh
    // and erf the base ones, plus those whose term w_i/max(d_i, |y|) may exceed kTailTermTolerance.
    std::size_t active_nodes(complex y) const;
    // Whether the stored nodes suffice at y: tanh and erf at |y| so small that terms beyond the
    // last node would still count are not resolved (a sampled law's nodes are all there is).
    bool resolves(complex y) const;
};

// A node whose term in E[1/(y − D²)] is bounded by this is left out (that sum is at least ~1 in
// size for |y| <= 1, and ~1/|y| beyond; the base rule's own truncation leaves ~1e-20).
constexpr double kTailTermTolerance = 1e-20;

// A discrete law Σ w_i δ(d - d_i) given explicitly (e.g. the two-point laws of the
// double-scaling limits); weights are normalised, values must be positive.
D2Law discrete_law(std::vector<double> values, std::vector<double> weights);

// The law at pre-activation variance q (> 0).
D2Law d2_law(meanfield::Activation activation, double q);

// A smooth law given by the trapezoidal rule's nodes d_i = φ'(√q z_i)² and weights (normalised
// here), for activations known only through samples of φ'; no pole correction.
D2Law sampled_law(std::vector<double> values, std::vector<double> weights);

// Nodes per unit of h of the sampled law of a user-defined activation (the built-in tanh and erf
// use the pole-corrected rule with ~50 nodes instead), and the most nodes it may take.
constexpr double kSampledNodesPerUnit = 96.0;
constexpr double kSampledMaxNodes = 2e7;

// Any activation at q > 0: the built-ins as d2_law(Activation, q); a user-defined one as the
// sampled law of D² = φ'(√q z)², z ~ N(0, 1), from the trapezoidal rule on z ∈ [−9.5, 9.5] (the
// whole line: φ' need not be even) with kSampledNodesPerUnit nodes per unit of h. Without the
// pole correction it is accurate where the solver's y stays farther from the support of D² than
// the spacing of the nodes' values: ripples are possible in the far tails, not in the bulk.
// Evaluates φ' from the calling thread (a Python callback needs the GIL). std::domain_error
// where φ' = 0 at a node (an atom of D² at 0 is supported only for relu and hard_tanh) or the
// rule would need more than kSampledMaxNodes nodes (q too large).
D2Law d2_law(const meanfield::Nonlinearity& activation, double q);

}  // namespace isometry::freeprob
