#include "isometry/freeprob/density.hpp"

#include "isometry/core/errors.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace isometry::freeprob {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kRelativeEpsilon = 1e-10;  // Im z = 1e-10·x: the density is resolved to 1e-10 relative

// -Im G/π of the continuous part: the atoms' own terms mass/(z - location) are subtracted, so
// their Lorentzian tails at Im z = ε never pass for density.
double continuous_density(complex z, complex g, const std::vector<Atom>& atoms) {
    const double size = std::abs(g);
    for (const Atom& a : atoms) g -= a.mass / (z - a.location);
    // Below 1e-9 of |G| the imaginary part is rounding left over from a subtracted pole.
    return -g.imag() > 1e-9 * size ? -g.imag() / kPi : 0.0;
}

double density_at(const StieltjesSolver& solver, const std::vector<Atom>& atoms, double x) {
    const complex z(x, kRelativeEpsilon * x);
    const PointSolution s = solver.walk_down(x, z.imag());
    return continuous_density(z, s.one_plus_m / z, atoms);
}

// Probing a candidate edge: a point where no solution is found (a spurious critical value far
// outside the spectrum) is treated as carrying no density.
double probe_density(const StieltjesSolver& solver, const std::vector<Atom>& atoms, double x) {
    try {
        return density_at(solver, atoms, x);
    } catch (const ConvergenceError&) {
        return 0.0;
    }
}

// z at the real critical points of z(y) (dΦ/dy = 0) for real y where z is real and positive:
// the candidate spectral edges. Scanned on both sides of the singular points 0 and 1 (and
// 1 - p for Bernoulli laws), logarithmically towards each of them.
std::vector<double> critical_values(const MlpMasterEquation& eq) {
    std::vector<double> breaks = {0.0, 1.0};
    if (eq.law().bernoulli && eq.law().p < 1.0) breaks.push_back(1.0 - eq.law().p);
    std::sort(breaks.begin(), breaks.end());
    // Segments (a, b) between breaks, plus the two unbounded ends; u in [u_min, 35] maps onto
    // each by a logistic (finite) or exponential (unbounded) change of variable.
    struct Segment { double a, b, u_min = -35.0; };
    std::vector<Segment> segments = {{-std::numeric_limits<double>::infinity(), breaks.front()}};
    for (std::size_t i = 0; i + 1 < breaks.size(); ++i) segments.push_back({breaks[i], breaks[i + 1]});
    segments.push_back({breaks.back(), std::numeric_limits<double>::infinity()});
    if (eq.law().exact_atoms) {  // a few genuine atoms: every gap between them (and 0) is valid
        std::vector<double> points = eq.law().values;
        points.push_back(0.0);
        std::sort(points.begin(), points.end());
        points.erase(std::unique(points.begin(), points.end()), points.end());
        segments = {{-std::numeric_limits<double>::infinity(), points.front()}};
        for (std::size_t i = 0; i + 1 < points.size(); ++i) segments.push_back({points[i], points[i + 1]});
        segments.push_back({points.back(), std::numeric_limits<double>::infinity()});
    } else if (!eq.law().bernoulli) {  // y outside the smooth law's support (0, 1]
        // Within ~1e-8 of the branch point y = 1 (the law's square-root edge at φ'(0)² = 1) the
        // pole-corrected rule loses digits to cancellation, and M -> ∞ there, far from any edge.
        segments = {{-std::numeric_limits<double>::infinity(), 0.0},
                    {eq.law().support_upper, std::numeric_limits<double>::infinity(), -18.0}};
        // A sampled law (no pole correction) lives on [lo, hi]: y in (0, lo) is outside it too.
        if (!eq.law().pole_corrected && eq.law().support_lower > 0.0) segments.push_back({0.0, eq.law().support_lower});
    }
    std::vector<double> values;
    for (const Segment& seg : segments) {
        auto to_y = [&seg](double u) {
            if (std::isinf(seg.a)) return seg.b - std::exp(u);
            if (std::isinf(seg.b)) return seg.a + std::exp(u);
            return seg.a + (seg.b - seg.a) / (1.0 + std::exp(-u));
        };
        // dΦ/dy at real y where z is real, NaN elsewhere; 0 where it is below its own rounding
        // level (far out on the unbounded ends, where Φ' -> 0 and its sign is noise).
        auto slope = [&eq](double y) {
            const LogInverse f = eq.log_inverse(complex(y, 0.0));
            const bool real_z = std::fabs(f.value.imag()) < 1e-9 || std::fabs(std::fabs(f.value.imag()) - 2 * kPi) < 1e-9;
            if (!real_z) return std::numeric_limits<double>::quiet_NaN();
            return std::fabs(f.derivative.real()) > 1e-10 * f.derivative_magnitude ? f.derivative.real() : 0.0;
        };
        double u_prev = seg.u_min, d_prev = slope(to_y(u_prev));
        for (int i = 1; seg.u_min + 0.1 * i <= 35.0 + 1e-9; ++i) {
            const double u = seg.u_min + 0.1 * i;
            const double d = slope(to_y(u));
            if (d == 0.0) continue;  // no sign to compare (a root exactly on the scan, or noise)
            if (std::isfinite(d) && std::isfinite(d_prev) && d_prev != 0.0 && (d > 0) != (d_prev > 0)) {
                double lo = u_prev, hi = u, d_lo = d_prev;
                for (int it = 0; it < 50; ++it) {  // 0.1·2^-50: u to rounding
                    const double mid = 0.5 * (lo + hi);
                    const double d_mid = slope(to_y(mid));
                    if ((d_mid > 0) == (d_lo > 0)) { lo = mid; d_lo = d_mid; } else { hi = mid; }
                }
                const LogInverse f = eq.log_inverse(complex(to_y(0.5 * (lo + hi)), 0.0));
                const double z = std::exp(f.value.real());
                if (std::isfinite(z) && z > 0.0 && std::fabs(std::remainder(f.value.imag(), 2 * kPi)) < 1e-9) {
                    values.push_back(z);
                }
            }
            u_prev = u;
            d_prev = d;
        }
    }
    std::sort(values.begin(), values.end());
    return values;
}

