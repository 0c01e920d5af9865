"""Mean field for tanh at any q: bounded quadrature work, tanh' without cancellation.

References are independent: scipy.integrate.quad in the variable h = √q z (where the integrands
sech², tanh² live on the scale 1 for every q) and closed forms for sech.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy import integrate

import isometry
from isometry import theory
from isometry.training.activations import activation as numpy_activation


def expect_h(f, q):
    """E_z[f(√q z)] as ∫ f(h) N(h; 0, q) dh by quad, split at 0 and cut where the Gaussian weight
    (q small) or sech² (q large, f decaying) is below 1e-30 of its peak."""
    reach = min(12.0 * math.sqrt(q), 60.0) if q > 1 else 12.0 * math.sqrt(q)
    density = lambda h: math.exp(-0.5 * h * h / q) / math.sqrt(2 * math.pi * q)
    total = 0.0
    for a, b in ((-reach, 0.0), (0.0, reach)):
        value, _ = integrate.quad(
            lambda h: f(h) * density(h), a, b, epsabs=0, epsrel=1e-13, limit=400
        )
        total += value
    return total


def sech2(h):
    return 1.0 / math.cosh(h) ** 2 if abs(h) < 700 else 0.0


@pytest.mark.parametrize("q", [0.3, 0.999, 1.001, 30.0, 1e4, 1e8, 1e20, 1e40, 1e200])
def test_tanh_length_map_and_moments_at_any_q(q):
    # E[tanh²] = 1 − E[sech²]: the reference integrates sech², whose mass sits at |h| ≲ 20 for
    # every q. 1e-12 relative: quad's 1e-13 plus the core's ~1e-14 (trapezoid with halvings).
    want_sech2 = expect_h(sech2, q)
    assert theory.length_map("tanh", q, 1.0, 0.0) == pytest.approx(1.0 - want_sech2, rel=1e-12)
    mu1, mu2 = theory.derivative_moments("tanh", q, 2)
    assert mu1 == pytest.approx(expect_h(lambda h: sech2(h) ** 2, q), rel=1e-11)
    assert mu2 == pytest.approx(expect_h(lambda h: sech2(h) ** 4, q), rel=1e-11)


def test_length_map_at_1e40_is_not_zero():
    # Was 0.0: the trapezoid's point count overflowed for q ≳ 2.4e35. E[tanh²] = 1 − O(q^-1/2).
    assert theory.length_map("tanh", 1e40, 1.0, 0.0) == pytest.approx(1.0, rel=1e-15)
    assert theory.length_map("tanh", 1e300, 2.0, 0.5) == pytest.approx(4.25, rel=1e-15)


@pytest.mark.parametrize("sigma_w", [1e4, 1e5, 1e10, 1e100, 1e150])
def test_tanh_fixed_point_at_huge_sigma_w(sigma_w):
    # Was 72 s then ConvergenceError at 1e4, no return at 1e5. At large q*, the fixed point solves
    # q = σ_w² (1 − E[sech²(√q z)]) with E[sech²] = 2/√(2πq) (1 + O(1/q)) (∫ sech² = 2), so
    # q* = σ_w² (1 − 2/(σ_w √(2π))) to relative O(1/σ_w²).
    q = theory.q_star("tanh", sigma_w, 0.0)
    want = sigma_w**2 * (1.0 - 2.0 / (sigma_w * math.sqrt(2 * math.pi)))
    assert q == pytest.approx(want, rel=1e-12 + 10 / sigma_w**2)


def test_fixed_point_refuses_overflowing_variances():
    with pytest.raises(OverflowError, match="sigma_w"):
        theory.q_star("tanh", 1e160, 0.0)


def test_depth_scales_return_at_huge_sigma_w():
    # The pair integrals route to graded Gauss–Kronrod above q = 100; as q → ∞, tanh → sign, so
    # the correlation map tends to (2/π) arcsin c (+ σ_b²/q*): c* → 0, slope at c* → 2/π.
    from isometry._internal.core import _core

    d = _core.mean_field_point(activation="tanh", sigma_w=1e6, sigma_b=0.0)
    assert d["c_star"] == 0.0  # odd φ, no bias: exactly
    assert d["slope_c"] == pytest.approx(2 / math.pi, rel=1e-5)  # O(q^-1/2) = 1e-6 corrections
    assert theory.depth_scales("tanh", 1e6, 0.0).xi_c == pytest.approx(
        -1 / math.log(2 / math.pi), rel=1e-4
    )


@pytest.mark.parametrize("c", [-0.7, 0.3, 0.9, 0.999999])
def test_tanh_pair_integrals_agree_across_the_rule_switch(c):
    # q = 100 is the last q of the nested trapezoidal rule; just above it the graded
    # Gauss–Kronrod rule takes over. Two independent rules, same integral: to 1e-11 relative.
    from isometry._internal.core import _core

    below, above = 100.0, 100.0 * (1 + 1e-12)
    for name in ("cross_moment", "derivative_cross_moment"):
        f = getattr(_core, name)
        assert f("tanh", above, c) == pytest.approx(f("tanh", below, c), rel=1e-11, abs=1e-14)
    if c > 0:
        gap = _core.testing.cross_moment_gap
        assert gap("tanh", above, c) == pytest.approx(gap("tanh", below, c), rel=1e-10)


def test_tanh_derivative_has_no_cancellation_in_the_network():
    # One unit, one layer, σ_b = 0: |h| = √q0 = 20, so J Jᵀ = σ_w² sech⁴(20) ≈ 5e-34 (1 − tanh²
    # gave exactly 0 and counted a zero derivative). Rounding of exp and a few products: 1e-13.
    r = isometry.jacobian_spectrum(
        1, 1, activation="tanh", weights="orthogonal", sigma_w=1.0, q0=400.0
    )
    assert r.zero_derivatives == 0
    assert r.eigenvalues[0] == pytest.approx(1.0 / math.cosh(20.0) ** 4, rel=1e-13)


def test_training_tanh_derivative_matches_sech_squared():
    h = np.array([0.0, 1e-8, 0.5, -3.0, 19.5, -25.0, 100.0, 371.0, 800.0])
    act = numpy_activation("tanh")
    got = act.derivative(h, np.tanh(h), np.empty_like(h))
    want = np.array([float(mpmath.sech(mpmath.mpf(x)) ** 2) for x in h])  # 0 past |h| ≈ 373
    # A few ulps; at h = 371 the value 2e-322 is subnormal, where relative precision is lost.
    np.testing.assert_allclose(got, want, rtol=4e-15, atol=1e-320)
    assert got[5] > 0 and got[7] > 0
