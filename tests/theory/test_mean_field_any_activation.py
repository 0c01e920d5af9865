"""Mean field for any activation: the correlation map, c*, depth scales, the critical curve, the
phase diagram, and user-defined activations.

References are computed here independently of the C++ core: closed forms, scipy quadrature,
mpmath at high precision, the tables of docs/theory/reference_values.md, and direct iteration of
the maps.
"""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, special

import isometry
from isometry._internal.core import _core
from isometry.theory import (
    Activation,
    DepthScales,
    c_star,
    chi1,
    correlation_map,
    critical_point,
    depth_scales,
    derivative_moments,
    edge_of_chaos,
    length_map,
    phase_diagram,
    q_star,
)
from isometry.theory.activation import core_activation

SQRT_PI_2 = math.sqrt(math.pi) / 2

# The built-ins again as Python callables, for the custom-activation path.
TANH = Activation(np.tanh, lambda h: 1.0 - np.tanh(h) ** 2, name="tanh (numpy)")
TANH_SCALAR = Activation(math.tanh, lambda h: 1.0 / math.cosh(h) ** 2, name="tanh (math)")
RELU = Activation(
    lambda h: np.maximum(h, 0.0), lambda h: np.where(h > 0, 1.0, 0.0), kinks=(0.0,), name="relu"
)
HARD_TANH = Activation(
    lambda h: np.clip(h, -1.0, 1.0),
    lambda h: np.where(np.abs(h) < 1, 1.0, 0.0),
    kinks=(-1.0, 1.0),
    name="hard_tanh",
)
ERF = Activation(
    lambda h: special.erf(SQRT_PI_2 * h), lambda h: np.exp(-math.pi * h * h / 4), name="erf"
)


def npdf(z):
    return np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


# ----------------------------------------------------------------------------------------------
# Closed forms of the correlation map against independent two-dimensional quadrature


def dblquad_cross(f, g, q, c, z1_pieces, z2_lower=None):
    """E[f(u1) g(u2)] by scipy.integrate.dblquad over z1 pieces (z2 from z2_lower(z1) or -12 to 12)."""
    s = math.sqrt((1 - c) * (1 + c))
    rq = math.sqrt(q)

    def integrand(z2, z1):
        return f(rq * z1) * g(rq * (c * z1 + s * z2)) * npdf(z1) * npdf(z2)

    total = 0.0
    for a, b in itertools.pairwise(z1_pieces):
        lower = z2_lower if z2_lower is not None else (lambda z1: -12.0)
        total += integrate.dblquad(
            integrand, a, b, lower, lambda z1: 12.0, epsabs=1e-15, epsrel=1e-13
        )[0]
    return total


@pytest.mark.parametrize("q,c", [(0.4, 0.3), (1.0, 0.8), (3.0, -0.5)])
@pytest.mark.parametrize("sigma_w,sigma_b", [(1.2, 0.4), (2.0, 0.0)])
def test_relu_correlation_map_is_the_arc_cosine_kernel(q, c, sigma_w, sigma_b):
    # Both factors are positive only for z1 > 0 and c z1 + s z2 > 0: integrate that wedge, where
    # the integrand is smooth, so dblquad reaches ~1e-13.
    s = math.sqrt(1 - c * c)
    cross = dblquad_cross(
        lambda h: h, lambda h: h, q, c, [0.0, 12.0], z2_lower=lambda z1: max(-c * z1 / s, -12.0)
    )
    expected = (sigma_w**2 * cross + sigma_b**2) / (sigma_w**2 * q / 2 + sigma_b**2)
    # 1e-10 relative: the target for closed forms.
    assert rel(correlation_map("relu", c, sigma_w, sigma_b, q=q), expected) <= 1e-10
    d_expected = dblquad_cross(
        lambda h: 1.0, lambda h: 1.0, q, c, [0.0, 12.0], z2_lower=lambda z1: max(-c * z1 / s, -12.0)
    )
    assert rel(_core.derivative_cross_moment("relu", q, c), d_expected) <= 1e-10


@pytest.mark.parametrize("q,c", [(0.3, 0.5), (1.0, -0.7), (4.0, 0.95)])
def test_erf_correlation_map_closed_form(q, c):
    f = lambda h: math.erf(SQRT_PI_2 * h)
    cross = dblquad_cross(f, f, q, c, [-12.0, 0.0, 12.0])
    expected = (1.7**2 * cross + 0.2**2) / (1.7**2 * _core.second_moment("erf", q) + 0.2**2)
    # 1e-10 relative: the target for closed forms (dblquad is good to ~1e-13 here).
    assert rel(correlation_map("erf", c, 1.7, 0.2, q=q), expected) <= 1e-10
    d = lambda h: math.exp(-math.pi * h * h / 4)
    assert (
        rel(
            _core.derivative_cross_moment("erf", q, c),
            dblquad_cross(d, d, q, c, [-12.0, 0.0, 12.0]),
        )
        <= 1e-10
    )


