#pragma once
// E_z[f(√q z)], z ~ N(0, 1), for smooth f, with an error estimate.
//
// Why not Gauss–Hermite: for f = tanh the integrand f(√q z) has poles at z = ±iπ/(2√q), so a
// fixed Gauss–Hermite rule loses accuracy as q grows (200 nodes: 1e-7 relative at q = 5,
// 2e-3 at q = 30). The trapezoidal rule on the real line converges geometrically with rate set
// by the same strip width (error ~ exp(-π²/(h√q)) at step h), so a step proportional to 1/√q
// keeps full accuracy for any q. Successive halvings (reusing every point) give the error
// estimate; the Gaussian weight is below 1e-19 of its peak beyond |z| = 9.5.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "isometry/core/errors.hpp"

namespace isometry::meanfield {

struct Expectation {
    double value;
    double error;  // |difference| between the last two step sizes (conservative)
    int points;
};

// E_z[g(z)] by the trapezoidal rule on |z| <= half_width (<= 9.5) for g analytic in the strip
// |Im z| < π / (2 rate) (rate = √q for g(z) = f(√q z) with f like tanh). Starts at step
// 0.5 / max(1, rate) and halves until two successive estimates differ by at most
// max(atol, rtol |estimate|). `even`: g(-z) = g(z), so only z >= 0 is evaluated. A half_width
// below 9.5 is for g negligible beyond it (the caller's promise), and bounds the work: about
// 4 half_width max(1, rate) points before the first halving.
// Throws ConvergenceError (with the last estimate and difference) after 14 halvings.
template <typename G>
Expectation trapezoid_normal_expectation(G&& g, double rate, double rtol, double atol, bool even = false,
                                         double half_width = 9.5) {
    const double kHalfWidth = std::min(9.5, half_width);
    constexpr double kInvSqrtTwoPi = 0.39894228040143267794;
    auto weighted = [&](double z) { return g(z) * std::exp(-0.5 * z * z) * kInvSqrtTwoPi; };
    // The sum over ±z, or twice the value at z for an even integrand.
    auto pair = [&](double z) { return even ? 2.0 * weighted(z) : weighted(z) + weighted(-z); };
    double step = 0.5 / std::max(1.0, rate);
    // A guard, not a limit met in use: every caller bounds half_width · rate (at most ~10⁴ points
    // per level before halving), and a count past this would overflow `points`.
    constexpr double kMaxHalfPoints = 1e8;
    auto too_many = [&](double half_points) {
        std::ostringstream msg;
        msg << "trapezoidal rule: " << half_points << " points per half-line (rate " << rate
            << ") exceed the bound " << kMaxHalfPoints;
        return ConvergenceError(msg.str());
    };
    if (!(kHalfWidth / step <= kMaxHalfPoints)) throw too_many(kHalfWidth / step);
    long half_points = static_cast<long>(std::ceil(kHalfWidth / step));
    double sum = weighted(0.0);
    for (long k = 1; k <= half_points; ++k) sum += pair(k * step);
    double estimate = sum * step;
    int points = static_cast<int>((even ? 1 : 2) * half_points + 1);
    double error = 0.0;
    for (int halving = 0; halving < 14; ++halving) {
        if (2.0 * static_cast<double>(half_points) > kMaxHalfPoints) throw too_many(2.0 * half_points);
        // The new points are the odd multiples of step/2.
        double odd = 0.0;
        for (long k = 0; k < half_points; ++k) odd += pair((k + 0.5) * step);
        points += static_cast<int>((even ? 1 : 2) * half_points);
        sum += odd;
        step *= 0.5;
        half_points *= 2;
        const double refined = sum * step;
        error = std::fabs(refined - estimate);
        estimate = refined;
        if (error <= std::max(atol, rtol * std::fabs(refined)) || error < 1e-300) {
            return Expectation{refined, error, points};
        }
    }
    std::ostringstream msg;
    msg << "trapezoidal rule: no convergence after 14 halvings (estimate " << estimate << ", last difference "
        << error << ")";
    throw ConvergenceError(msg.str());
}

// E_z[f(√q z)] for f analytic in the strip |Im h| < π/2 (tanh), relative accuracy rtol.
// `reach`: |f(h)| is negligible (below ~1e-30 of its peak) for |h| > reach, so only
// |z| <= reach/√q is integrated: a bounded number of points for any q. Infinite: the whole
// |z| <= 9.5, about 19√q points.
template <typename F>
Expectation normal_expectation(F&& f, double q, double rtol = 1e-14,
                               double reach = std::numeric_limits<double>::infinity()) {
    const double root_q = std::sqrt(q);
    try {
        return trapezoid_normal_expectation([&](double z) { return f(root_q * z); }, root_q, rtol, 0.0, false,
                                            reach / root_q);
    } catch (const ConvergenceError& error) {
        std::ostringstream msg;
        msg << "normal_expectation: no convergence at q = " << q << ": " << error.what();
        throw ConvergenceError(msg.str());
    }
}

}  // namespace isometry::meanfield
