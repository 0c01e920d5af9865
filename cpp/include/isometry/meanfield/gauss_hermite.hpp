#pragma once
// Gauss–Hermite quadrature for the standard normal weight: E[f(z)] ≈ Σ_i w_i f(x_i), z ~ N(0,1),
// exact for polynomials of degree <= 2n - 1. Nodes and weights by Golub–Welsch (eigenpairs of
// the Jacobi matrix of the probabilists' Hermite polynomials), cached per n.
#include <vector>

namespace isometry::meanfield {

struct GaussHermiteRule {
    std::vector<double> nodes;    // ascending
    std::vector<double> weights;  // sum to 1
};

// Thread safe; the returned reference stays valid for the life of the program.
const GaussHermiteRule& gauss_hermite(int n);

}  // namespace isometry::meanfield
