#include "isometry/freeprob/stieltjes_solver.hpp"
#include "isometry/core/threads.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "isometry/core/errors.hpp"

namespace isometry::freeprob {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Log-residual with the imaginary part wrapped to (-π, π]: z(M) = z holds modulo 2πi.
complex wrapped(complex r) { return {r.real(), std::remainder(r.imag(), 2.0 * kPi)}; }

}  // namespace

bool StieltjesSolver::physical(complex z, complex one_plus_m) {
    const complex g = one_plus_m / z;
    return g.imag() <= 1e-9 * std::abs(g);
}

bool StieltjesSolver::inside_support(complex z, complex one_plus_m) {
    const complex g = one_plus_m / z;
    // Outside the support G is real up to the Poisson tail at height ε = Im z.
    return -g.imag() > 1e3 * z.imag() * std::abs(g) / std::max(std::abs(z), 1e-300);
}

PointSolution StieltjesSolver::newton(complex z, complex y, int max_iter) const {
    PointSolution s;
    const complex log_z = std::log(z);
    for (int iter = 0; iter <= max_iter; ++iter) {
        const LogInverse f = eq_.log_inverse(y);
        const complex r = wrapped(f.value - log_z);
        s.iterations = iter;
        s.residual = std::abs(r);
        // Converged once the relative error of z is below 1e-11 or at rounding level: that of
        // evaluating Φ (ε times the size of its terms, which grow with L) or of y itself
        // (|Φ'|·ε|y|; large near spectral edges, where two roots meet).
        constexpr double kRounding = 64.0 * 2.2e-16;
        const double attainable =
            std::max(1e-11, kRounding * std::max(f.magnitude, std::abs(f.derivative) * std::abs(y)));
        if (std::isfinite(s.residual) && s.residual <= attainable) {
            s.y = y;
            s.one_plus_m = f.one_plus_m;
            s.converged = true;
            return s;
        }
        if (iter == max_iter || !std::isfinite(s.residual)) break;
        complex step = r / f.derivative;
        const double limit = eq_.step_limit(y);  // damped: never onto a singular point
        if (std::abs(step) > limit) step *= limit / std::abs(step);
        y -= step;
    }
    s.y = y;
    return s;
}

PointSolution StieltjesSolver::solve_physical(complex z, complex y) const {
    PointSolution s = newton(z, y);
    if (s.converged && !physical(z, s.one_plus_m)) {
        // Near the real axis the other root is close to the conjugate of this one (exactly so
        // for real z): polish from there.
        PointSolution mirrored = newton(z, std::conj(s.y));
        mirrored.iterations += s.iterations;
        if (mirrored.converged && physical(z, mirrored.one_plus_m)) return mirrored;
    }
    return s;
}

PointSolution StieltjesSolver::walk_down(double x, double eps) const {
    // Start where M ≈ m₁/z really holds (see MasterEquation::far_height).
    const double top = eq_.far_height(x);
    constexpr int kSteps = 80;  // nominal geometric steps from top down to eps
    const double ratio = std::pow(eps / top, 1.0 / kSteps);
    complex y = eq_.far_field_y(complex(x, top));
    PointSolution s = solve_physical(complex(x, top), y);
    int total = s.iterations;
    double height = top;
    while (true) {
        if (!s.converged || !physical(complex(x, height), s.one_plus_m)) {
            std::ostringstream msg;
            msg << "jacobian_density: Newton did not converge at x = " << x << ", Im z = " << height
                << " (residual " << s.residual << ")";
            throw ConvergenceError(msg.str());
        }
        y = s.y;
        if (height <= eps) break;
        // Next height; on failure retry closer to the last good one.
        double target = std::max(eps, height * ratio);
        for (int retry = 0; retry < 30; ++retry) {
            s = solve_physical(complex(x, target), y);
            total += s.iterations;
            if (s.converged && physical(complex(x, target), s.one_plus_m)) break;
            target = std::sqrt(target * height);
        }
        height = target;
    }
    s.iterations = total;
    return s;
}

GridSolution StieltjesSolver::solve_grid(const std::vector<double>& x, double relative_eps) const {
    const std::size_t n = x.size();
    GridSolution out;
    out.g.resize(n);
    out.epsilon.resize(n);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
    // Each chunk restarts the continuation from a fresh walk, so the chunk boundaries shape the
    // path to each root (to rounding): their number is fixed, not the thread count's multiple,
    // so the density is bitwise the same for any number of threads. 32 chunks keep up to 8
    // threads busy (dynamic schedule) for the price of 32 walks per grid.
    constexpr int kChunks = 32;
    const int chunks = std::max(1, std::min<int>(static_cast<int>(n), kChunks));
    long iterations = 0, restarts = 0;
    double max_residual = 0.0;
    std::string error;
#pragma omp parallel for num_threads(openmp_team_size()) schedule(dynamic, 1) reduction(+ : iterations, restarts) reduction(max : max_residual)
    for (int c = 0; c < chunks; ++c) {
        const std::size_t begin = n * c / chunks, end = n * (c + 1) / chunks;
        try {
            complex y = 0.0;
            bool previous_inside = false;  // was the previous point inside the support?
            for (std::size_t k = begin; k < end; ++k) {
                const std::size_t i = order[k];
                const double eps = std::max(relative_eps * std::fabs(x[i]), 1e-300);
                const complex z(x[i], eps);
                PointSolution s;
                if (k > begin) {
                    s = solve_physical(z, y);
                    iterations += s.iterations;
                }
                // Continuation can slide onto a real root inside the bulk (density 0) or off it
                // outside: whenever the point enters or leaves the support, confirm by a walk.
                const bool crossed = k > begin && s.converged && inside_support(z, s.one_plus_m) != previous_inside;
                if (k == begin || crossed || !s.converged || !physical(z, s.one_plus_m)) {
                    if (k > begin) ++restarts;
                    s = walk_down(x[i], eps);
                    iterations += s.iterations;
                    const PointSolution polish = solve_physical(z, s.y);
                    if (polish.converged && physical(z, polish.one_plus_m)) s = polish;
                }
                max_residual = std::max(max_residual, s.residual);
                y = s.y;
                previous_inside = inside_support(z, s.one_plus_m);
                out.g[i] = s.one_plus_m / z;
                out.epsilon[i] = eps;
            }
        } catch (const std::exception& e) {
#pragma omp critical
            error = e.what();
        }
    }
    if (!error.empty()) throw ConvergenceError(error);
    out.iterations = iterations;
    out.restarts = restarts;
    out.max_residual = max_residual;
    return out;
}

}  // namespace isometry::freeprob
