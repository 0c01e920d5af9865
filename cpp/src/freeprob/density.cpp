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
// The default grid never starts below 1e-300 (its x are doubles); the law may reach far lower
// (the pile-up towards 0 at depth L holds mass ~ x^{1/(L+1)}): that part is mass_below_grid.
const double kLogSmallestGrid = std::log(1e-300);
const double kLogLargest = std::log(std::numeric_limits<double>::max());
// The default grid starts where the continuous mass below it is at most this (the rest is
// integrated exactly into mass_below_grid and tail_*; a lower start would only thin the grid).
constexpr double kGridTailMass = 1e-7;

// The lower tail walk refuses a law whose solution falls below this y, or below what its law of
// D² resolves (D2Law::resolves): a margin of 1e8 above the smallest normal double for the
// products y·E[1/(y − D²)] and the terms of M_{D²}.
constexpr double kSmallestY = 1e-300;

// x·ρ below this is no density: rounding left in 1 + M where the law has none (a pile-up is
// followed only while its remaining mass, ~x·ρ/(1 - a), is above 1e-15).
constexpr double kNoDensity = 1e-30;

// 8-point Gauss–Legendre on [-1, 1].
constexpr double kGaussNodes[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                                   0.9602898564975363};
constexpr double kGaussWeights[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                                     0.1012285362903763};

// The tail walk's probe found its solution at y ~ 0, below what the law of D² resolves. A
// ConvergenceError (so it reaches the caller as one if the walk cannot avoid it), but the walk
// first retries with a shorter step: the pile-up may end above that point.
class UnresolvedY : public ConvergenceError {
  public:
    using ConvergenceError::ConvergenceError;
};

double checked_exp(double t, const MlpMasterEquation& eq, const char* what) {
    if (t > kLogLargest) {
        throw std::overflow_error(eq.describe() + ": the " + what + " e^" + format_number(t) +
                                  " is beyond the largest double; lower depth or sigma_w");
    }
    if (t < kLogSmallestGrid) {
        throw std::overflow_error(eq.describe() + ": the " + what + " e^" + format_number(t) +
                                  " underflows (below 1e-300); lower depth or raise sigma_w");
    }
    return std::exp(t);
}

double density_at(const StieltjesSolver& solver, const std::vector<Atom>& atoms, double t) {
    const PointSolution s = solver.walk_down(t, kRelativeEpsilon);
    return scaled_continuous_density(t + std::log(complex(1.0, kRelativeEpsilon)), s.one_plus_m, atoms);
}

// Probing a candidate edge: a point where no solution is found (a spurious critical value far
// outside the spectrum) is treated as carrying no density. Returns x·ρ at x = e^t.
double probe_density(const StieltjesSolver& solver, const std::vector<Atom>& atoms, double t) {
    try {
        return density_at(solver, atoms, t);
    } catch (const ConvergenceError&) {
        return 0.0;
    }
}

