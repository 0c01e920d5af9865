"""Mean-field length map, q* and χ₁ against closed forms, quadrature and the table of
docs/theory/reference_values.md."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

import isometry
from isometry._internal.core import _core
from isometry.theory import chi1, derivative_moments, length_map, q_star


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 30), data=st.data())
def test_gauss_hermite_is_exact_for_polynomials(n, data):
    degree = data.draw(st.integers(0, 2 * n - 1))
    nodes, weights = _core.testing.gauss_hermite(n)
    exact = 0.0 if degree % 2 else float(math.prod(range(degree - 1, 0, -2)))  # (k-1)!!
    got = float(np.sum(weights * nodes**degree))
    # Exact up to rounding of the largest terms: ~1e-12 relative to E|z|^k.
    scale = (
        float(math.prod(range(degree - 1, 0, -2)))
        if degree % 2 == 0
        else float(math.prod(range(degree, 0, -2)))
    )
    assert abs(got - exact) <= 1e-12 * max(scale, 1.0)


def _quad_second_moment(phi, q):
    f = lambda z: phi(math.sqrt(q) * z) ** 2 * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    # Split at the kinks of clipped activations so adaptive quadrature sees smooth pieces.
    points = [-1 / math.sqrt(q), 1 / math.sqrt(q)]
    return integrate.quad(f, -40, 40, points=points, epsabs=1e-14, epsrel=1e-13, limit=200)[0]


@pytest.mark.parametrize("q", [1e-3, 0.05, 0.5, 2.0, 30.0])
def test_closed_forms_match_quadrature(q):
    hard = lambda h: min(max(h, -1.0), 1.0)
    erf = lambda h: math.erf(math.sqrt(math.pi) / 2 * h)
    # 1e-10 relative: the target for closed forms.
    assert _core.second_moment("hard_tanh", q) == pytest.approx(
        _quad_second_moment(hard, q), rel=1e-10
    )
    assert _core.second_moment("erf", q) == pytest.approx(_quad_second_moment(erf, q), rel=1e-10)
    assert _core.second_moment("relu", q) == pytest.approx(q / 2, rel=1e-15)
    assert _core.derivative_moment("hard_tanh", q, 3) == pytest.approx(
        math.erf(1 / math.sqrt(2 * q)), rel=1e-14
    )


@pytest.mark.parametrize("q", [0.01, 0.3, 1.0, 5.0])
def test_tanh_quadrature_against_mpmath(q):
    mpmath.mp.dps = 30
    ref = mpmath.quad(
        lambda z: mpmath.tanh(mpmath.sqrt(q) * z) ** 2 * mpmath.npdf(z),
        [-mpmath.inf, 0, mpmath.inf],
    )
    mu2 = mpmath.quad(
        lambda z: (1 - mpmath.tanh(mpmath.sqrt(q) * z) ** 2) ** 4 * mpmath.npdf(z),
        [-mpmath.inf, 0, mpmath.inf],
    )
    # 1e-8 relative against a high-precision reference (the theory issue's target for tanh).
    assert _core.second_moment("tanh", q) == pytest.approx(float(ref), rel=1e-8)
    assert _core.derivative_moment("tanh", q, 2) == pytest.approx(float(mu2), rel=1e-8)


# docs/theory/reference_values.md, "Values on the critical line": σ_b², then (σ_w², q*) for tanh,
# hard-tanh, erf.
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
        0.1,
        {
            "tanh": (1.986073, 0.805799),
            "hard_tanh": (1.263406, 0.632155),
            "erf": (1.890589, 0.819434),
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


@pytest.mark.parametrize(
    "var_b,table", CRITICAL_LINE, ids=lambda v: f"{v}" if isinstance(v, float) else ""
)
@pytest.mark.parametrize("activation", ["tanh", "hard_tanh", "erf"])
def test_q_star_and_chi1_on_the_critical_line(var_b, table, activation):
    var_w, q_ref = table[activation]
    q = q_star(activation, math.sqrt(var_w), math.sqrt(var_b))
    # The table carries 7 significant digits; σ_w² rounded to 1e-6 moves q* by at most ~1e-4
    # relative near the σ_b² = 1e-4 end, where dq*/dσ_w² is largest.
    assert q == pytest.approx(q_ref, rel=2e-4)
    assert chi1(activation, math.sqrt(var_w), math.sqrt(var_b)) == pytest.approx(1.0, abs=2e-5)
    # q* really is a fixed point of the length map.
    assert length_map(activation, q, math.sqrt(var_w), math.sqrt(var_b)) == pytest.approx(
        q, rel=1e-12
    )


def test_homogeneous_activations():
    assert q_star("relu", 1.2, 0.5) == pytest.approx(0.25 / (1 - 0.72), rel=1e-14)
    assert q_star("linear", 0.8, 0.3) == pytest.approx(0.09 / (1 - 0.64), rel=1e-14)
    assert q_star("relu", 1.2, 0.0) == 0.0 and q_star("tanh", 0.9, 0.0) == 0.0
    assert chi1("relu", math.sqrt(2), 0.0) == pytest.approx(1.0) and chi1("linear", 1.0, 0.0) == 1.0
    with pytest.raises(ValueError, match="every q is a fixed point"):
        q_star("relu", math.sqrt(2), 0.0)
    with pytest.raises(ValueError, match="diverges"):
        q_star("linear", 1.1, 0.1)


def test_tanh_without_bias_above_one_has_positive_fixed_point():
    q = q_star("tanh", 1.05, 0.0)
    assert q > 0 and length_map("tanh", q, 1.05, 0.0) == pytest.approx(q, rel=1e-12)


def test_derivative_moments_limits():
    np.testing.assert_array_equal(derivative_moments("tanh", 0.0, 3), [1, 1, 1])
    np.testing.assert_array_equal(derivative_moments("relu", 0.0, 2), [0.5, 0.5])
    mu = derivative_moments("erf", 0.7, 3)
    np.testing.assert_allclose(mu, [(1 + math.pi * k * 0.7) ** -0.5 for k in (1, 2, 3)], rtol=1e-14)


def test_theory_bad_input():
    with pytest.raises(ValueError, match="activation must be one of"):
        q_star("sigmoid", 1.0, 0.0)
    with pytest.raises(ValueError, match="sigma_w must be > 0"):
        q_star("tanh", 0.0, 0.0)
    with pytest.raises(ValueError, match="sigma_b must be >= 0"):
        chi1("tanh", 1.0, -0.1)
    with pytest.raises(ValueError, match="finite"):
        length_map("tanh", float("nan"), 1.0, 0.0)
    with pytest.raises(ValueError, match="q must be positive"):
        _core.second_moment("tanh", -1.0)  # the C++ check, translated
    assert isometry.theory.length_trajectory("linear", 1.0, 0.0, 2.0, 3).tolist() == [2.0, 2.0, 2.0]
