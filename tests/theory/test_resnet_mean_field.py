"""The ResNet mean-field recursion (C++) against the same recursion with quad expectations."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate

from isometry import theory

PHI = {
    "tanh": (math.tanh, lambda h: 1 / math.cosh(h) ** 2),
    "relu": (lambda h: max(h, 0.0), lambda h: float(h > 0)),
    "erf": (
        lambda h: math.erf(math.sqrt(math.pi) / 2 * h),
        lambda h: math.exp(-math.pi / 4 * h * h),
    ),
    "hard_tanh": (lambda h: min(max(h, -1.0), 1.0), lambda h: float(-1 < h < 1)),
}


def expect(f, q, breaks=(0.0,)):
    """E_z[f(√q z)] by quad over |z| <= 12, split at 0 and at the kinks ±1/√q."""
    root = math.sqrt(q)
    g = lambda z: f(root * z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    points = sorted({-12.0, 12.0, *(b for b in breaks if -12 < b < 12)})
    return sum(
        integrate.quad(g, a, b, epsabs=1e-15, epsrel=1e-13, limit=400)[0]
        for a, b in itertools.pairwise(points)
    )


def reference(name, sigma_w, sigma_b, depth, a, v0):
    phi, dphi = PHI[name]
    m, v, c2 = 0.0, v0, []
    qs = []
    for _ in range(depth):
        q = a * a * sigma_w**2 * v + sigma_b**2
        breaks = (0.0, -1 / math.sqrt(q), 1 / math.sqrt(q))
        mean = expect(phi, q, breaks)
        second = expect(lambda h: phi(h) ** 2, q, breaks)
        c2.append(sigma_w**2 * expect(lambda h: dphi(h) ** 2, q, breaks))
        v, m = v + 2 * m * mean + second, m + mean
        qs.append(q)
    return a * a * sum(c2), np.array(qs), m, v


@pytest.mark.parametrize("name", ["tanh", "relu", "erf", "hard_tanh"])
def test_recursion_matches_quad(name):
    depth, sigma_w, sigma_b = 12, 1.3, 0.2
    c, q, m, v = reference(name, sigma_w, sigma_b, depth, 1 / math.sqrt(depth), 0.7)
    p = theory.resnet_parameter(name, sigma_w, sigma_b, depth=depth, input_variance=0.7)
    # quad at 1e-13 per expectation, accumulated over 12 layers: 1e-11.
    assert p.c == pytest.approx(c, rel=1e-11)
    np.testing.assert_allclose(p.q, q, rtol=1e-11)
    assert p.mean[-1] == pytest.approx(m, rel=1e-11, abs=1e-15)  # 0 for odd φ
    assert p.second_moment[-1] == pytest.approx(v, rel=1e-11)
    if name == "relu":
        assert p.mean[-1] > 0  # the non-odd case the Python closed form used to special-case


def test_custom_activation_mean_is_not_zero():
    # A shifted softplus-like φ with E φ ≠ 0: the old Python recursion took E φ = 0 for every
    # activation but relu. Reference: the same recursion with quad.
    sig = lambda h: 0.5 * (1 + np.tanh(h / 2))
    swish = theory.Activation(
        lambda h: h * sig(h), lambda h: sig(h) * (1 + h * (1 - sig(h))), name="swish"
    )
    PHI["swish"] = (lambda h: float(h * sig(h)), lambda h: float(sig(h) * (1 + h * (1 - sig(h)))))
    c, _, m, _ = reference("swish", 1.1, 0.1, 6, 0.5, 1.0)
    p = theory.resnet_parameter(swish, 1.1, 0.1, depth=6, residual_scale=0.5)
    assert p.mean[-1] == pytest.approx(m, rel=1e-10) and m > 0.1
    assert p.c == pytest.approx(c, rel=1e-10)  # the core's custom quadrature at 1e-12


@pytest.mark.parametrize("name,c", [("tanh", 1.0), ("erf", 0.5), ("hard_tanh", 2.0), ("relu", 3.0)])
def test_sigma_w_search_inverts_the_recursion(name, c):
    sigma_w = theory.resnet_sigma_w(name, c, 0.1, depth=64)
    # Brent in log σ_w to 1e-15; c(σ_w) ~ σ_w², so c comes back to a few 1e-15.
    assert theory.resnet_parameter(name, sigma_w, 0.1, depth=64).c == pytest.approx(c, rel=1e-13)


def test_resnet_bad_input():
    with pytest.raises(ValueError, match="depth must be at most"):
        theory.resnet_parameter("tanh", 1.0, depth=10**8)
    with pytest.raises(OverflowError, match="overflowed at layer"):
        theory.resnet_parameter("relu", 1e150, depth=8)
    with pytest.raises(ValueError, match="is below what sigma_w = 0.001 gives"):
        theory.resnet_sigma_w("tanh", 1e-9, depth=2)  # c ≈ σ_w² at small σ_w