// log z at the real critical points of z(y) (dΦ/dy = 0) for real y where z is real and
// positive: the candidate spectral edges, as log x (they may lie outside the range of a double).
// Scanned on both sides of the singular points 0 and 1 (and 1 - p for Bernoulli laws),
// logarithmically towards each of them.
std::vector<double> critical_values(const MlpMasterEquation& eq) {
    std::vector<double> breaks = {0.0, 1.0};
    if (eq.law().bernoulli && eq.law().p < 1.0) breaks.push_back(1.0 - eq.law().p);
    std::sort(breaks.begin(), breaks.end());
    // Segments (a, b) between breaks, plus the two unbounded ends; u in [u_min, 35] maps onto
    // each by a logistic (finite) or exponential (unbounded) change of variable.
    struct Segment {
        double a, b, u_min = -35.0;
    };
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
        if (!eq.law().pole_corrected && eq.law().support_lower > 0.0)
            segments.push_back({0.0, eq.law().support_lower});
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
            const bool real_z =
                std::fabs(f.value.imag()) < 1e-9 || std::fabs(std::fabs(f.value.imag()) - 2 * kPi) < 1e-9;
            if (!real_z) return std::numeric_limits<double>::quiet_NaN();
            return std::fabs(f.derivative.real()) > 1e-10 * f.derivative_magnitude ? f.derivative.real()
                                                                                   : 0.0;
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
                    if ((d_mid > 0) == (d_lo > 0)) {
                        lo = mid;
                        d_lo = d_mid;
                    } else {
                        hi = mid;
                    }
                }
                const LogInverse f = eq.log_inverse(complex(to_y(0.5 * (lo + hi)), 0.0));
                const double t = f.value.real();
                if (std::isfinite(t) && std::fabs(std::remainder(f.value.imag(), 2 * kPi)) < 1e-9)
                    values.push_back(t);
            }
            u_prev = u;
            d_prev = d;
        }
    }
    // Orthogonal Bernoulli layers: z(M) = σ_w^{2L} (M + p)^L / ((1 + M)^{L-1} M) is critical at
    // M = p/δ, δ = L(1 - p) - 1, i.e. y = L(1 - p), in closed form. As δ -> 0 that point runs into
    // the singular point y = 1 (M -> ∞), where the scan above cannot follow it: at δ = 0 the edge
    // is the limit σ_w^{2L} (where the atom of mass 1 - L(1 - p) sits for δ < 0).
    if (eq.law().bernoulli && eq.weights() == Weights::orthogonal && eq.law().p < 1.0) {
        const double L = static_cast<double>(eq.depth()), p = eq.law().p;
        const double delta = L * (1.0 - p) - 1.0;
        if (delta >= 0.0)
            values.push_back(2.0 * L * std::log(eq.sigma_w()) + L * std::log1p(delta) +
                             (1.0 - L) * std::log1p(delta / p));
    }
    // One orthogonal layer: J Jᵀ = σ_w² D², Φ = log(σ_w² y) has no critical point, and the edge is
    // σ_w² times the top of the law of D² (for tanh and erf φ'(0)² = 1, approached as y -> 1).
    if (eq.depth() == 1 && eq.weights() == Weights::orthogonal && !eq.law().bernoulli)
        values.push_back(2.0 * std::log(eq.sigma_w()) + std::log(eq.law().support_upper));
    std::sort(values.begin(), values.end());
    return values;
}

bool near_atom(const std::vector<Atom>& atoms, double t) {
    for (const Atom& a : atoms) {
        if (a.mass > 0.0 && a.location > 0.0 && std::fabs(t - std::log(a.location)) <= 1e-6) return true;
    }
    return false;
}

bool has_mass_below(const std::vector<Atom>& atoms, double t) {
    for (const Atom& a : atoms)
        if (a.location > 0.0 && std::log(a.location) <= t && a.mass > 0.0) return true;
    return false;
}

// log of the upper edge (-inf if there is no bulk).
double log_upper_bulk_edge(const MlpMasterEquation& eq, const std::vector<Atom>& atom_list,
                           const std::vector<double>& candidates) {
    double atom_mass = 0.0;
    for (const Atom& a : atom_list) atom_mass += a.mass;
    if (atom_mass >= 1.0 - 1e-15) return -std::numeric_limits<double>::infinity();  // all mass in atoms
    const StieltjesSolver solver(eq);
    for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
        // z(y) also has a critical value at an atom's location (y -> 1 where M -> ∞); there the
        // pole's rounding would pass for density, and an atom is no edge of the continuum.
        if (near_atom(atom_list, *it)) continue;
        if (probe_density(solver, atom_list, *it - 1e-7) > 0.0) return *it;
    }
    throw ConvergenceError(eq.describe() + ": could not locate the upper edge of the spectrum");
}

std::vector<double> default_grid(double lower, double upper, bool logarithmic, bool hard_lower, int points) {
    // Grids between two hard edges cluster at both by a cosine map (in log x when they span
    // decades); a pile-up towards 0 (log grids) only at the square-root upper edge.
    // lower and upper are logarithms for log grids.
    std::vector<double> x(static_cast<std::size_t>(points));
    for (int i = 0; i < points; ++i) {
        const double t = (i + 0.5) / points;
        const double u = hard_lower ? 0.5 * (1.0 - std::cos(kPi * t)) : std::sin(0.5 * kPi * t);
        x[static_cast<std::size_t>(i)] =
            logarithmic ? std::exp(lower + (upper - lower) * u) : lower + (upper - lower) * u;
    }
    return x;
}

