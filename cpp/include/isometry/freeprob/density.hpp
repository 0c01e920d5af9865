#pragma once
// The spectral density of J Jᵀ at large width by Stieltjes inversion, ρ(x) = -Im G(x + iε)/π,
// with its atoms, support and largest eigenvalue.
#include <limits>
#include <vector>

#include "isometry/freeprob/stieltjes_solver.hpp"

namespace isometry::freeprob {

struct Atom {
    double location;
    double mass;
};

struct Density {
    std::vector<double> x;
    std::vector<double> density;  // absolutely continuous part
    std::vector<Atom> atoms;
    double support_lower = 0.0;       // edges of the continuous part (lower = grid start when the
    double support_upper = 0.0;       // density piles up towards 0 over decades)
    bool lower_edge_is_hard = false;  // a true gap below support_lower
    double lambda_max = 0.0;          // max of support and atom locations
    double mass_below_grid = 0.0;     // continuous mass below x[0], integrated in log x (see lower_tail)
    // The continuous mass below e^{tail_log_x[k]} (ascending; the last entry is log x[0]): the
    // distribution function below the grid, down to where the law's support or its pile-up
    // ends (which may lie far below the smallest double).
    std::vector<double> tail_log_x;
    std::vector<double> tail_mass;
    // Laws with a closed-form distribution function: the continuous mass between x[0] and x[i]
    // (exact, instead of the trapezoid rule on the grid); empty otherwise.
    std::vector<double> cumulative;
    // The default grid is log-spaced (integrate in log x); unset (-1) for a caller's grid.
    int logarithmic_grid = -1;
    long iterations = 0;
    long restarts = 0;
    double max_residual = 0.0;
    double relative_epsilon = 0.0;
};

// Atoms in closed form: P(D² = 0) at 0, and for orthogonal Bernoulli layers the vectors every
// D^l passes unchanged, mass max(0, 1 - L(1-p)) at σ_w^{2L} (docs/theory/freeprob.md).
std::vector<Atom> atoms(const MlpMasterEquation& eq);

// Upper edge of the continuous part: min over real M > 0 of z(M) (0 if there is no bulk).
// std::overflow_error if it is beyond the range of a double.
double upper_bulk_edge(const MlpMasterEquation& eq);

// The continuous mass of a law below x = e^t, ∫_{-∞}^{t} xρ(x) d(log x), by adaptive
// Gauss–Legendre quadrature in log x walking down from t: to a hard lower edge (where the density
// vanishes; hard_edge_t if known, else found on the way) or until the pile-up towards 0, a power
// law ρ ~ x^{-a}, leaves less than 1e-15 below (then added in closed form). Points (log x, mass
// below) along the way go to tail_log_x/tail_mass (ascending).
struct LowerTail {
    std::vector<double> log_x;                               // ascending, the last one is t
    std::vector<double> mass;                                // continuous mass below e^{log_x[k]}
    double total = 0.0;                                      // mass below e^t
    double edge = -std::numeric_limits<double>::infinity();  // log of the hard edge it ended at
};
LowerTail lower_tail(const StieltjesSolver& solver, const std::vector<Atom>& atoms, double t,
                     double hard_edge_t);

// x·ρ(x) of the continuous part at log z = log x + i·angle from 1 + M = zG (atoms' own terms
// subtracted, so their Lorentzian tails never pass for density).
double scaled_continuous_density(complex log_z, complex one_plus_m, const std::vector<Atom>& atoms);

// Density on `x` (or, if empty, on a default grid of `points` resolving the support: log-spaced
// when it spans decades, clustered at the edges).
Density jacobian_density(const MlpMasterEquation& eq, std::vector<double> x, int points);

}  // namespace isometry::freeprob