@pytest.mark.parametrize("q,c", [(0.2, 0.6), (1.0, 0.999), (5.0, -0.3)])
def test_hard_tanh_cross_moments_against_nested_scipy_quadrature(q, c):
    # Independent of the core's closed-form inner expectation: plain nested scipy.quad, every
    # level split at the kinks.
    s, rq = math.sqrt(1 - c * c), math.sqrt(q)
    clip = lambda h: min(max(h, -1.0), 1.0)
    step = lambda h: 1.0 if -1 < h < 1 else 0.0

    def nested(f, g):
        def inner(z1):
            m, b = rq * c * z1, rq * s
            pts = sorted(p for p in ((-1 - m) / b, (1 - m) / b) if -12 < p < 12)
            return integrate.quad(
                lambda z2: g(m + b * z2) * npdf(z2),
                -12,
                12,
                points=pts,
                epsabs=1e-14,
                epsrel=1e-12,
                limit=200,
            )[0]

        kinks = [k / rq for k in (-1, 1)] + [k / (rq * c) for k in (-1, 1)]
        pts = sorted(p for p in kinks if -12 < p < 12)
        return integrate.quad(
            lambda z1: f(rq * z1) * inner(z1) * npdf(z1),
            -12,
            12,
            points=pts,
            epsabs=1e-14,
            epsrel=1e-12,
            limit=200,
        )[0]

    # 1e-10 relative to the c = 1 value (E[φ²] resp. μ₁), the scale of the map.
    assert abs(
        _core.cross_moment("hard_tanh", q, c) - nested(clip, clip)
    ) <= 1e-10 * _core.second_moment("hard_tanh", q)
    assert abs(
        _core.derivative_cross_moment("hard_tanh", q, c) - nested(step, step)
    ) <= 1e-10 * _core.derivative_moment("hard_tanh", q, 1)


@pytest.mark.parametrize("c", [0.3, 0.99, 1 - 1e-6, 1 - 1e-10])
@pytest.mark.parametrize("q", [0.3, 2.0, 20.0])
def test_cross_moment_gap_keeps_its_accuracy_as_c_tends_to_one(q, c):
    # E[φ²] − E[φ(u1)φ(u2)] ~ (1 − c): the closed forms are regrouped so that nothing cancels; against
    # 40-digit mpmath evaluations of the plain difference, 1e-13 relative (rounding only, ~1e-15).
    mpmath.mp.dps = 40
    Q, C = mpmath.mpf(q), mpmath.mpf(c)
    t = mpmath.pi * Q / 2
    references = {
        "linear": Q * (1 - C),
        "relu": Q / 2
        - Q / (2 * mpmath.pi) * (mpmath.sqrt(1 - C * C) + (mpmath.pi - mpmath.acos(C)) * C),
        "erf": 2 / mpmath.pi * (mpmath.asin(t / (1 + t)) - mpmath.asin(t * C / (1 + t))),
    }
    for name, ref in references.items():
        assert rel(_core.testing.cross_moment_gap(name, q, c), float(ref)) <= 1e-13
    # Quadratures (tanh: trapezoids, hard_tanh: closed-form inner; both against the custom path's
    # nested Gauss–Kronrod of ½(φ(u1) − φ(u2))²): 1e-10 relative, with rounding of the
    # difference (~ε/√(1 − c) = 2e-11 at 1 − c = 1e-10) inside it.
    for name, custom in (("tanh", TANH), ("hard_tanh", HARD_TANH)):
        assert (
            rel(
                _core.testing.cross_moment_gap(name, q, c),
                _core.testing.cross_moment_gap(core_activation(custom), q, c),
            )
            <= 1e-10
        )


def mpmath_tanh_cross(q, c, derivative):
    # 18 digits, Gauss–Legendre on [-9, 0, 9]² (the Gaussian weight beyond 9 is < 1e-17).
    mpmath.mp.dps = 18
    s, rq = mpmath.sqrt(1 - mpmath.mpf(c) ** 2), mpmath.sqrt(q)
    f = (lambda h: 1 / mpmath.cosh(h) ** 2) if derivative else mpmath.tanh
    pieces = [-9, 0, 9]
    value = mpmath.quad(
        lambda z1, z2: (
            f(rq * z1) * f(rq * (c * z1 + s * z2)) * mpmath.exp(-(z1 * z1 + z2 * z2) / 2)
        ),
        pieces,
        pieces,
        method="gauss-legendre",
    )
    return float(value / (2 * mpmath.pi))


def test_tanh_cross_moment_against_mpmath():
    # 1e-8 relative against an 18-digit reference: the target for tanh. (~2 s of mpmath.)
    assert rel(_core.cross_moment("tanh", 1.5, 0.6), mpmath_tanh_cross(1.5, 0.6, False)) <= 1e-8


@pytest.mark.slow
def test_tanh_derivative_cross_moment_against_mpmath():
    # As above, for E[φ'φ'], which sets ξ_c. (~3 s of mpmath.)
    assert (
        rel(_core.derivative_cross_moment("tanh", 1.5, 0.6), mpmath_tanh_cross(1.5, 0.6, True))
        <= 1e-8
    )