// x·ρ(e^t) along a walk in t, continued from the last solutions. Steps in t can be long (the
// pile-up towards 0 spans thousands of e-folds at depth 1000), and Newton started from the last
// y may then crawl towards the singular point y = 0 and stop on a spurious root there: so start
// from y extrapolated in log y (linear in t, y ~ e^{kt} in the pile-up) and confirm by a walk
// from far above whenever the solution strays from that prediction.
class TailProbe {
  public:
    TailProbe(const StieltjesSolver& solver, const std::vector<Atom>& atoms)
        : solver_(solver), atoms_(atoms) {}
    double operator()(double t) {
        const complex log_z = t + std::log(complex(1.0, kRelativeEpsilon));
        const double angle = log_z.imag();
        PointSolution s;
        bool trusted = false;
        if (count_ > 0) {
            complex guess = std::log(y_[0]);  // y_ are never 0: solutions below kSmallestY are not kept
            if (count_ > 1 && t_[0] != t_[1])
                guess += (std::log(y_[0]) - std::log(y_[1])) * ((t - t_[0]) / (t_[0] - t_[1]));
            s = solver_.solve_physical(log_z, std::exp(guess));
            trusted = s.converged && StieltjesSolver::physical(angle, s.one_plus_m) &&
                      StieltjesSolver::inside_support(angle, s.one_plus_m) == inside_ &&
                      std::abs(s.y) > kSmallestY && std::abs(std::log(s.y) - guess) < 0.5;
        }
        if (!trusted) {
            try {
                s = solver_.walk_down(t, kRelativeEpsilon);
            } catch (const ConvergenceError& e) {
                // Deep in a pile-up the walk from far above fails where y underflows on its way
                // (a NaN residual; tanh/orthogonal L = 10^4, σ_w = 1.3 at x = e^-15941, where
                // y ~ e^-3900): a point the tail walk may approach but not pass, as below.
                throw UnresolvedY(e.what());
            }
        }
        if (!(std::abs(s.y) > kSmallestY) || !solver_.equation().resolves(s.y)) {
            throw UnresolvedY(solver_.equation().describe() + ": the solution at x = e^" + format_number(t) +
                              " lies at y ~ 0, below what the law of D^2 resolves");
        }
        t_[1] = t_[0];
        y_[1] = y_[0];
        t_[0] = t;
        y_[0] = s.y;
        count_ = std::min(count_ + 1, 2);
        inside_ = StieltjesSolver::inside_support(angle, s.one_plus_m);
        return scaled_continuous_density(log_z, s.one_plus_m, atoms_);
    }

  private:
    const StieltjesSolver& solver_;
    const std::vector<Atom>& atoms_;
    int count_ = 0;
    bool inside_ = false;
    double t_[2] = {0.0, 0.0};
    complex y_[2] = {0.0, 0.0};
};

// ∫_a^b f(t) dt by 8-point Gauss–Legendre, nodes from b down to a (continuation order).
double gauss(TailProbe& f, double a, double b) {
    const double mid = 0.5 * (a + b), half = 0.5 * (b - a);
    double sum = 0.0;
    for (int k = 0; k < 4; ++k) sum += kGaussWeights[k] * f(mid + half * kGaussNodes[k]);
    for (int k = 3; k >= 0; --k) sum += kGaussWeights[k] * f(mid - half * kGaussNodes[k]);
    return half * sum;
}

// ∫ over [edge, b] of a density with a square-root edge at `edge`: t = edge + (b - edge) u²
// makes the integrand smooth in u.
double gauss_to_edge(TailProbe& f, double edge, double b) {
    const double width = b - edge;
    double sum = 0.0;
    for (int piece = 1; piece >= 0; --piece) {  // u in [0.5, 1] then [0, 0.5]
        const double mid = 0.25 + 0.5 * piece, half = 0.25;
        for (int k = 0; k < 4; ++k) {
            for (double sign : {1.0, -1.0}) {
                const double u = mid + sign * half * kGaussNodes[k];
                sum += half * kGaussWeights[k] * f(edge + width * u * u) * 2.0 * width * u;
            }
        }
    }
    return sum;
}

}  // namespace

