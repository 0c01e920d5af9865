#pragma once
// Mean-field quantities over a (σ_w, σ_b) grid: the pointwise functions of length_map,
// criticality and depth_scales evaluated at every grid point, in parallel (OpenMP) for the
// built-in activations and serially for user-defined ones (their callbacks may need an
// interpreter that only the calling thread holds).
#include <cstddef>
#include <vector>

#include "isometry/meanfield/nonlinearity.hpp"

namespace isometry::meanfield {

struct PhaseDiagram {
    std::size_t rows = 0;  // one per σ_b
    std::size_t cols = 0;  // one per σ_w
    // Row-major rows × cols. q_star: 0 where the stable fixed point is q* = 0, NaN where there is
    // no unique finite one (divergent or scale invariant). chi1, c_star, xi_q, xi_c: as
    // criticality.hpp and depth_scales.hpp define them, NaN where the length map diverges (chi1
    // stays defined there for linear and relu).
    std::vector<double> q_star, chi1, c_star, xi_q, xi_c;
};

// Throws std::invalid_argument for a σ_w <= 0, σ_b < 0 or non-finite entry, and rethrows the
// first error met at any grid point (e.g. ConvergenceError) after the loop.
PhaseDiagram phase_diagram(const Nonlinearity& a, const std::vector<double>& sigma_w,
                           const std::vector<double>& sigma_b);

}  // namespace isometry::meanfield