bool near_atom(const std::vector<Atom>& atoms, double x) {
    for (const Atom& a : atoms) if (a.mass > 0.0 && std::fabs(x - a.location) <= 1e-6 * std::fabs(x)) return true;
    return false;
}

bool has_mass_below(const std::vector<Atom>& atoms, double x) {
    for (const Atom& a : atoms) if (a.location > 0.0 && a.location <= x && a.mass > 0.0) return true;
    return false;
}

std::vector<double> default_grid(double lower, double upper, bool logarithmic, int points) {
    // Linear grids (hard edges at both ends) cluster at both edges by a cosine map; log grids
    // (a pile-up towards 0 spanning decades) cluster only at the square-root upper edge.
    std::vector<double> x(static_cast<std::size_t>(points));
    for (int i = 0; i < points; ++i) {
        const double t = (i + 0.5) / points;
        const double u = logarithmic ? std::sin(0.5 * kPi * t) : 0.5 * (1.0 - std::cos(kPi * t));
        x[static_cast<std::size_t>(i)] = logarithmic ? std::exp(std::log(lower) + (std::log(upper) - std::log(lower)) * u)
                                                     : lower + (upper - lower) * u;
    }
    return x;
}

}  // namespace

std::vector<Atom> atoms(const MlpMasterEquation& eq) {
    std::vector<Atom> out;
    const D2Law& law = eq.law();
    if (!law.bernoulli) return out;
    if (law.p < 1.0) out.push_back({0.0, 1.0 - law.p});
    if (eq.weights() == Weights::orthogonal) {
        const double mass = 1.0 - static_cast<double>(eq.depth()) * (1.0 - law.p);
        if (mass > 0.0) out.push_back({std::pow(eq.sigma_w(), 2.0 * static_cast<double>(eq.depth())), mass});
    }
    return out;
}

double upper_bulk_edge(const MlpMasterEquation& eq) { return upper_bulk_edge(eq, critical_values(eq)); }