double scaled_continuous_density(complex log_z, complex one_plus_m, const std::vector<Atom>& atoms) {
    // x ρ = -Im(|z| G_c)/π with |z| G = (1 + M) e^{-iθ}; an atom m at a contributes
    // |z| m/(z - a) = m e^{-iθ}/(1 - a/z).
    const complex rotation = std::polar(1.0, -log_z.imag());
    complex w = one_plus_m * rotation;
    // An atom at 0 contributes m e^{-iθ} exactly, whatever z: subtracted first, it leaves no
    // rounding to guard against, and the guard below is relative to what remains. (Measured with
    // it, the continuous part of a deep relu pile-up, 1 + M ≈ 1/2 + 2e-6 at L = 10^4, fell below
    // the guard at x·ρ ≈ 1.6e-10 and passed for a hard edge, losing 1.6e-6 of the mass.)
    for (const Atom& a : atoms)
        if (a.mass > 0.0 && a.location == 0.0) w -= a.mass * rotation;
    const double size = std::abs(w);
    for (const Atom& a : atoms) {
        if (a.mass <= 0.0 || a.location == 0.0) continue;
        w -= a.mass * rotation / (1.0 - std::exp(std::log(a.location) - log_z));
    }
    // Below 1e-9 of |G| the imaginary part is rounding left over from a subtracted pole.
    return -w.imag() > 1e-9 * size ? -w.imag() / kPi : 0.0;
}

std::vector<Atom> atoms(const MlpMasterEquation& eq) {
    std::vector<Atom> out;
    const D2Law& law = eq.law();
    if (!law.bernoulli) return out;
    if (law.p < 1.0) out.push_back({0.0, 1.0 - law.p});
    if (eq.weights() == Weights::orthogonal) {
        const double mass = 1.0 - static_cast<double>(eq.depth()) * (1.0 - law.p);
        if (mass > 0.0) {
            const double t = 2.0 * static_cast<double>(eq.depth()) * std::log(eq.sigma_w());
            if (t < std::log(std::numeric_limits<double>::min())) {
                throw std::overflow_error(eq.describe() + ": the atom at sigma_w^(2L) = e^" +
                                          format_number(t) +
                                          " underflows a double; raise sigma_w or lower depth");
            }
            out.push_back({checked_exp(t, eq, "atom at sigma_w^(2L)"), mass});
        }
    }
    return out;
}

double upper_bulk_edge(const MlpMasterEquation& eq) {
    const double t = log_upper_bulk_edge(eq, atoms(eq), critical_values(eq));
    return std::isfinite(t) ? checked_exp(t, eq, "upper edge of the spectrum") : 0.0;
}

