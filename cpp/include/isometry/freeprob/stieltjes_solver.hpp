#pragma once
// Solving the master equation for M(z) = zG(z) - 1 on the physical branch (Im G < 0 for
// Im z > 0), PSG18 Algorithm 1 made cheap:
//   * walk_down: from z = x + iY far above the spectrum, where M ≈ m₁/z, lower Im z
//     geometrically to ε, one damped Newton solve per step (each starting from the last);
//   * along a grid of x, continue from the previous point's solution; fall back to a walk when
//     Newton fails or lands on a non-physical root.
// Points are given by log z = t + iθ (t = log|z|, θ = arg z), never by z itself: the equation is
// solved in log form, so a law whose support reaches far below the smallest double (the pile-up
// towards 0 of deep networks: mass ~ x^{1/(L+1)}) or above the largest is still solved there.
#include <vector>

#include "isometry/freeprob/master_equation.hpp"

namespace isometry::freeprob {

struct PointSolution {
    complex y = 0.0;           // the Newton unknown (see master_equation.hpp)
    complex one_plus_m = 0.0;  // 1 + M = z G
    int iterations = 0;
    double residual = 0.0;  // |Φ(M) - Log z| at the end (relative error of z)
    bool converged = false;
};

struct GridSolution {
    std::vector<complex> one_plus_m;  // 1 + M = zG at log z_i = t_i + log(1 + i·relative_eps)
    std::vector<complex> y;
    long iterations = 0;
    long restarts = 0;  // continuation steps that needed a fresh walk
    double max_residual = 0.0;
};

// log(e^t + i e^{log_h}) without forming either term: the point at height h above x = e^t.
complex log_point(double t, double log_h);

class StieltjesSolver {
  public:
    // Continuation runs along chunks of this many consecutive grid points, solved in parallel:
    // fixed (not a multiple of the thread count) so that the result is bitwise identical for
    // any number of OpenMP threads.
    static constexpr std::size_t kChunk = 64;

    explicit StieltjesSolver(const MasterEquation& equation) : eq_(equation) {}

    // Newton at fixed log z from y.
    PointSolution newton(complex log_z, complex y, int max_iter = 60) const;
    // Newton, then from the mirrored root if the first landed on the non-physical one.
    PointSolution solve_physical(complex log_z, complex y) const;
    // The physical solution at log z = t + log(1 + i·relative_eps), reached from far above.
    // Throws ConvergenceError naming the law (MasterEquation::describe) if it is not found.
    PointSolution walk_down(double t, double relative_eps) const;
    // 1 + M on a grid of t = log x (any order; chunks of kChunk solved in parallel, continued
    // along increasing t). Errors keep their type; a failed solve names the law.
    GridSolution solve_grid(const std::vector<double>& t, double relative_eps) const;

    // Im G <= 0 (up to rounding) at arg z = angle.
    static bool physical(double angle, complex one_plus_m);
    // Im G clearly below the Poisson tail of height ε = |z| sin(angle) of an outside point.
    static bool inside_support(double angle, complex one_plus_m);

    const MasterEquation& equation() const { return eq_; }

  private:
    const MasterEquation& eq_;
};

}  // namespace isometry::freeprob
