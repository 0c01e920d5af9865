#pragma once
// Solving the master equation for M(z) = zG(z) - 1 on the physical branch (Im G < 0 for
// Im z > 0), PSG18 Algorithm 1 made cheap:
//   * walk_down: from z = x + iY far above the spectrum, where M ≈ m₁/z, lower Im z
//     geometrically to ε, one damped Newton solve per step (each starting from the last);
//   * along a grid of x, continue from the previous point's solution; fall back to a walk when
//     Newton fails or lands on a non-physical root.
#include <vector>

#include "isometry/freeprob/master_equation.hpp"

namespace isometry::freeprob {

struct PointSolution {
    complex y = 0.0;        // the Newton unknown (see master_equation.hpp)
    complex one_plus_m = 0.0;  // 1 + M = z G
    int iterations = 0;
    double residual = 0.0;  // |Φ(M) - Log z| at the end (relative error of z)
    bool converged = false;
};

struct GridSolution {
    std::vector<complex> g;  // G(x_i + iε_i)
    std::vector<double> epsilon;
    long iterations = 0;
    long restarts = 0;      // continuation steps that needed a fresh walk
    double max_residual = 0.0;
};

class StieltjesSolver {
public:
    explicit StieltjesSolver(const MasterEquation& equation) : eq_(equation) {}

    // Newton at fixed z from y.
    PointSolution newton(complex z, complex y, int max_iter = 60) const;
    // Newton, then from the mirrored root if the first landed on the non-physical one.
    PointSolution solve_physical(complex z, complex y) const;
    // The physical solution at z = x + i·eps, reached from far above.
    PointSolution walk_down(double x, double eps) const;
    // G on a grid (any order; chunks solved in parallel, continued along increasing x).
    GridSolution solve_grid(const std::vector<double>& x, double relative_eps) const;

    static bool physical(complex z, complex one_plus_m);
    static bool inside_support(complex z, complex one_plus_m);

private:
    const MasterEquation& eq_;
};

}  // namespace isometry::freeprob
