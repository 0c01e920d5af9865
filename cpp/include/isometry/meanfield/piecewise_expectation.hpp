#pragma once
// E_z[F(z)], z ~ N(0, 1), for piecewise-smooth F, with an error estimate: globally adaptive
// Gauss–Kronrod (QUADPACK's QK21 rule and error heuristic, Piessens et al. 1983) on
// [-kTruncation, kTruncation], split at given breakpoints.
//
// Why not the trapezoid of normal_expectation.hpp: its geometric convergence needs an integrand
// analytic in a strip around the real line. At a kink (relu, hard_tanh, a user's kinks) it drops
// to O(step²). Gauss–Kronrod on the smooth pieces between the kinks keeps its high order
// (exact for polynomials of degree 31 on each piece), and the Kronrod–Gauss difference gives
// the error estimate.
//
// F is called in batches, F(const double* z, double* out, std::size_t n), so that an integrand
// that calls into an interpreter pays the call overhead once per rule, not once per point.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <sstream>
#include <vector>

#include "isometry/core/errors.hpp"

namespace isometry::meanfield {

// Converged when the summed error estimate <= max(atol, rtol · E[|F(z)|]). Relative to E|F|,
// not |E F|, so that integrals that cancel to ~0 (odd integrands) still terminate; atol covers
// integrands whose values are themselves rounding noise around 0 (nested inner integrals).
struct QuadratureTolerance {
    double rtol = 1e-12;
    double atol = 0.0;
};

struct PiecewiseExpectation {
    double value;
    double error;      // estimated absolute error
    double abs_value;  // E[|F(z)|]
    int intervals;
    int evaluations;
};

namespace gauss_kronrod {

// |z| beyond which the integral is dropped: the density is 7.7e-23 there, and the tail beyond
// it carries 7.6e-24 of the probability. The integrand at ±kTruncation is checked, so an F
// that grows fast enough to matter there is reported, not silently cut off.
constexpr double kTruncation = 10.0;
// Initial pieces no wider than this, so that no feature of F hides between the nodes of a
// first rule spanning the whole line.
constexpr double kInitialWidth = 2.5;
constexpr int kMaxIntervals = 2000;
constexpr int kNodes = 21;

// QK21: the 10-point Gauss–Legendre abscissae are kNode[1], kNode[3], ..., kNode[9].
constexpr double kNode[11] = {0.995657163025808080735527280689003,
                              0.973906528517171720077964012084452,
                              0.930157491355708226001207180059508,
                              0.865063366688984510732096688423493,
                              0.780817726586416897063717578345042,
                              0.679409568299024406234327365114874,
                              0.562757134668604683339000099272694,
                              0.433395394129247190799265943165784,
                              0.294392862701460198131126603103866,
                              0.148874338981631210884826001129720,
                              0.0};
constexpr double kKronrodWeight[11] = {
    0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
    0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
    0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
    0.123491976262065851077208490893137, 0.134709217311473325928054001771707,
    0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
    0.149445554002916905664936468389821};
constexpr double kGaussWeight[5] = {0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
                                    0.219086362515982043995534934228163, 0.269266719309996355091226921569469,
                                    0.295524224714752870173892994651338};

struct Piece {
    double a, b;
    double value, error, abs_value;
};

inline double normal_density(double z) {
    return 0.39894228040143267794 * std::exp(-0.5 * z * z);
}

// The 21 nodes of [a, b], in the order piece_from_values expects: center, then ± pairs.
inline void append_nodes(double a, double b, std::vector<double>& z) {
    const double center = 0.5 * (a + b), half = 0.5 * (b - a);
    z.push_back(center);
    for (int j = 0; j < 10; ++j) {
        z.push_back(center - half * kNode[j]);
        z.push_back(center + half * kNode[j]);
    }
}

// QK21 on [a, b] from F at append_nodes(a, b) (f points at 21 values); the density is applied
// here. Error heuristic as in QUADPACK's qk21.
inline Piece piece_from_values(double a, double b, const double* z, const double* f) {
    constexpr double eps = std::numeric_limits<double>::epsilon();
    const double half = 0.5 * (b - a);
    double g[kNodes];
    for (int i = 0; i < kNodes; ++i) g[i] = f[i] * normal_density(z[i]);
    const double fc = g[0];
    double kronrod = kKronrodWeight[10] * fc, gauss = 0.0;
    double abs_sum = kKronrodWeight[10] * std::fabs(fc);
    for (int j = 0; j < 10; ++j) {
        const double pair = g[1 + 2 * j] + g[2 + 2 * j];
        kronrod += kKronrodWeight[j] * pair;
        abs_sum += kKronrodWeight[j] * (std::fabs(g[1 + 2 * j]) + std::fabs(g[2 + 2 * j]));
        if (j % 2 == 1) gauss += kGaussWeight[j / 2] * pair;
    }
    const double mean = 0.5 * kronrod;
    double spread = kKronrodWeight[10] * std::fabs(fc - mean);
    for (int j = 0; j < 10; ++j) {
        spread += kKronrodWeight[j] * (std::fabs(g[1 + 2 * j] - mean) + std::fabs(g[2 + 2 * j] - mean));
    }
    const double abs_value = abs_sum * std::fabs(half);
    spread *= std::fabs(half);
    double error = std::fabs((kronrod - gauss) * half);
    if (spread != 0.0 && error != 0.0) error = spread * std::min(1.0, std::pow(200.0 * error / spread, 1.5));
    // Rounding floor: no rule resolves a piece better than ~50 ulps of its absolute mass.
    error = std::max(error, 50.0 * eps * abs_value);
    return Piece{a, b, kronrod * half, error, abs_value};
}

}  // namespace gauss_kronrod

// Breakpoints center ± unit·2^j (j >= 0) inside the range. F(z) = φ(√q z) varies on the z-scale
// 1/√q around h = 0 and around its kinks. For large q that is finer than the spacing of the
// first rule's nodes, and a feature between nodes is invisible to the error estimate too (every
// rule sees the same smooth function); grading the pieces down to the feature's scale prevents it.
inline void add_graded_breaks(double center, double unit, std::vector<double>& breaks) {
    if (!(unit > 0.0) || !std::isfinite(center)) return;
    for (double d = unit; d < 2.0 * gauss_kronrod::kTruncation; d *= 2.0) {
        breaks.push_back(center - d);
        breaks.push_back(center + d);
    }
}

// Breakpoints in z for F(z) = f(shift + scale · z) when f has kinks at `kinks` (in h) and, like
// every activation, does its work on the h-scale 1 around h = 0 and its kinks: the kinks
// themselves, and graded pieces around them and around h = 0.
inline std::vector<double> breaks_for_kinks(const std::vector<double>& kinks, double scale,
                                            double shift = 0.0) {
    std::vector<double> breaks;
    add_graded_breaks(-shift / scale, 1.0 / scale, breaks);
    for (double k : kinks) {
        breaks.push_back((k - shift) / scale);
        add_graded_breaks((k - shift) / scale, 1.0 / scale, breaks);
    }
    return breaks;
}

// E_z[F(z)] with z ~ N(0, 1) over |z| <= kTruncation, split at `breaks` (any order; those outside
// the range are ignored). Throws ConvergenceError when the tolerance is not met within
// kMaxIntervals pieces or F is not negligible at the truncation points.
template <typename F>
PiecewiseExpectation piecewise_normal_expectation(F&& f, std::vector<double> breaks,
                                                  QuadratureTolerance tol = {}) {
    namespace gk = gauss_kronrod;
    constexpr double Z = gk::kTruncation;
    const int steps = static_cast<int>(std::ceil(2.0 * Z / gk::kInitialWidth));
    for (int i = 1; i < steps; ++i) breaks.push_back(-Z + 2.0 * Z * i / steps);
    std::vector<double> edges{-Z};
    std::sort(breaks.begin(), breaks.end());
    for (double x : breaks) {
        // Skip breaks too close to the previous edge to make a piece of their own.
        if (x > -Z && x < Z && x - edges.back() > 1e-13 * std::max(1.0, std::fabs(x))) edges.push_back(x);
    }
    if (Z - edges.back() <= 1e-13 * Z)
        edges.back() = Z;
    else
        edges.push_back(Z);

    std::vector<gk::Piece> pieces;
    std::vector<double> z, fz;
    int evaluations = 0;
    // Evaluates F once for all pieces [lo_i, hi_i] listed in `bounds`, plus `extra` points
    // appended to z (returned in fz after the rule nodes).
    auto evaluate = [&](const std::vector<double>& bounds, const std::vector<double>& extra) {
        z.clear();
        for (std::size_t i = 0; i + 1 < bounds.size(); i += 2) gk::append_nodes(bounds[i], bounds[i + 1], z);
        z.insert(z.end(), extra.begin(), extra.end());
        fz.assign(z.size(), 0.0);
        f(z.data(), fz.data(), z.size());
        evaluations += static_cast<int>(z.size());
        for (std::size_t i = 0; i + 1 < bounds.size(); i += 2) {
            const std::size_t at = (i / 2) * gk::kNodes;
            pieces.push_back(gk::piece_from_values(bounds[i], bounds[i + 1], &z[at], &fz[at]));
        }
    };

    std::vector<double> bounds;
    for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
        bounds.push_back(edges[i]);
        bounds.push_back(edges[i + 1]);
    }
    evaluate(bounds, {-Z, Z});
    const double tail = (std::fabs(fz[fz.size() - 2]) + std::fabs(fz.back())) * gk::normal_density(Z) / Z;

