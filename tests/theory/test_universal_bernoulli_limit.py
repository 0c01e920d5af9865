"""The Bernoulli universality class (PSG18 §5) in closed form, against Lambert W in mpmath.

S(z) = exp(−σ₀² z/(1 + z)) gives G(z) = σ₀²/(z (σ₀² + W₀(−σ₀²/z))): a bulk on (0, σ₀² e], an atom
of mass 1 − σ₀² at e^{σ₀²} when σ₀² < 1 (the pole where W = −σ₀²), none otherwise. The references
below evaluate that G with mpmath's lambertw and integrate −Im G/π with mpmath.quad: nothing of
the closed-form parametrisation under test.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from isometry import _core, theory

SIGMAS = [0.25, 0.999, 1.0, 1.001, 10.0, 100.0, 700.0]


def g_reference(s2: float, x: float) -> complex:
    with mp.workdps(40):
        z = mp.mpc(x, x * mp.mpf("1e-30"))  # just above the real axis
        return complex(s2 / (z * (s2 + mp.lambertw(-s2 / z, 0))))


def density_reference(s2: float, x: float) -> float:
    return -g_reference(s2, x).imag / math.pi


@pytest.mark.parametrize("s2", SIGMAS)
def test_density_matches_lambert_w(s2):
    x = s2 * np.array([1e-6, 1e-2, 0.3, 1.0, 2.0, 2.7])
    d = theory.universal_density("bernoulli", s2, x=x)
    want = np.array([density_reference(s2, t) for t in x])
    # 1e-9: the closed form solves for its parameter by bisection to rounding.
    np.testing.assert_allclose(d.density, want, rtol=1e-9)


@pytest.mark.parametrize("s2", SIGMAS)
def test_edges_atom_and_mass(s2):
    d = theory.universal_density("bernoulli", s2)
    assert d.support[1] == pytest.approx(s2 * math.e, rel=1e-15)  # bulk edge σ₀² e
    if s2 < 1:
        ((location, mass),) = d.atoms
        assert location == pytest.approx(math.exp(s2), rel=1e-15) and mass == pytest.approx(
            1 - s2, abs=1e-15
        )
        assert d.lambda_max == pytest.approx(math.exp(s2), rel=1e-15)  # e^s > e s: above the bulk
    else:
        assert d.atoms == []  # no atom at e^{σ₀²}, and never one at 0
    # The continuous mass is exactly 1 − atom: min(σ₀², 1).
    assert d.continuous_mass() == pytest.approx(min(s2, 1.0), abs=1e-12)
    # The pile-up at 0 holds ~σ₀²/log(1/x): at 1e-300 that is far from negligible.
    assert d.mass_below_grid == pytest.approx(
        min(s2, 1.0) * float(d.cdf(1e-300)) / min(s2, 1.0), rel=1e-9
    )


@pytest.mark.parametrize("s2,x", [(0.25, 0.3), (1.0, 1.0), (10.0, 20.0), (0.25, 1e-8)])
def test_distribution_function_matches_quadrature_of_lambert_w(s2, x):
    # ∫_0^x ρ dt = ∫_{log(1/x)}^∞ xρ(x = e^{-u}) du with x ρ = −Im(zG)/π, zG = σ₀²/(σ₀² + W): the
    # pile-up at 0 decays like σ₀²/u², which mpmath's quadrature to infinity handles.
    def scaled(u):
        a = -s2 * mp.e**u * mp.mpc(1, -mp.mpf("1e-30"))  # −σ₀²/z at z = e^{-u}(1 + 1e-30 i)
        return -mp.im(s2 / (s2 + mp.lambertw(a, 0))) / mp.pi

    with mp.workdps(25):
        u0 = -mp.log(x)
        ref = mp.quad(scaled, [u0, u0 + 10, u0 + 100, mp.inf])
    # The closed form F = (arg W + (σ₀² − 1) arg(W + σ₀²))/π itself, to rounding:
    assert _core.bernoulli_limit_cdf(s2, math.log(x)) == pytest.approx(float(ref), rel=1e-12)
    d = theory.universal_density("bernoulli", s2)
    continuous = float(d.cdf(x)) - sum(m for loc, m in d.atoms if loc <= x)
    # 2e-5: the law's cdf interpolates the exact values linearly in log x between grid points,
    # which near 1e-8 are a factor 1.2 apart.
    assert continuous == pytest.approx(float(ref), rel=2e-5)


def test_moments_are_those_of_the_s_transform():
    # S = e^{-σ₀² z/(1+z)} = 1 − σ₀² z + O(z²): m₁ = 1/S(0) = 1, m₂ = 1 + σ₀² (THEORY-style
    # series: S = 1/m₁ + (m₁² − m₂) z/m₁³ + ...).
    for s2 in (0.25, 3.0):
        d = theory.universal_density("bernoulli", s2)
        assert d.moment(1) == pytest.approx(1.0, rel=1e-4)
        assert d.moment(2) == pytest.approx(1.0 + s2, rel=1e-4)


def test_finite_depth_network_still_available():
    d = theory.universal_density("bernoulli", 0.25, depth=64, points=800)
    p = 64 / (64 + 0.25)
    assert dict(d.atoms)[0.0] == pytest.approx(1 - p, rel=1e-12)  # the finite-L atom at 0