@settings(max_examples=40, deadline=None)
@given(q=st.floats(1e-3, 50.0), c=st.floats(-1.0, 1.0))
def test_cross_moments_obey_cauchy_schwarz_and_the_map_fixes_one(q, c):
    for name in ("tanh", "hard_tanh", "erf", "relu"):
        # |E[φ(u1)φ(u2)]| <= E[φ²]: exact, up to the quadrature's 1e-12 relative accuracy.
        assert abs(_core.cross_moment(name, q, c)) <= _core.second_moment(name, q) * (1 + 1e-12)
        assert abs(_core.derivative_cross_moment(name, q, c)) <= _core.derivative_moment(
            name, q, 1
        ) * (1 + 1e-12)
    assert correlation_map("tanh", 1.0, 1.3, 0.2, q=q) == 1.0  # normalised by q^{l+1}: exactly 1


# ----------------------------------------------------------------------------------------------
# The critical curve against docs/theory/reference_values.md ("Values on the critical line") and
# PSG18 Table 1

# σ_b², then (σ_w², q*) for tanh, hard-tanh, erf (√π/2 form), printed to 6 decimals.
CRITICAL_LINE = [
    (
        1e-4,
        {
            "tanh": (1.086026, 0.045709),
            "hard_tanh": (1.001211, 0.095460),
            "erf": (1.078843, 0.052171),
        },
    ),
    (
        0.01,
        {
            "tanh": (1.424205, 0.273301),
            "hard_tanh": (1.052061, 0.259146),
            "erf": (1.384307, 0.291669),
        },
    ),
    (
        0.05,
        {
            "tanh": (1.760955, 0.570048),
            "hard_tanh": (1.165545, 0.463864),
            "erf": (1.687361, 0.587978),
        },
    ),
    (
        0.1,
        {
            "tanh": (1.986073, 0.805799),
            "hard_tanh": (1.263406, 0.632155),
            "erf": (1.890589, 0.819434),
        },
    ),
    (
        0.3,
        {
            "tanh": (2.505127, 1.461169),
            "hard_tanh": (1.527590, 1.123115),
            "erf": (2.362031, 1.457601),
        },
    ),
    (
        1.0,
        {
            "tanh": (3.443211, 3.036396),
            "hard_tanh": (2.072709, 2.387810),
            "erf": (3.223188, 2.988592),
        },
    ),
]
HALF_UNIT = 5e-7  # half a unit in the 6th decimal the table prints
TABLE_RTOL = 1e-8  # the table's own stated accuracy


@pytest.mark.parametrize("var_b,table", CRITICAL_LINE, ids=[f"{v}" for v, _ in CRITICAL_LINE])
@pytest.mark.parametrize("activation", ["tanh", "hard_tanh", "erf"])
def test_critical_point_reproduces_the_table(var_b, table, activation):
    var_w_ref, q_ref = table[activation]
    sw, sb = critical_point(activation, q_ref)
    # The table's q* is off by up to HALF_UNIT (rounding) + 1e-8 relative (accuracy): that moves
    # σ_w² and σ_b² by |d/dq*| times as much (slopes by central differences), on top of the
    # rounding and accuracy of the printed σ_w² itself. σ_b² was an exact input of the table.
    h = 1e-5
    (w_hi, b_hi), (w_lo, b_lo) = (
        critical_point(activation, q_ref + h),
        critical_point(activation, q_ref - h),
    )
    dvw, dvb = (w_hi**2 - w_lo**2) / (2 * h), (b_hi**2 - b_lo**2) / (2 * h)
    q_error = HALF_UNIT + TABLE_RTOL * q_ref
    assert abs(sw**2 - var_w_ref) <= HALF_UNIT + TABLE_RTOL * var_w_ref + abs(dvw) * q_error
    assert abs(sb**2 - var_b) <= abs(dvb) * q_error


@pytest.mark.parametrize("var_b,table", CRITICAL_LINE, ids=[f"{v}" for v, _ in CRITICAL_LINE])
@pytest.mark.parametrize("activation", ["tanh", "hard_tanh", "erf"])
def test_edge_of_chaos_reproduces_the_table(var_b, table, activation):
    var_w_ref, q_ref = table[activation]
    sw = edge_of_chaos(activation, math.sqrt(var_b))
    # σ_b² is exact in the table, so σ_w² and q* carry only their printed rounding and the
    # table's 1e-8 accuracy.
    assert abs(sw**2 - var_w_ref) <= HALF_UNIT + TABLE_RTOL * var_w_ref
    assert abs(q_star(activation, sw, math.sqrt(var_b)) - q_ref) <= HALF_UNIT + TABLE_RTOL * q_ref
    # And the point really is critical: χ₁ = 1 up to the quadrature's accuracy (tanh ~1e-14).
    assert chi1(activation, sw, math.sqrt(var_b)) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("q", [1e-6, 0.01, 0.5, 3.0, 100.0])