    auto totals = [&](double& value, double& error, double& abs_value) {
        value = error = abs_value = 0.0;
        for (const gk::Piece& p : pieces) {
            value += p.value;
            error += p.error;
            abs_value += p.abs_value;
        }
    };
    double value, error, abs_value;
    totals(value, error, abs_value);
    auto target = [&] { return std::max(tol.atol, tol.rtol * abs_value); };
    while (error > target()) {
        if (static_cast<int>(pieces.size()) >= gk::kMaxIntervals) break;
        auto worst =
            std::max_element(pieces.begin(), pieces.end(),
                             [](const gk::Piece& p, const gk::Piece& q) { return p.error < q.error; });
        const double a = worst->a, b = worst->b, mid = 0.5 * (a + b);
        if (!(mid > a && mid < b)) break;  // the piece cannot be split in double precision
        *worst = pieces.back();
        pieces.pop_back();
        evaluate({a, mid, mid, b}, {});
        totals(value, error, abs_value);
    }
    // ~Tail mass beyond ±Z, were F to stay at its value there (the density falls by e^{-Z δ}).
    if (error > target() || tail > target()) {
        std::ostringstream msg;
        msg.precision(6);
        if (error > target()) {
            msg << "Gauss–Kronrod quadrature did not converge: estimate " << value << ", error estimate "
                << error << " > tolerance " << target() << " after " << pieces.size() << " subintervals";
        } else {
            msg << "the integrand is not negligible at |z| = " << Z << " (tail estimate " << tail
                << " > tolerance " << target() << "): it grows too fast for the Gaussian weight";
        }
        throw ConvergenceError(msg.str());
    }
    return PiecewiseExpectation{value, error, abs_value, static_cast<int>(pieces.size()), evaluations};
}

}  // namespace isometry::meanfield