double upper_bulk_edge(const MlpMasterEquation& eq, const std::vector<double>& candidates) {
    const std::vector<Atom> atom_list = atoms(eq);
    double atom_mass = 0.0;
    for (const Atom& a : atom_list) atom_mass += a.mass;
    if (atom_mass >= 1.0 - 1e-15) return 0.0;  // all mass in atoms: no continuous part
    const StieltjesSolver solver(eq);
    for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
        // z(y) also has a critical value at an atom's location (y -> 1 where M -> ∞); there the
        // pole's rounding would pass for density, and an atom is no edge of the continuum.
        if (near_atom(atom_list, *it)) continue;
        if (probe_density(solver, atom_list, *it * (1.0 - 1e-7)) > 0.0) return *it;
    }
    throw std::runtime_error("jacobian_density: could not locate the upper edge of the spectrum");
}

Density jacobian_density(const MlpMasterEquation& eq, std::vector<double> x, int points) {
    if (points < 2 && x.empty()) throw std::invalid_argument("points must be at least 2");
    Density out;
    out.atoms = atoms(eq);
    out.relative_epsilon = kRelativeEpsilon;
    const std::vector<double> candidates = critical_values(eq);
    const double upper = upper_bulk_edge(eq, candidates);
    out.support_upper = upper;
    out.lambda_max = upper;
    for (const Atom& a : out.atoms) if (a.mass > 0.0) out.lambda_max = std::max(out.lambda_max, a.location);
    const StieltjesSolver solver(eq);
    const std::vector<Atom>& atom_list = out.atoms;
    if (upper > 0.0) {
        // Lower end: a hard edge (a critical value with density only above it), or the point
        // below which the pile-up towards 0 holds less than ~1e-9 of the mass.
        double lower = 0.0;
        for (double c : candidates) {
            if (c >= upper) break;
            if (near_atom(atom_list, c)) continue;
            // Just above a hard edge the density is ~√(1e-5) ≈ 3e-3 of its scale; just below
            // it only the Poisson tail of height ε and rounding remain (far below 1e-3 of that).
            const double above = probe_density(solver, atom_list, c * (1.0 + 1e-5));
            if (above > 0.0 && probe_density(solver, atom_list, c * (1.0 - 1e-5)) < 1e-3 * above &&
                !has_mass_below(out.atoms, c * (1.0 - 1e-7))) {
                lower = c;
                out.lower_edge_is_hard = true;
            }
        }
        if (!out.lower_edge_is_hard) {
            // ∫_0^x ρ ≈ x ρ(x)/(1 - a) for ρ ~ x^{-a}: stop once x ρ(x) < 1e-6, or at 1e-60 of
            // the top for laws piling up like x^{-L/(L+1)}; the mass left below is estimated.
            lower = upper * 1e-2;
            while (lower > 1e-60 * upper && density_at(solver, atom_list, lower) * lower >= 1e-6) lower *= 1e-2;
        }
        out.support_lower = lower;
        if (x.empty()) x = default_grid(lower, upper, upper / lower > 100.0, points);
    } else if (x.empty()) {
        x = default_grid(out.lambda_max * 0.5, out.lambda_max * 1.5, false, points);
    }
    const GridSolution grid = solver.solve_grid(x, kRelativeEpsilon);
    out.x = x;
    out.density.resize(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        const complex z(x[i], grid.epsilon[i]);
        out.density[i] = upper > 0.0 ? continuous_density(z, grid.g[i], out.atoms) : 0.0;
    }
    // Mass of the continuous part below the grid, from the local power law ρ ~ x^{-a} at the
    // two lowest grid points (the density is integrable, a < 1).
    if (upper > 0.0 && !out.lower_edge_is_hard && out.x.size() > 1 && out.density[0] > 0.0 && out.density[1] > 0.0) {
        const double a = -std::log(out.density[1] / out.density[0]) / std::log(out.x[1] / out.x[0]);
        if (a < 1.0) out.mass_below_grid = out.x[0] * out.density[0] / (1.0 - a);
    }
    out.iterations = grid.iterations;
    out.restarts = grid.restarts;
    out.max_residual = grid.max_residual;
    return out;
}

}  // namespace isometry::freeprob