def test_table_1_critical_weights(q):
    # PSG18 Table 1: hard-tanh σ_w² = 1/erf(1/√(2q*)), erf σ_w² = √(1 + πq*). Same closed forms on
    # both sides up to a sqrt and a square: 1e-14 relative.
    assert rel(critical_point("hard_tanh", q)[0] ** 2, 1 / math.erf(1 / math.sqrt(2 * q))) <= 1e-14
    assert rel(critical_point("erf", q)[0] ** 2, math.sqrt(1 + math.pi * q)) <= 1e-14
    # Homogeneous activations: the whole curve is one point.
    assert critical_point("linear", q) == (1.0, 0.0)
    assert critical_point("relu", q) == (math.sqrt(2.0), 0.0)
    # σ_b² against an independent scipy quadrature of E[clip(√q z)²] (1e-10 relative; where σ_b² is
    # below 1e-10 q* it is within rounding of the cancellation q* − σ_w² E[φ²]).
    e2 = integrate.quad(
        lambda z: min(max(math.sqrt(q) * z, -1), 1) ** 2 * npdf(z),
        -12,
        12,
        points=[-1 / math.sqrt(q), 1 / math.sqrt(q)],
        epsabs=0,
        epsrel=1e-13,
        limit=200,
    )[0]
    var_b = q - e2 / math.erf(1 / math.sqrt(2 * q))
    # The reference's E is good to ~1e-13 relative, i.e. 1e-13 q absolute in the difference.
    assert abs(critical_point("hard_tanh", q)[1] ** 2 - var_b) <= 1e-10 * abs(var_b) + 1e-12 * q


def test_edge_of_chaos_at_zero_bias_and_homogeneous():
    for name in ("tanh", "hard_tanh", "erf", "linear"):
        assert edge_of_chaos(name, 0.0) == 1.0  # 1/|φ'(0)|
    assert edge_of_chaos("relu", 0.0) == math.sqrt(2.0)
    with pytest.raises(ValueError, match="no critical point of relu with sigma_b = 0.1"):
        edge_of_chaos("relu", 0.1)
    with pytest.raises(ValueError, match="no critical point of linear"):
        edge_of_chaos("linear", 0.5)


# ----------------------------------------------------------------------------------------------
# Depth scales and c*: docs/theory/reference_values.md ("Mean field and depth scales"), and direct
# iteration of the maps

# docs/theory/reference_values.md reports ξ_q and ξ_c of tanh at three points without their
# parameters; these are the (σ_w², σ_b²) that reproduce them (found by scanning round values; the same scan gives the
# q* values listed there, e.g. (1.5, 0.05) -> 0.418037 and (3, 0.1) -> 1.507632).
THEORY_9D = [
    # (σ_w², σ_b², ξ_q, ξ_c, c*)
    (1.3, 0.3, 0.8501, 2.5334, 1.0),
    (1.5, 0.05, 1.6828, 15.791, 1.0),
    (3.0, 0.1, 0.9831, 8.985, 0.47754),  # "chaotic point, c* = 0.47754"
]


@pytest.mark.parametrize("var_w,var_b,xi_q,xi_c,c_ref", THEORY_9D)
def test_depth_scales_reproduce_theory_9d(var_w, var_b, xi_q, xi_c, c_ref):
    sw, sb = math.sqrt(var_w), math.sqrt(var_b)
    scales = depth_scales("tanh", sw, sb)
    assert isinstance(scales, DepthScales)

    def half_unit(x):  # half a unit in the last printed digit
        return 0.5 * 10.0 ** -len(repr(x).split(".")[1])

    assert abs(scales.xi_q - xi_q) <= half_unit(xi_q)
    assert abs(scales.xi_c - xi_c) <= half_unit(xi_c)
    assert abs(c_star("tanh", sw, sb) - c_ref) <= half_unit(c_ref)


def fitted_depth_scale(values, fixed_point):
    """−1/slope of log|x_l − x*| against l by least squares."""
    logs = np.log(np.abs(np.asarray(values) - fixed_point))
    slope = np.polyfit(np.arange(len(logs)), logs, 1)[0]
    return -1.0 / slope


@pytest.mark.parametrize(
    "activation,var_w,var_b",
    [
        ("tanh", 1.3, 0.3),
        ("tanh", 3.0, 0.1),
        ("erf", 2.5, 0.2),
        ("hard_tanh", 1.8, 0.05),
        (TANH, 2.2, 0.1),
    ],
    ids=["tanh-ordered", "tanh-chaotic", "erf-chaotic", "hard_tanh-chaotic", "custom-tanh-chaotic"],
)
def test_depth_scales_are_the_decay_rates_of_the_iterated_maps(activation, var_w, var_b):
    sw, sb = math.sqrt(var_w), math.sqrt(var_b)
    q = q_star(activation, sw, sb)
    scales = depth_scales(activation, sw, sb)

    # Length map from q* (1 + 1e-6): the map's curvature shifts the fitted rate by O(1e-6), and
    # rounding (1e-16 q against deviations >= 1e-9 q) by less; 1e-4 leaves margin.
    qs = [q * (1 + 1e-6)]
    for _ in range(8):
        qs.append(length_map(activation, qs[-1], sw, sb))
    assert rel(fitted_depth_scale(qs, q), scales.xi_q) <= 1e-4

    # Correlation map at q*, started 1e-6 away from c*. The map is accurate to ~1e-13 absolute,
    # so deviations >= 1e-8 are resolved to 1e-5; with the O(1e-6) curvature, 1e-4 again.
    c0 = c_star(activation, sw, sb)
    cs = [c0 - 1e-6]
    for _ in range(8):
        cs.append(correlation_map(activation, cs[-1], sw, sb, q=q))
    assert rel(fitted_depth_scale(cs, c0), scales.xi_c) <= 1e-4


