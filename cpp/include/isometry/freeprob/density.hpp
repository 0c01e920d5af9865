#pragma once
// The spectral density of J Jᵀ at large width by Stieltjes inversion, ρ(x) = -Im G(x + iε)/π,
// with its atoms, support and largest eigenvalue.
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
    double support_lower = 0.0;   // edges of the continuous part (lower = grid start when the
    double support_upper = 0.0;   // density piles up towards 0 over decades)
    bool lower_edge_is_hard = false;  // a true gap below support_lower
    double lambda_max = 0.0;      // max of support and atom locations
    double mass_below_grid = 0.0; // estimated continuous mass below x[0] (power-law tail)
    long iterations = 0;
    long restarts = 0;
    double max_residual = 0.0;
    double relative_epsilon = 0.0;
};

// Atoms in closed form: P(D² = 0) at 0, and for orthogonal Bernoulli layers the vectors every
// D^l passes unchanged, mass max(0, 1 - L(1-p)) at σ_w^{2L} (docs/theory/freeprob.md).
std::vector<Atom> atoms(const MlpMasterEquation& eq);

// Upper edge of the continuous part: min over real M > 0 of z(M) (0 if there is no bulk).
double upper_bulk_edge(const MlpMasterEquation& eq);
// The same, given the candidate edges (z at the real critical points of z(y), ascending).
double upper_bulk_edge(const MlpMasterEquation& eq, const std::vector<double>& candidates);

// Density on `x` (or, if empty, on a default grid of `points` resolving the support: log-spaced
// when it spans decades, clustered at the edges).
Density jacobian_density(const MlpMasterEquation& eq, std::vector<double> x, int points);

}  // namespace isometry::freeprob
