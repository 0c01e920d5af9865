"""erf with orthogonal weights near πq* = 1: the law of D² with a heavy 1/D² tail.

D² = e^{−πq z²/2} (φ = erf(√π h/2)) has P(D² < y) ~ y^{1/(πq)}: near q* = 1/π, E[1/D²] =
(1 − πq)^{−1/2} comes from |z| far beyond the ~9.5 standard deviations that carry the moments,
and the lower tail of the spectrum of J Jᵀ reaches y = D² values of 1e-20 and below. These laws
were refused (Newton stalled in the lower tail once y fell below the last node of the rule for
M_{D²}). Checked here: M_{D²} at such y against mpmath, the laws against the moment series and
the law of D² itself in their lower tail, their bulk against Monte Carlo; and two upper edges
that are limits rather than critical points: ReLU at L(1 − p) = 1 and one orthogonal layer.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from scipy import optimize
from scipy.special import erfc

import isometry
from isometry import theory

# The networks that were refused: critical erf at q* = 0.25 for L = 4, 16, 64; and critical erf
# at σ_b² = 0.01 (σ_w² = 1.384307, q* = 0.2918) at L = 16, the slow Monte Carlo test's point.
POINTS = [
    pytest.param(*theory.critical_point("erf", 0.25), 4, id="q0.25-L4"),
    pytest.param(*theory.critical_point("erf", 0.25), 16, id="q0.25-L16"),
    pytest.param(*theory.critical_point("erf", 0.25), 64, id="q0.25-L64"),
    pytest.param(math.sqrt(1.384307), 0.1, 16, id="sb0.1-L16"),
]


def reference(q: float, y: complex) -> tuple[complex, complex]:
    """(1 + M_{D²}(y), dM_{D²}/dy) for erf by mpmath quadrature at 30 digits: 1 + M as
    y E[1/(y − D²)] (no cancellation: it is ~1e-25 here), over the whole range the integrand
    lives on, split at z₀ where d(z₀) = Re y (the near-pole peak) and on to z₀ + 12 (beyond,
    N(z)/|y| has fallen by e^{−72} from its value at z₀)."""
    mp.mp.dps = 30
    y = mp.mpc(y)
    qq = mp.mpf(q)

    def d(z):
        return mp.exp(-mp.pi * qq * z * z / 2)

    def normal(z):
        return 2 * mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)  # both halves of the line

    z0 = mp.sqrt(-2 * mp.log(y.real) / (mp.pi * qq))
    points = [mp.mpf(0), z0 - 1, z0 - mp.mpf("0.01"), z0, z0 + mp.mpf("0.01"), z0 + 1, z0 + 12]
    inverse = mp.quad(lambda z: normal(z) / (y - d(z)), points, maxdegree=14)
    dm = mp.quad(lambda z: -normal(z) * d(z) / (y - d(z)) ** 2, points, maxdegree=14)
    return complex(y * inverse), complex(dm)


@pytest.mark.parametrize("q", [0.25, 0.2918])
@pytest.mark.parametrize("y", [1e-25 * (1 + 1e-10j), 1e-60 * (1 + 1e-10j), 1e-120 * (1 - 1e-10j)])
def test_d2_law_beyond_the_base_nodes_matches_mpmath(q, y):
    """Below y ~ 1e-18 the pole d(z) = y lies beyond |z| = 9.5, where the base rule ends; at
    Im y = 1e-10 Re y, as the density solver evaluates it."""
    _, one_plus_m, dm = isometry._core.testing.d2_stieltjes("erf", q, y)
    ref_one_plus_m, ref_dm = reference(q, y)
    # 1e-10: the rule's accuracy next to the support (test_d2_law); the imaginary part, which
    # carries the density (πyρ_D(y) from the pole, ~1e-3 of |1 + M| at y = 1e-25, q* = 0.2918),
    # to 1e-7 of itself.
    assert abs(one_plus_m - ref_one_plus_m) <= 1e-10 * abs(ref_one_plus_m), (
        one_plus_m,
        ref_one_plus_m,
    )
    assert abs(one_plus_m.imag - ref_one_plus_m.imag) <= 1e-7 * abs(ref_one_plus_m.imag)
    assert abs(dm - ref_dm) <= 1e-9 * abs(ref_dm)


def solve(sigma_w, sigma_b, depth, **kwargs):
    return theory.jacobian_density("erf", "orthogonal", depth, sigma_w, sigma_b, **kwargs)


@pytest.mark.parametrize("sigma_w,sigma_b,depth", POINTS)
def test_refused_laws_are_probability_measures_with_the_series_moments(sigma_w, sigma_b, depth):
    d = solve(sigma_w, sigma_b, depth)
    x, rho = d.x, d.density
    assert d.diagnostics["logarithmic_grid"]
    assert np.all(np.isfinite(rho)) and np.all(rho >= 0)
    f, t = x * rho, np.log(x)
    on_grid = float(np.sum(np.diff(t) * (f[1:] + f[:-1]) / 2))
    # No atoms (D² > 0). 1e-6: the trapezoid rule in log x at 2000 points (second order, ~1e-7).
    assert d.atoms == []
    assert on_grid + d.mass_below_grid == pytest.approx(1.0, abs=1e-6)
    series = theory.jacobian_moments("erf", "orthogonal", depth, sigma_w, sigma_b, order=2).moments
    for k in (1, 2):
        got = float(np.sum(np.diff(t) * ((x ** (k + 1) * rho)[1:] + (x ** (k + 1) * rho)[:-1]) / 2))
        # 1e-5: the same trapezoid rule on x^k ρ, weighted towards the square-root upper edge.
        assert got == pytest.approx(series[k - 1], rel=1e-5), k


@pytest.mark.parametrize("sigma_w,sigma_b,depth", POINTS)
def test_lower_tail_is_l_times_the_law_of_d2(sigma_w, sigma_b, depth):
    """Deep in the lower tail one layer's D² is small and the others act through E[1/D²]:
    with M ≈ −1 and 1 + M ≈ −y E[1/D²], the master equation gives x = y σ_w^{2L}/E[1/D²]^{L−1}
    and x ρ(x) = L y ρ_D(y), with y ρ_D(y) = 2 N(z_y)/(πq z_y), z_y² = 2 log(1/y)/(πq) in closed
    form. The next-order terms are relative O(r), r = L y ρ_D(y)/(y E[1/D²]) the imaginary part
    of 1 + M relative to its size (the density relative to the D² law's scale there)."""
    q = theory.q_star("erf", sigma_w, sigma_b)
    inverse_mean = (1 - math.pi * q) ** -0.5  # E[1/D²] = E[e^{πq z²/2}]

    def log_x_rho(log_y):  # log of L y ρ_D(y)
        z_y = math.sqrt(-2 * log_y / (math.pi * q))
        return math.log(depth * 2 / (math.sqrt(2 * math.pi) * math.pi * q * z_y)) - 0.5 * z_y**2

    def log_ratio(log_y):
        return log_x_rho(log_y) - log_y - math.log(inverse_mean)

    # Points where r = 1e-6, 1e-7, 1e-8: y from 1e-19 (q* = 0.25, L = 4) to 1e-80 (q* = 0.2918),
    # all below d(9.5) = 4e-16 (q* = 0.25) and 1e-18 (q* = 0.2918), where the pole d(z) = y
    # leaves the base nodes.
    log_y = np.array(
        [
            optimize.brentq(lambda t, r=r: log_ratio(t) - math.log(r), -700.0, -1.0)
            for r in (1e-6, 1e-7, 1e-8)
        ]
    )
    log_x = log_y + depth * math.log(sigma_w**2) - (depth - 1) * math.log(inverse_mean)
    want = np.exp([log_x_rho(t) for t in log_y])
    d = solve(sigma_w, sigma_b, depth, x=np.exp(log_x))
    # 1e-4: the next-order terms, measured at −(3..12)·r (≤ 1.2e-5 here), and the rounding of
    # 1 + M (~1e-13 of it) against its imaginary part (r ≥ 1e-8 of it): ≤ 1e-5.
    np.testing.assert_allclose(d.x * d.density, want, rtol=1e-4)


# L = 16 takes seconds (the statistical tier, --slow).
@pytest.mark.parametrize("depth", [4, pytest.param(16, marks=pytest.mark.slow)])
def test_bulk_matches_monte_carlo(depth):
    """The law at q* = 0.25 against the exact spectra of two networks of width 512."""
    sigma_w, sigma_b = theory.critical_point("erf", 0.25)
    law = solve(sigma_w, sigma_b, depth)
    for seed in (1, 2):
        mc = isometry.jacobian_spectrum(
            512,
            depth,
            activation="erf",
            weights="orthogonal",
            sigma_w=sigma_w,
            sigma_b=sigma_b,
            seed=seed,
        )
        # 3·N^(−2/3) = 0.047 at N = 512, as in the reproductions' KS rule: the finite-width shift
        # of the edges dominates (one network's eigenvalues are rigid, sampling noise ~1/N).
        # Measured 0.008–0.016.
        assert law.ks_distance(mc) <= 3 * 512 ** (-2 / 3), seed


@pytest.mark.parametrize("depth", [2, 3, 5, 8])
def test_relu_orthogonal_edge_in_closed_form(depth):
    """z(M) = σ_w^{2L} (M + p)^L / ((1 + M)^{L−1} M) for Bernoulli(p) layers is critical at
    M = p/(L(1 − p) − 1); at L(1 − p) = 1 (ReLU, L = 2) M -> ∞ and the edge is σ_w^{2L}."""
    p, sigma_w = 0.5, math.sqrt(2.0)
    delta = depth * (1 - p) - 1
    if delta == 0:
        want = sigma_w ** (2 * depth)
    else:
        m = p / delta
        want = sigma_w ** (2 * depth) * (m + p) ** depth / ((1 + m) ** (depth - 1) * m)
    # 1e-12: the closed form against the solver's edge, both in double precision.
    assert theory.lambda_max("relu", "orthogonal", depth, sigma_w, 0.0) == pytest.approx(
        want, rel=1e-12
    )


def test_relu_orthogonal_at_depth_two_is_half_an_arcsine_law():
    """L(1 − p) = 1 exactly: z = σ_w⁴(M + ½)²/((1 + M)M) with σ_w² = 2 gives
    (z − 4)(M² + M) = 1, M = (−1 ± √(z/(z − 4)))/2, so ρ(x) = 1/(2π√(x(4 − x))) on (0, 4) (mass
    ½) beside the atom ½ at 0; the upper edge is the limit M -> ∞ (no atom at σ_w^{2L})."""
    x = np.array([1e-6, 0.5, 1.0, 2.0, 3.0, 3.9, 3.999])
    d = theory.jacobian_density("relu", "orthogonal", 2, math.sqrt(2.0), 0.0, x=x)
    # 1e-6: the density at Im z = 1e-10 x is the arcsine law smoothed over 1e-10 x, relative
    # 1e-10·x/(4 − x) ≤ 4e-7 at x = 3.999.
    np.testing.assert_allclose(d.density, 1 / (2 * np.pi * np.sqrt(x * (4 - x))), rtol=1e-6)
    assert d.atoms == [pytest.approx((0.0, 0.5))]
    assert d.lambda_max == pytest.approx(4.0, rel=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "erf"])
def test_one_orthogonal_layer_is_the_law_of_d2(activation):
    """L = 1: J Jᵀ = σ_w² D², so P(λ <= x) = P(D² <= x/σ_w²) = erfc(z_x/√2) with D²(z_x) = x/σ_w²;
    Φ = log(σ_w² y) has no critical point, and the edge is σ_w² (D² <= φ'(0)² = 1)."""
    sigma_w = 1.05
    law = theory.jacobian_density(activation, "orthogonal", 1, sigma_w, 0.0)
    assert law.lambda_max == pytest.approx(sigma_w**2, rel=1e-12)
    q = law.q_star
    x = np.array([0.02, 0.3, 0.8, 1.0, 1.1])
    u = x / sigma_w**2
    if activation == "tanh":  # D² = sech⁴(√q z)
        z = np.arccosh(u**-0.25) / math.sqrt(q)
    else:  # D² = e^{−πq z²/2}
        z = np.sqrt(-2 * np.log(u) / (math.pi * q))
    # 1e-4: linear interpolation of the distribution function between the points of the
    # 2000-point grid (measured ≤ 6e-5 next to the inverse-square-root top edge).
    np.testing.assert_allclose(law.cdf(x), erfc(z / math.sqrt(2)), atol=1e-4)