def test_c_star_of_chaotic_points():
    # A chaotic tanh point: c* is a fixed point of the map (to its 1e-12 accuracy) with slope < 1.
    sw, sb = math.sqrt(3.0), math.sqrt(0.1)
    c0, q = c_star("tanh", sw, sb), q_star("tanh", sw, sb)
    assert 0 < c0 < 1 and chi1("tanh", sw, sb) > 1
    assert abs(correlation_map("tanh", c0, sw, sb) - c0) <= 1e-12
    # erf has everything in closed form: an independent brentq on the closed-form map, 1e-12.
    sw, sb = 2.0, 0.3
    q = q_star("erf", sw, sb)
    t = math.pi * q / 2
    closed = lambda c: (sw**2 * 2 / math.pi * math.asin(t * c / (1 + t)) + sb**2) / q
    reference = optimize.brentq(lambda c: closed(c) - c, 0.0, 0.999, xtol=1e-15)
    assert abs(c_star("erf", sw, sb) - reference) <= 1e-12
    # Odd φ without bias: c* = 0 exactly (E[φ(u1)φ(u2)] vanishes at c = 0).
    assert c_star("tanh", 2.0, 0.0) == 0.0
    # Ordered phase and criticality: c* = 1.
    assert c_star("tanh", 1.1, 0.5) == 1.0 and c_star("tanh", 0.8, 0.0) == 1.0


def test_c_star_just_above_criticality():
    # With x = 1 − c and f(c) ≈ 1 − χ₁ x + κ x²/2, κ = f''(1) = σ_w² q* E[φ''(√q* z)²], the chaotic
    # fixed point is 1 − c* ≈ 2 (χ₁ − 1)/κ. At χ₁ − 1 ≈ 1e-7 the next order is 1e-7 relative and the
    # gap's 1e-12 accuracy over 1 − c* ≈ 4e-7 is ~3e-6: 1e-5.
    sb = 0.3
    sw0 = edge_of_chaos("tanh", sb)
    q = q_star("tanh", sw0, sb)
    second = lambda z: (
        (2 * math.tanh(math.sqrt(q) * z) / math.cosh(math.sqrt(q) * z) ** 2) ** 2 * npdf(z)
    )
    kappa = (
        sw0**2
        * q
        * integrate.quad(second, -12, 12, points=[0], epsabs=0, epsrel=1e-13, limit=200)[0]
    )
    sw = sw0 * (1 + 1e-7)
    ratio = (1 - c_star("tanh", sw, sb)) / (chi1("tanh", sw, sb) - 1)
    assert rel(ratio, 2 / kappa) <= 1e-5


def test_depth_scales_at_criticality_and_without_fixed_point():
    sw, sb = critical_point("erf", 0.7)
    assert depth_scales("erf", sw, sb).xi_c == math.inf  # χ₁ = 1 to rounding
    assert depth_scales("tanh", 1.0, 0.0) == DepthScales(math.inf, math.inf)
    assert depth_scales("relu", math.sqrt(2.0), 0.0) == DepthScales(math.inf, math.inf)
    # q* = 0 (ordered, no bias): both slopes are χ₁ = σ_w² φ'(0)².
    # (1e-15: the same expression, evaluated in C++ and in Python.)
    np.testing.assert_allclose(
        depth_scales("tanh", 0.9, 0.0), [-1 / math.log(0.81)] * 2, rtol=1e-15
    )
    np.testing.assert_allclose(
        depth_scales("relu", 1.2, 0.0), [-1 / math.log(0.72)] * 2, rtol=1e-15
    )
    # Ordered relu with bias: q* = σ_b²/(1 − σ_w²/2), both maps have slope σ_w²/2.
    assert depth_scales("relu", 1.2, 0.5).xi_c == pytest.approx(-1 / math.log(0.72), rel=1e-15)
    with pytest.raises(ValueError, match="diverges"):
        depth_scales("relu", 1.6, 0.1)
    with pytest.raises(ValueError, match="diverges"):
        c_star("linear", 1.1, 0.0)


# ----------------------------------------------------------------------------------------------
# User-defined activations