LowerTail lower_tail(const StieltjesSolver& solver, const std::vector<Atom>& atom_list, double t,
                     double hard_edge_t) {
    LowerTail out;
    TailProbe f(solver, atom_list);
    std::vector<double> log_x = {t}, above = {0.0};  // mass between e^{log_x} and e^t, descending
    double f_top = f(t), step = 0.25, slope_prev = std::numeric_limits<double>::quiet_NaN();
    double mass = 0.0, tail = 0.0, edge = hard_edge_t;
    // log x of the highest point found below what the law of D² resolves (-inf: none yet).
    double unresolved = -std::numeric_limits<double>::infinity();
    const std::string& where = solver.equation().describe();
    for (int interval = 0;; ++interval) {
        const double b = log_x.back();
        if (interval > 20000 || !(step < 1e6)) {
            throw ConvergenceError(where + ": the continuous mass below x = e^" + format_number(t) +
                                   " did not converge (the pile-up towards 0 is not bounded above x = e^" +
                                   format_number(b) + ")");
        }
        if (std::isfinite(edge)) {
            // Towards a known edge by halving the distance (each piece smooth); the last sliver,
            // 1e-3 in log x, with the square-root substitution (whose nodes stay 1e-4 of it away
            // from the edge, where Newton would have to separate two meeting roots).
            if (b - edge <= 1e-3) {
                mass += gauss_to_edge(f, edge, b);
                log_x.push_back(edge);
                above.push_back(mass);
                break;
            }
            step = std::min(step, 0.5 * (b - edge));
        }
        if (std::isfinite(unresolved)) step = std::min(step, 0.5 * (b - unresolved));
        const double a = b - step;
        double f_a = 0.0, whole = 0.0, halves = 0.0;
        try {
            f_a = f(a);
            if (f_a > kNoDensity) {
                whole = gauss(f, a, b);
                halves = gauss(f, 0.5 * (a + b), b) + gauss(f, a, 0.5 * (a + b));
            }
        } catch (const UnresolvedY&) {
            // The solution at or above a lies below what the law of D² resolves. A pile-up that
            // falls faster than exponentially in log x (tanh's lognormal-like tail of D² seen
            // through an orthogonal product) may end above that point: approach it by halving
            // the distance, and give up only within one e-fold of it with mass still there.
            if (b - a <= 1.0) throw;
            unresolved = a;
            continue;
        }
        if (!(f_a > kNoDensity)) {
            // Below kNoDensity after a decay that leaves under 1e-15 below b (ρ falling like a
            // power of x or faster, e.g. erf's x·ρ ~ L·yρ_{D²}(y)): the end of a tail, which
            // the bisection below would mistake for a hard edge where x·ρ crosses 1e-30.
            if (!std::isfinite(edge) && slope_prev > 0.0 && f_top / slope_prev < 1e-15) {
                tail = f_top / slope_prev;
                break;
            }
            // The density vanished inside (a, b]: a hard edge not among the candidates. Bisect
            // for it (to 1e-12 in log x), then approach it as a known edge.
            double lo = a, hi = b;
            while (hi - lo > 1e-12 * std::max(1.0, std::fabs(hi))) {
                const double mid = 0.5 * (lo + hi);
                (f(mid) > kNoDensity ? hi : lo) = mid;
            }
            edge = lo;
            continue;
        }
        // Accept when the two halves agree with the whole to 1e-10 (relative) or 1e-17 absolute.
        if (std::fabs(whole - halves) > 1e-10 * std::fabs(halves) + 1e-17) {
            step *= 0.5;
            if (step < 1e-12 * std::max(1.0, std::fabs(b))) {
                throw ConvergenceError(where + ": the density below x = e^" + format_number(b) +
                                       " is not resolved by quadrature in log x");
            }
            continue;
        }
        mass += halves;
        log_x.push_back(a);
        above.push_back(mass);
        // Pile-up towards 0: xρ ~ e^{k t} (k = 1 - a > 0). Once k is steady or growing (the
        // density falls at least as fast as the exponential), the mass left below a is at most
        // f(a)/k; stop when that is negligible. A k that still falls slowly (a power law with
        // logarithmic corrections, as erf's tails at large q*, whose k falls ~0.6% per doubled
        // step) bounds it as well once the last step alone took xρ down by e^10 or more: with k
        // falling at most 10% per step while the steps double, what is left is below
        // f(a)/(0.9 k).
        const double slope = std::log(f_top / f_a) / step;
        const bool steady = slope >= (1.0 - 1e-3) * slope_prev;
        const bool slowly_falling = slope >= 0.9 * slope_prev && slope * step >= 10.0;
        if (!std::isfinite(edge) && slope > 0.0 && (steady || slowly_falling) &&
            f_a / (steady ? slope : 0.9 * slope) < 1e-15) {
            tail = f_a / (steady ? slope : 0.9 * slope);
            break;
        }
        slope_prev = slope;
        f_top = f_a;
        step *= 2.0;
    }
    out.total = mass + tail;
    out.edge = edge;
    // Ascending: mass below e^{log_x[k]} = total - mass above it (between it and e^t).
    for (std::size_t k = log_x.size(); k-- > 0;) {
        out.log_x.push_back(log_x[k]);
        out.mass.push_back(std::max(0.0, out.total - above[k]));
    }
    return out;
}

