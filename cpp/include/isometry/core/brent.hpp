#pragma once
// Brent's root finder (bisection safeguarded inverse quadratic interpolation; Brent 1973,
// "Algorithms for minimization without derivatives", ch. 4) for a bracketed root.
#include <cmath>
#include <limits>
#include <sstream>

#include "isometry/core/errors.hpp"

namespace isometry {

struct RootResult {
    double x;
    double residual;
    int iterations;
};

// Root of f in [a, b] where f(a) and f(b) differ in sign; |b - a| shrinks below
// 2 eps |x| + xtol. Throws ConvergenceError if the bracket is invalid or max_iter is reached.
template <typename F>
RootResult brent_root(F&& f, double a, double b, double xtol = 0.0, int max_iter = 200) {
    constexpr double eps = std::numeric_limits<double>::epsilon();
    double fa = f(a), fb = f(b);
    if (!(fa * fb <= 0.0)) {
        std::ostringstream msg;
        msg << "brent_root: f(" << a << ") = " << fa << " and f(" << b << ") = " << fb
            << " do not bracket a root";
        throw ConvergenceError(msg.str());
    }
    double c = a, fc = fa, d = b - a, e = d;
    for (int iter = 1; iter <= max_iter; ++iter) {
        if ((fb > 0.0) == (fc > 0.0)) {
            c = a;
            fc = fa;
            d = e = b - a;
        }
        if (std::fabs(fc) < std::fabs(fb)) {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        const double tol = 2.0 * eps * std::fabs(b) + 0.5 * xtol;
        const double m = 0.5 * (c - b);
        if (std::fabs(m) <= tol || fb == 0.0) return RootResult{b, fb, iter};
        if (std::fabs(e) >= tol && std::fabs(fa) > std::fabs(fb)) {
            double p, q, r;
            const double s = fb / fa;
            if (a == c) {  // secant
                p = 2.0 * m * s;
                q = 1.0 - s;
            } else {  // inverse quadratic interpolation
                q = fa / fc;
                r = fb / fc;
                p = s * (2.0 * m * q * (q - r) - (b - a) * (r - 1.0));
                q = (q - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if (p > 0.0)
                q = -q;
            else
                p = -p;
            if (2.0 * p < std::fmin(3.0 * m * q - std::fabs(tol * q), std::fabs(e * q))) {
                e = d;
                d = p / q;
            } else {
                d = m;
                e = m;
            }
        } else {
            d = m;
            e = m;
        }
        a = b;
        fa = fb;
        b += std::fabs(d) > tol ? d : (m > 0.0 ? tol : -tol);
        fb = f(b);
    }
    std::ostringstream msg;
    msg << "brent_root: no convergence after " << max_iter << " iterations (x = " << b
        << ", residual = " << fb << ")";
    throw ConvergenceError(msg.str());
}

}  // namespace isometry