@pytest.mark.parametrize("custom", [TANH, TANH_SCALAR], ids=["vectorised", "scalar"])
def test_custom_tanh_reproduces_builtin_tanh(custom):
    # The built-in tanh uses trapezoidal rules, the custom path piecewise Gauss–Kronrod: 1e-9
    # relative is the target (both are ~1e-13).
    pairs = [
        (q_star("tanh", 1.4, 0.3), q_star(custom, 1.4, 0.3)),
        (chi1("tanh", 1.4, 0.3), chi1(custom, 1.4, 0.3)),
        (length_map("tanh", 0.7, 1.4, 0.3), length_map(custom, 0.7, 1.4, 0.3)),
        (correlation_map("tanh", 0.3, 1.4, 0.3), correlation_map(custom, 0.3, 1.4, 0.3)),
        (c_star("tanh", 1.8, 0.2), c_star(custom, 1.8, 0.2)),
        (edge_of_chaos("tanh", 0.3), edge_of_chaos(custom, 0.3)),
        (q_star("tanh", 1.3, 0.0), q_star(custom, 1.3, 0.0)),
    ]
    pairs += list(zip(depth_scales("tanh", 1.8, 0.2), depth_scales(custom, 1.8, 0.2)))
    pairs += list(zip(critical_point("tanh", 0.8), critical_point(custom, 0.8)))
    pairs += list(zip(derivative_moments("tanh", 0.8, 3), derivative_moments(custom, 0.8, 3)))
    pairs += list(zip(derivative_moments("tanh", 0.0, 2), derivative_moments(custom, 0.0, 2)))
    for builtin, user in pairs:
        assert rel(user, builtin) <= 1e-9


@pytest.mark.parametrize("q", [0.05, 1.0, 30.0])
def test_custom_relu_reproduces_relu_closed_forms(q):
    # Quadrature split at the kink against the closed forms: 1e-10 relative (the closed-form target).
    assert rel(_core.second_moment(core_activation(RELU), q), q / 2) <= 1e-10
    assert rel(_core.second_moment_slope(core_activation(RELU), q), 0.5) <= 1e-10
    for c in (-0.9, 0.0, 0.6, 0.999999):
        assert (
            rel(correlation_map(RELU, c, 1.2, 0.4, q=q), correlation_map("relu", c, 1.2, 0.4, q=q))
            <= 1e-10
        )
        assert (
            rel(
                _core.derivative_cross_moment(core_activation(RELU), q, c),
                (math.pi - math.acos(c)) / (2 * math.pi),
            )
            <= 1e-10
        )
    assert rel(q_star(RELU, 1.2, 0.5), 0.25 / (1 - 0.72)) <= 1e-10
    assert derivative_moments(RELU, 0.0, 2).tolist() == [0.5, 0.5]  # one-sided limits at the kink
    assert q_star(RELU, 1.2, 0.0) == 0.0 and chi1(RELU, 1.2, 0.0) == pytest.approx(0.72, rel=1e-15)
    with pytest.raises(ValueError, match="diverges"):
        q_star(RELU, 1.6, 0.1)
    with pytest.raises(ValueError, match="no critical point"):
        edge_of_chaos(RELU, 0.2)


def test_custom_hard_tanh_and_erf_reproduce_builtins():
    # hard_tanh: two kinks; erf: a smooth φ with a different strip of analyticity. 1e-10 relative
    # to the c = 1 values (E[φ²], μ₁).
    for custom, name in ((HARD_TANH, "hard_tanh"), (ERF, "erf")):
        for q in (0.1, 2.0, 400.0):
            assert (
                rel(_core.second_moment(core_activation(custom), q), _core.second_moment(name, q))
                <= 1e-10
            )
            assert (
                rel(
                    _core.second_moment_slope(core_activation(custom), q),
                    _core.second_moment_slope(name, q),
                )
                <= 1e-10
            )
            for c in (-0.5, 0.3, 0.9999):
                scale = _core.second_moment(name, q)
                assert (
                    abs(
                        _core.cross_moment(core_activation(custom), q, c)
                        - _core.cross_moment(name, q, c)
                    )
                    <= 1e-10 * scale
                )
        assert rel(c_star(custom, 1.6, 0.1), c_star(name, 1.6, 0.1)) <= 1e-10


def test_gauss_kronrod_engine_on_exact_cases():
    # Polynomials: φ(h) = h², so E[φ(√q z)²] = 3q², slope 6q; |h| with a kink: E = q. The rule is
    # exact for polynomials piecewise; only rounding of the sum remains (1e-13).
    square = Activation(lambda h: h * h, lambda h: 2 * h)
    absolute = Activation(np.abs, np.sign, kinks=(0,))
    for q in (0.01, 1.0, 7.0):
        assert rel(_core.second_moment(core_activation(square), q), 3 * q * q) <= 1e-13
        assert rel(_core.second_moment_slope(core_activation(square), q), 6 * q) <= 1e-13
        assert rel(_core.second_moment(core_activation(absolute), q), q) <= 1e-13
        assert rel(_core.derivative_moment(core_activation(absolute), q, 2), 1.0) <= 1e-13


def test_custom_activation_critical_point_off_the_curve():
    # φ(h) = h + 1: E[φ²] = q + 1 and μ₁ = 1, so σ_b² = q − (q + 1) = −1 < 0 for every q*.
    shifted = Activation(lambda h: h + 1.0, lambda h: 1.0, name="shifted")
    with pytest.raises(ValueError, match="q\\* = 0.5 lies on no critical point of shifted"):
        critical_point(shifted, 0.5)
    with pytest.raises(ValueError, match="no critical point of shifted with sigma_b = 0.3"):
        edge_of_chaos(shifted, 0.3)


