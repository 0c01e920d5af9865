#include "isometry/freeprob/stieltjes_solver.hpp"
#include "isometry/core/threads.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <numeric>
#include <sstream>

#include "isometry/core/errors.hpp"

namespace isometry::freeprob {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Log-residual with the imaginary part wrapped to (-π, π]: z(M) = z holds modulo 2πi.
complex wrapped(complex r) {
    return {r.real(), std::remainder(r.imag(), 2.0 * kPi)};
}

// (1 + M) e^{-iθ} = |z| G: the sign of its imaginary part is that of Im G.
complex rotated(double angle, complex one_plus_m) {
    return one_plus_m * std::polar(1.0, -angle);
}

}  // namespace

complex log_point(double t, double log_h) {
    // log(e^t + i e^{log h}): factor out the larger of the two so nothing over- or underflows.
    const double s = t - log_h;
    if (s > 0.0) return t + std::log(complex(1.0, std::exp(-s)));
    return log_h + std::log(complex(std::exp(s), 1.0));
}

bool StieltjesSolver::physical(double angle, complex one_plus_m) {
    return rotated(angle, one_plus_m).imag() <= 1e-9 * std::abs(one_plus_m);
}

bool StieltjesSolver::inside_support(double angle, complex one_plus_m) {
    // Outside the support G is real up to the Poisson tail at height ε = |z| sin θ.
    return -rotated(angle, one_plus_m).imag() > 1e3 * std::sin(angle) * std::abs(one_plus_m);
}

PointSolution StieltjesSolver::newton(complex log_z, complex y, int max_iter) const {
    PointSolution s;
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

PointSolution StieltjesSolver::solve_physical(complex log_z, complex y) const {
    PointSolution s = newton(log_z, y);
    if (s.converged && !physical(log_z.imag(), s.one_plus_m)) {
        // Near the real axis the other root is close to the conjugate of this one (exactly so
        // for real z): polish from there.
        PointSolution mirrored = newton(log_z, std::conj(s.y));
        mirrored.iterations += s.iterations;
        if (mirrored.converged && physical(log_z.imag(), mirrored.one_plus_m)) return mirrored;
    }
    return s;
}

PointSolution StieltjesSolver::walk_down(double t, double relative_eps) const {
    // Start where M ≈ m₁/z really holds (see MasterEquation::log_far_height); heights h are
    // handled as log h, the points as log(e^t + i h).
    const double log_top = eq_.log_far_height(t);
    const double log_eps = t + std::log(relative_eps);
    if (!std::isfinite(log_top) || !std::isfinite(log_eps)) {
        throw ConvergenceError(eq_.describe() + ": no starting point above x = e^" + format_number(t));
    }
    constexpr int kSteps = 80;  // nominal geometric steps from top down to eps
    const double log_ratio = (log_eps - log_top) / kSteps;
    const complex far = log_point(t, log_top);
    PointSolution s = solve_physical(far, eq_.far_field_y(far));
    int total = s.iterations;
    double log_h = log_top;
    complex log_z = far;
    while (true) {
        if (!s.converged || !physical(log_z.imag(), s.one_plus_m)) {
            std::ostringstream msg;
            msg << eq_.describe() << ": Newton did not converge at x = e^" << t << " (" << std::exp(t)
                << "), Im z = e^" << log_h << " (residual " << s.residual << ")";
            throw ConvergenceError(msg.str());
        }
        const complex y = s.y;
        if (log_h <= log_eps) break;
        // Next height; on failure retry closer to the last good one.
        double target = std::max(log_eps, log_h + log_ratio);
        for (int retry = 0; retry < 30; ++retry) {
            log_z = target <= log_eps ? t + std::log(complex(1.0, relative_eps)) : log_point(t, target);
            s = solve_physical(log_z, y);
            total += s.iterations;
            if (s.converged && physical(log_z.imag(), s.one_plus_m)) break;
            target = 0.5 * (target + log_h);
        }
        log_h = target;
    }
    s.iterations = total;
    return s;
}

GridSolution StieltjesSolver::solve_grid(const std::vector<double>& t, double relative_eps) const {
    const std::size_t n = t.size();
    GridSolution out;
    out.one_plus_m.resize(n);
    out.y.resize(n);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return t[a] < t[b]; });
    const long chunks = static_cast<long>((n + kChunk - 1) / kChunk);
    const complex offset = std::log(complex(1.0, relative_eps));  // z = x(1 + i·relative_eps)
    std::vector<long> chunk_iterations(static_cast<std::size_t>(chunks), 0), chunk_restarts(chunks, 0);
    std::vector<double> chunk_residual(static_cast<std::size_t>(chunks), 0.0);
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(chunks));
    // Each chunk's result depends only on its own points, and the per-chunk tallies are summed
    // in chunk order afterwards: bitwise the same for any thread count.
#pragma omp parallel for num_threads(openmp_team_size()) schedule(dynamic, 1)
    for (long c = 0; c < chunks; ++c) {
        const std::size_t cu = static_cast<std::size_t>(c);
        const std::size_t begin = cu * kChunk, end = std::min(n, begin + kChunk);
        try {
            complex y = 0.0;
            bool previous_inside = false;  // was the previous point inside the support?
            for (std::size_t k = begin; k < end; ++k) {
                const std::size_t i = order[k];
                const complex log_z = t[i] + offset;
                const double angle = log_z.imag();
                PointSolution s;
                if (k > begin) {
                    s = solve_physical(log_z, y);
                    chunk_iterations[cu] += s.iterations;
                }
                // Continuation can slide onto a real root inside the bulk (density 0) or off it
                // outside: whenever the point enters or leaves the support, confirm by a walk.
                const bool crossed =
                    k > begin && s.converged && inside_support(angle, s.one_plus_m) != previous_inside;
                if (k == begin || crossed || !s.converged || !physical(angle, s.one_plus_m)) {
                    if (k > begin) ++chunk_restarts[cu];
                    s = walk_down(t[i], relative_eps);
                    chunk_iterations[cu] += s.iterations;
                    const PointSolution polish = solve_physical(log_z, s.y);
                    if (polish.converged && physical(angle, polish.one_plus_m)) s = polish;
                }
                chunk_residual[cu] = std::max(chunk_residual[cu], s.residual);
                y = s.y;
                previous_inside = inside_support(angle, s.one_plus_m);
                out.one_plus_m[i] = s.one_plus_m;
                out.y[i] = s.y;
            }
        } catch (...) {
            errors[cu] = std::current_exception();  // rethrown below with its own type
        }
    }
    for (const std::exception_ptr& e : errors) {
        if (e) std::rethrow_exception(e);  // the first failing chunk, whatever the thread count
    }
    for (long c = 0; c < chunks; ++c) {
        out.iterations += chunk_iterations[c];
        out.restarts += chunk_restarts[c];
        out.max_residual = std::max(out.max_residual, chunk_residual[c]);
    }
    return out;
}

}  // namespace isometry::freeprob
