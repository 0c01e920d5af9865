"""Points of the critical curve χ₁ = 1: stable fixed points only, and σ_b for a given σ_w.

The references are independent of the core: scipy.integrate.quad for the Gaussian expectations,
scipy.optimize.brentq for the roots, and closed forms for erf and hard_tanh.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, optimize, special

from isometry import theory


def expect(f, q):
    """E_z[f(√q z)] by quad over |z| <= 12 (the weight is 1e-31 of its peak there), split at 0."""
    root = math.sqrt(q)
    g = lambda z: f(root * z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return sum(
        integrate.quad(g, a, b, epsabs=0, epsrel=1e-13, limit=400)[0]
        for a, b in ((-12, 0), (0, 12))
    )


def sigmoid(h):
    return 0.5 * (1 + np.tanh(h / 2))


def swish_phi(h):
    return h * sigmoid(h)


def swish_dphi(h):
    return sigmoid(h) * (1 + h * (1 - sigmoid(h)))


SWISH = theory.Activation(swish_phi, swish_dphi, name="swish")


def swish_moments(q):
    """(E φ², μ₁, d/dq E φ²) by quad; the slope as E[φ φ' z]/√q (Stein)."""
    root = math.sqrt(q)
    m2 = expect(lambda h: swish_phi(h) ** 2, q)
    mu1 = expect(lambda h: swish_dphi(h) ** 2, q)
    slope = expect(lambda h: swish_phi(h) * swish_dphi(h) * h / root, q) / root
    return m2, mu1, slope


def test_swish_critical_point_is_stable_and_critical():
    # Independent: solve q − E[φ²]/μ₁ = σ_b² by brentq; σ_w² = 1/μ₁. Quad and Brent at 1e-13
    # relative, the core's quadrature at 1e-12: 1e-9 leaves room for both and their ratio.
    sigma_b = 1.0
    q = optimize.brentq(
        lambda q: q - swish_moments(q)[0] / swish_moments(q)[1] - sigma_b**2,
        2.0,
        400.0,
        xtol=1e-14,
        rtol=1e-14,
    )
    _, mu1, slope = swish_moments(q)
    assert slope / mu1 < 1  # the independent computation says this crossing is stable
    sigma_w = theory.edge_of_chaos(SWISH, sigma_b)
    assert sigma_w == pytest.approx(1 / math.sqrt(mu1), rel=1e-9)
    assert theory.q_star(SWISH, sigma_w, sigma_b) == pytest.approx(
        q, rel=1e-8
    )  # root ~1e-12/(1 − slope)
    assert theory.chi1(SWISH, sigma_w, sigma_b) == pytest.approx(1.0, rel=1e-9)
    assert theory.critical_point(SWISH, q) == pytest.approx((sigma_w, sigma_b), rel=1e-8)


@pytest.mark.parametrize("sigma_b", [0.1, 0.3])
def test_swish_unstable_critical_point_is_refused(sigma_b):
    # Was: σ_w returned where chi1 = 0.889 (σ_b = 0.1). The independent computation finds the
    # curve's crossing unstable (slope of the length map > 1), so the network settles elsewhere.
    q = optimize.brentq(
        lambda q: q - swish_moments(q)[0] / swish_moments(q)[1] - sigma_b**2,
        1e-3,
        30.0,
        xtol=1e-14,
        rtol=1e-14,
    )
    _, mu1, slope = swish_moments(q)
    assert slope / mu1 > 1.01
    with pytest.raises(ValueError, match="unstable fixed point"):
        theory.edge_of_chaos(SWISH, sigma_b)
    with pytest.raises(ValueError, match="unstable fixed point"):
        theory.critical_point(SWISH, q)


def test_swish_zero_bias_end_is_refused():
    # σ_w = 1/φ'(0) = 2: q = 0 is marginal, and L(q) > q just above it (swish is not odd), so the
    # length map runs away — for large q swish ~ relu and L(q) ~ 2q: no finite fixed point.
    assert 4 * expect(lambda h: swish_phi(h) ** 2, 1e-3) > 1e-3
    with pytest.raises(ValueError, match="q -> 0 end"):
        theory.edge_of_chaos(SWISH, 0.0)
    with pytest.raises(ValueError, match="diverges"):
        theory.q_star(SWISH, 2.0, 0.0)


def test_builtin_critical_points_unchanged_by_the_check():
    # tanh has a single, stable positive fixed point: every critical point is accepted.
    for sigma_b in (0.05, 0.3, 1.0):
        sigma_w = theory.edge_of_chaos("tanh", sigma_b)
        assert theory.chi1("tanh", sigma_w, sigma_b) == pytest.approx(1.0, rel=1e-10)


@pytest.mark.parametrize("sigma_w", [1.0 + 1e-6, 1.05, 1.5, 3.0, 30.0])
def test_critical_sigma_b_erf_closed_form(sigma_w):
    # erf: μ₁ = (1 + πq)^{-1/2}, so q = (σ_w⁴ − 1)/π; E φ² = (2/π) asin(t/(1 + t)), t = πq/2.
    q = (sigma_w**4 - 1) / math.pi
    t = math.pi * q / 2
    sigma_b_sq = q - sigma_w**2 * (2 / math.pi) * math.asin(t / (1 + t))
    sigma_b, q_star = theory.critical_sigma_b("erf", sigma_w)
    # Closed forms vs Brent on closed forms: rounding only, amplified near σ_w = 1 where
    # σ_b² ~ q² is a difference of O(q) terms.
    assert q_star == pytest.approx(q, rel=1e-12)
    assert sigma_b**2 == pytest.approx(sigma_b_sq, rel=1e-8, abs=1e-15 * q)
    assert theory.edge_of_chaos("erf", sigma_b) == pytest.approx(sigma_w, rel=1e-10)


@pytest.mark.parametrize("sigma_w", [1.1, 2.0, 5.0])
def test_critical_sigma_b_hard_tanh_closed_form(sigma_w):
    # hard_tanh: μ₁ = erf(1/√(2q)) = 1/σ_w².
    q = 1 / (2 * special.erfinv(1 / sigma_w**2) ** 2)
    s = 1 / math.sqrt(2 * q)
    second = q * math.erf(s) - math.sqrt(2 * q / math.pi) * math.exp(-s * s) + math.erfc(s)
    sigma_b, q_star = theory.critical_sigma_b("hard_tanh", sigma_w)
    assert q_star == pytest.approx(q, rel=1e-12)
    assert sigma_b == pytest.approx(math.sqrt(q - sigma_w**2 * second), rel=1e-10)


def test_critical_sigma_b_tanh_against_quad():
    sigma_w = 1.3
    sech2 = lambda h: 1 / math.cosh(h) ** 2
    q = optimize.brentq(
        lambda q: sigma_w**2 * expect(lambda h: sech2(h) ** 2, q) - 1,
        1e-3,
        100,
        xtol=1e-14,
        rtol=1e-14,
    )
    sigma_b_sq = q - sigma_w**2 * expect(lambda h: math.tanh(h) ** 2, q)
    sigma_b, q_star = theory.critical_sigma_b("tanh", sigma_w)
    assert q_star == pytest.approx(q, rel=1e-10)  # quad at 1e-13, μ₁'s slope O(1)
    assert sigma_b**2 == pytest.approx(sigma_b_sq, rel=1e-9)
    assert theory.chi1("tanh", sigma_w, sigma_b) == pytest.approx(1.0, rel=1e-10)


def test_critical_sigma_b_edges_and_refusals():
    assert theory.critical_sigma_b("tanh", 1.0) == (0.0, 0.0)  # the q* → 0 end
    with pytest.raises(ValueError, match="does not change sign"):
        theory.critical_sigma_b("tanh", 0.9)  # μ₁ ≤ 1: χ₁ < 1 everywhere
    with pytest.raises(ValueError, match="does not depend on q"):
        theory.critical_sigma_b("relu", math.sqrt(2))
    with pytest.raises(ValueError, match="sigma_w must be > 0"):
        theory.critical_sigma_b("tanh", 0.0)
    # swish: μ₁ rises from 1/4 (q → 0) toward 1/2, so σ_w in (√2, 2) hits χ₁ = 1 once; at
    # σ_w = 1.41 that q lies on the stable part of the curve (σ_b ≈ 1 above).
    sigma_b, q = theory.critical_sigma_b(SWISH, 1.41)
    assert theory.chi1(SWISH, 1.41, sigma_b) == pytest.approx(1.0, rel=1e-9)
    assert theory.q_star(SWISH, 1.41, sigma_b) == pytest.approx(q, rel=1e-8)
    with pytest.raises(ValueError, match="unstable fixed point"):
        theory.critical_sigma_b(SWISH, 1.8)