def test_predictions_accept_custom_activations():
    # length_trajectory and the spectrum moments go through length_map / derivative_moments.
    np.testing.assert_allclose(
        isometry.theory.length_trajectory(TANH, 1.3, 0.2, 0.5, 4),
        isometry.theory.length_trajectory("tanh", 1.3, 0.2, 0.5, 4),
        rtol=1e-12,
    )  # quadrature vs trapezoid
    np.testing.assert_allclose(
        isometry.theory.spectrum_mean_and_normalized_variance(
            RELU, "gaussian", 8, math.sqrt(2), 0.7
        ),
        isometry.theory.spectrum_mean_and_normalized_variance(
            "relu", "gaussian", 8, math.sqrt(2), 0.7
        ),
        rtol=1e-12,
    )


def test_new_names_are_exported():
    for name in (
        "Activation",
        "DepthScales",
        "PhaseDiagram",
        "c_star",
        "correlation_map",
        "critical_point",
        "depth_scales",
        "edge_of_chaos",
        "phase_diagram",
    ):
        assert name in isometry.theory.__all__ and hasattr(isometry.theory, name)


# ----------------------------------------------------------------------------------------------
# Phase diagram


def test_phase_diagram_equals_pointwise_functions():
    sw = np.array([0.8, 1.0, 1.3, 2.0, 2.8])
    sb = np.array([0.0, 0.05, 0.4, 1.0])
    d = phase_diagram("tanh", sw, sb)
    assert d.q_star.shape == d.chi1.shape == d.xi_c.shape == (4, 5)
    for i, b in enumerate(sb):
        for j, w in enumerate(sw):
            # The grid runs the same C++ functions per point (threads do not change the
            # arithmetic), so the values are identical, not merely close.
            assert d.q_star[i, j] == q_star("tanh", w, b)
            assert d.chi1[i, j] == chi1("tanh", w, b)
            assert d.c_star[i, j] == c_star("tanh", w, b)
            assert (d.xi_q[i, j], d.xi_c[i, j]) == depth_scales("tanh", w, b)
    assert d.q_star[0, 0] == 0.0 and d.chi1[0, 0] == pytest.approx(0.64, rel=1e-15)
    assert d.xi_c[0, 1] == math.inf  # σ_w = 1, σ_b = 0: the end of the critical curve


def test_phase_diagram_custom_activation_runs_serially_and_agrees():
    d = phase_diagram(TANH, [1.2, 2.0], [0.0, 0.3])
    ref = phase_diagram("tanh", [1.2, 2.0], [0.0, 0.3])
    for name in ("q_star", "chi1", "c_star", "xi_q", "xi_c"):
        # Different quadratures (trapezoid vs Gauss–Kronrod), same answers to 1e-9.
        np.testing.assert_allclose(getattr(d, name), getattr(ref, name), rtol=1e-9, atol=1e-12)


def test_phase_diagram_marks_missing_fixed_points_with_nan():
    root2 = math.sqrt(2.0)
    d = phase_diagram("relu", [1.0, root2, 1.6], [0.0, 0.5])
    # σ_b = 0: ordered (q* = 0), scale invariant (every q), divergent.
    assert d.q_star[0, 0] == 0.0 and np.isnan(d.q_star[0, 1]) and np.isnan(d.q_star[0, 2])
    # χ₁ = σ_w²/2 is defined for relu everywhere (σ_w = √2 squares to 2 (1 + 2ε): rtol 1e-15).
    np.testing.assert_allclose(d.chi1, [[0.5, 1.0, 1.28], [0.5, 1.0, 1.28]], rtol=1e-15)
    assert d.c_star[0, 1] == 1.0 and d.xi_c[0, 1] == math.inf
    assert np.isnan(d.c_star[0, 2]) and np.isnan(d.xi_c[0, 2]) and np.isnan(d.xi_q[1, 2])
    assert d.q_star[1, 0] == pytest.approx(0.25 / 0.5, rel=1e-15)