Density jacobian_density(const MlpMasterEquation& eq, std::vector<double> x, int points) {
    if (points < 2 && x.empty()) throw std::invalid_argument("points must be at least 2");
    Density out;
    out.atoms = atoms(eq);
    out.relative_epsilon = kRelativeEpsilon;
    const std::vector<double> candidates = critical_values(eq);
    const double upper = log_upper_bulk_edge(eq, out.atoms, candidates);
    const bool bulk = std::isfinite(upper);
    out.support_upper = bulk ? checked_exp(upper, eq, "upper edge of the spectrum") : 0.0;
    out.lambda_max = out.support_upper;
    for (const Atom& a : out.atoms)
        if (a.mass > 0.0) out.lambda_max = std::max(out.lambda_max, a.location);
    const StieltjesSolver solver(eq);
    const std::vector<Atom>& atom_list = out.atoms;
    const bool default_x = x.empty();
    if (bulk) {
        // Lower end: a hard edge (a critical value with density only above it), or the point
        // below which the pile-up towards 0 holds less than kGridTailMass.
        double hard = -std::numeric_limits<double>::infinity();
        for (double c : candidates) {
            if (c >= upper) break;
            if (near_atom(atom_list, c)) continue;
            // Just above a hard edge the density is ~√(1e-5) ≈ 3e-3 of its scale; just below
            // it only the Poisson tail of height ε and rounding remain (far below 1e-3 of that).
            const double above = probe_density(solver, atom_list, c + 1e-5);
            if (above > 0.0 && probe_density(solver, atom_list, c - 1e-5) < 1e-3 * above &&
                !has_mass_below(out.atoms, c - 1e-7)) {
                hard = c;
            }
        }
        out.lower_edge_is_hard = std::isfinite(hard);
        if (default_x) {
            double lower = hard;
            if (!(hard >= kLogSmallestGrid)) {
                // The pile-up below the top two decades, walked down in log x: the grid starts
                // at the first point with at most kGridTailMass below (never below 1e-300).
                const LowerTail tail =
                    lower_tail(solver, atom_list, std::max(upper - std::log(100.0), hard), hard);
                std::size_t k = tail.log_x.size() - 1;
                while (k > 0 && tail.mass[k] > kGridTailMass && tail.log_x[k - 1] >= kLogSmallestGrid) --k;
                lower = tail.log_x[k];
                if (tail.edge >= kLogSmallestGrid) {  // the walk ended at a hard edge: start there
                    hard = lower = tail.edge;
                    out.lower_edge_is_hard = true;
                }
            }
            out.support_lower = std::exp(lower);
            const bool logarithmic = upper - lower > std::log(100.0);
            out.logarithmic_grid = logarithmic ? 1 : 0;
            x = logarithmic ? default_grid(lower, upper, true, out.lower_edge_is_hard, points)
                            : default_grid(out.support_lower, out.support_upper, false, true, points);
        } else {
            out.support_lower = out.lower_edge_is_hard ? std::exp(hard) : 0.0;
        }
        // The mass below the first grid point (which lies above the lower end of a default grid):
        // integrated down to the hard edge, or through the pile-up.
        const double first = std::log(*std::min_element(x.begin(), x.end()));
        if (first > hard) {
            const LowerTail tail = lower_tail(solver, atom_list, std::min(first, upper), hard);
            out.mass_below_grid = tail.total;
            out.tail_log_x = tail.log_x;
            out.tail_mass = tail.mass;
        }
    } else if (default_x) {
        x = default_grid(out.lambda_max * 0.5, out.lambda_max * 1.5, false, true, points);
        out.logarithmic_grid = 0;
    }
    std::vector<double> t(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) t[i] = std::log(x[i]);
    const GridSolution grid = solver.solve_grid(t, kRelativeEpsilon);
    out.x = x;
    out.density.resize(x.size());
    const complex offset = std::log(complex(1.0, kRelativeEpsilon));
    for (std::size_t i = 0; i < x.size(); ++i) {
        out.density[i] =
            bulk ? scaled_continuous_density(t[i] + offset, grid.one_plus_m[i], atom_list) / x[i] : 0.0;
    }
    out.iterations = grid.iterations;
    out.restarts = grid.restarts;
    out.max_residual = grid.max_residual;
    return out;
}

}  // namespace isometry::freeprob