# ----------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (
            lambda: c_star("sigmoid", 1.0, 0.0),
            ValueError,
            "activation must be one of 'linear', 'tanh', 'hard_tanh', 'relu', 'erf', or an isometry.theory.Activation",
        ),
        (lambda: critical_point("swish", 1.0), ValueError, "activation must be one of"),
        (lambda: phase_diagram(np.tanh, [1.0], [0.0]), TypeError, "activation must be a name"),
        (lambda: depth_scales("tanh", 0.0, 0.1), ValueError, "sigma_w must be > 0"),
        (lambda: depth_scales("tanh", -1.0, 0.1), ValueError, "sigma_w must be > 0"),
        (lambda: c_star("tanh", 1.0, -0.1), ValueError, "sigma_b must be >= 0"),
        (lambda: edge_of_chaos("tanh", -0.1), ValueError, "sigma_b must be >= 0"),
        (lambda: critical_point("tanh", 0.0), ValueError, "q_star must be > 0"),
        (lambda: critical_point("tanh", -2.0), ValueError, "q_star must be > 0"),
        (lambda: critical_point("tanh", math.nan), ValueError, "q_star must be finite"),
        (lambda: edge_of_chaos("tanh", math.inf), ValueError, "sigma_b must be finite"),
        (lambda: correlation_map("tanh", math.nan, 1.0, 0.1), ValueError, "c must be finite"),
        (lambda: correlation_map("tanh", 1.01, 1.0, 0.1), ValueError, "c must be in \\[-1, 1\\]"),
        (lambda: correlation_map("tanh", 0.5, 1.0, 0.1, q=-1.0), ValueError, "q must be > 0"),
        (lambda: correlation_map("tanh", 0.5, 0.9, 0.0), ValueError, "q\\* = 0 .* pass q > 0"),
        (lambda: depth_scales("tanh", math.inf, 0.1), ValueError, "sigma_w must be finite"),
        (lambda: chi1("tanh", 1.0, "0.1"), TypeError, "sigma_b must be a real number"),
        (lambda: phase_diagram("tanh", [1.0, -1.0], [0.0]), ValueError, "sigma_w_grid must be > 0"),
        (
            lambda: phase_diagram("tanh", [1.0], [0.0, math.nan]),
            ValueError,
            "sigma_b_grid must be finite",
        ),
        (
            lambda: phase_diagram("tanh", [[1.0]], [0.0]),
            ValueError,
            "sigma_w_grid must be a non-empty 1-D",
        ),
        (
            lambda: phase_diagram("tanh", [], [0.0]),
            ValueError,
            "sigma_w_grid must be a non-empty 1-D",
        ),
        (lambda: Activation("tanh", np.tanh), TypeError, "phi must be callable"),
        (lambda: Activation(np.tanh, None), TypeError, "dphi must be callable"),
        (
            lambda: Activation(np.tanh, np.tanh, kinks=(1.0, math.inf)),
            ValueError,
            "kinks\\[1\\] must be finite",
        ),
        (
            lambda: Activation(np.tanh, np.tanh, kinks=(1.0, 1.0)),
            ValueError,
            "kinks must be distinct",
        ),
    ],
)
def test_mean_field_rejects(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_cpp_exceptions_are_translated():
    # std::invalid_argument from the core arrives as ValueError naming the argument.
    with pytest.raises(ValueError, match="cross_moment: c must be in \\[-1, 1\\]"):
        _core.cross_moment("tanh", 1.0, 2.0)
    with pytest.raises(ValueError, match="critical_point: q_star must be positive"):
        _core.critical_point("tanh", -1.0)
    with pytest.raises(ValueError, match="phase_diagram: sigma_b must be non-negative"):
        _core.phase_diagram("tanh", [1.0], [-1.0])
    with pytest.raises(ValueError, match="kinks must be distinct and ascending"):
        _core.CustomActivation(np.tanh, np.tanh, [1.0, 0.0], "x")


def test_convergence_failure_names_the_point_and_the_error_estimate():
    # A φ with noise never converges: ConvergenceError (a RuntimeError) with the parameters and the
    # quadrature's error estimate in the message.
    rng = np.random.default_rng(0)
    noisy = Activation(
        lambda h: np.tanh(h) + 1e-3 * rng.standard_normal(h.shape),
        lambda h: 1 - np.tanh(h) ** 2,
        name="noisy",
    )
    with pytest.raises(
        isometry.ConvergenceError,
        match=r"sigma_w=1.5, sigma_b=0.2: .*error estimate [\d.e+-]+ > tolerance",
    ) as info:
        q_star(noisy, 1.5, 0.2)
    assert isinstance(info.value, RuntimeError)
    # Growth faster than the Gaussian weight can hold is reported, not silently cut off.
    explosive = Activation(np.exp, np.exp, name="exp")
    with pytest.raises(isometry.ConvergenceError, match="not negligible at \\|z\\| = 10"):
        length_map(explosive, 50.0, 1.0, 0.0)
    # With an error inside the grid, the phase diagram names the grid point.
    with pytest.raises(
        isometry.ConvergenceError, match="phase_diagram at sigma_w = 1.5, sigma_b = 0.2"
    ):
        phase_diagram(noisy, [1.5], [0.2])


def test_errors_raised_by_the_callables_propagate():
    def broken(h):
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError, match="boom"):
        q_star(Activation(broken, np.tanh), 1.0, 0.1)
    nan_phi = Activation(lambda h: np.where(h > 2, np.nan, h), lambda h: 1.0)
    with pytest.raises(ValueError, match="Activation.phi returned nan at h = "):
        length_map(nan_phi, 1.0, 1.0, 0.0)
    wrong_shape = Activation(lambda h: np.zeros((len(h), 2)) if np.ndim(h) else 0.0, lambda h: 1.0)
    # A wrong shape for arrays is taken as a scalar function and evaluated point by point.
    assert length_map(wrong_shape, 1.0, 1.0, 0.3) == pytest.approx(0.09, rel=1e-15)
