"""The law of D² for smooth activations: the pole-corrected rule against mpmath, and custom
activations through the free-probability functions."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

import isometry
from isometry import theory


def reference_m(activation: str, q: float, y: complex) -> tuple[complex, complex, complex]:
    """M_{D²}(y) = E[d/(y − d)], dM/dy and 1 + M by mpmath quadrature at 20 digits, split at the real
    point where d(z) = Re y so the near-pole peak is resolved."""
    mp.mp.dps = 20
    y = mp.mpc(y)

    def d(z):
        h = mp.sqrt(q) * z
        return mp.sech(h) ** 4 if activation == "tanh" else mp.exp(-mp.pi * h * h / 2)

    def normal(z):
        return mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)

    points = [mp.mpf(0)]
    if 0 < y.real < 1:
        z0 = (
            mp.acosh(y.real ** mp.mpf(-0.25)) / mp.sqrt(q)
            if activation == "tanh"
            else mp.sqrt(-2 * mp.log(y.real) / (mp.pi * q))
        )
        points += [
            p for p in (z0 - 1, z0 - mp.mpf("0.01"), z0, z0 + mp.mpf("0.01"), z0 + 1) if p > 0
        ]
    points = sorted(set(points)) + [mp.mpf(12)]
    m = mp.quad(lambda z: 2 * normal(z) * d(z) / (y - d(z)), points, maxdegree=12)
    dm = mp.quad(lambda z: -2 * normal(z) * d(z) / (y - d(z)) ** 2, points, maxdegree=12)
    return complex(m), complex(dm), complex(1 + m)  # 1 + M without double-precision cancellation


# y far from the support, next to it (Im y down to 1e-8), near its ends 0 and 1, below the axis.
Y_VALUES = [
    2 + 1j,
    0.5 + 0.1j,
    0.5 + 1e-3j,
    0.9 + 1e-6j,
    0.999 + 1e-4j,
    1.0001 + 1e-8j,
    1e-3 + 1e-5j,
    -0.5 + 0.01j,
    0.3 - 0.2j,
    1e-6 + 1e-9j,
]


@pytest.mark.parametrize(
    "activation, q", [("tanh", 0.1), ("tanh", 1.0), ("tanh", 4.0), ("erf", 1.0), ("erf", 0.2)]
)
def test_pole_corrected_rule_matches_mpmath(activation, q):
    for y in Y_VALUES:
        m, one_plus_m, dm = isometry._core.testing.d2_stieltjes(activation, q, y)
        ref_m, ref_dm, _ = reference_m(activation, q, y)
        # Closest to the axis (Im y = 1e-8 at the branch point y = 1) cancellation costs ~5 digits.
        assert abs(m - ref_m) <= 1e-10 * abs(ref_m), (y, m, ref_m)
        assert abs(one_plus_m - (1 + ref_m)) <= 1e-10 * abs(1 + ref_m), y
        assert abs(dm - ref_dm) <= 1e-9 * abs(ref_dm), (y, dm, ref_dm)


def test_smooth_density_has_no_ripples():
    """The old plain rule left zeros and spikes in the density's lower tail (the main job's
    network); with the correction log ρ is smooth: second differences stay small."""
    d = theory.jacobian_density("tanh", "orthogonal", 32, 1.05, 0.0, points=2000)
    inside = d.density > 0
    assert inside.all(), f"{np.sum(~inside)} grid points with zero density inside the support"
    log_rho = np.log(d.density[:-10])  # away from the square-root upper edge
    assert np.max(np.abs(np.diff(log_rho, 2))) < 0.05


def custom(name: str) -> theory.Activation:
    if name == "tanh":
        return theory.Activation(np.tanh, lambda h: 1 / np.cosh(h) ** 2, name="my tanh")
    from scipy.special import erf

    return theory.Activation(
        lambda h: erf(np.sqrt(np.pi) * h / 2), lambda h: np.exp(-np.pi * h * h / 4), name="my erf"
    )


@pytest.mark.parametrize("name", ["tanh", "erf"])
@pytest.mark.parametrize("weights", ["orthogonal", "gaussian"])
def test_custom_activation_matches_the_builtin(name, weights):
    q = 0.3
    sigma_w, sigma_b = theory.critical_point(name, q)
    act = custom(name)
    builtin = theory.jacobian_moments(name, weights, 16, sigma_w, sigma_b, order=4).moments
    mine = theory.jacobian_moments(act, weights, 16, sigma_w, sigma_b, order=4).moments
    np.testing.assert_allclose(mine, builtin, rtol=1e-10)
    ref = theory.jacobian_density(name, weights, 16, sigma_w, sigma_b, points=600)
    d = theory.jacobian_density(act, weights, 16, sigma_w, sigma_b, x=ref.x)
    # The custom law uses the plain rule: exact in the bulk, ripples possible in the far lower
    # tail (< 1e-3 of the mass); compare the CDFs everywhere and the density where the mass is.
    np.testing.assert_allclose(d.cdf(ref.x), ref.cdf(ref.x), atol=1e-3)
    where_mass = ref.cdf(ref.x) > 1e-3
    np.testing.assert_allclose(d.density[where_mass], ref.density[where_mass], rtol=1e-6)
    assert theory.lambda_max(act, weights, [16], sigma_w, sigma_b)[0] == pytest.approx(
        ref.lambda_max, rel=1e-7
    )


def test_custom_activation_without_symmetry():
    """φ' need not be even: swish at a stable fixed point, against moments from the S-transform
    (exact μ_k by quadrature) and the density's own mass and mean."""
    sigmoid = lambda h: 0.5 * (1 + np.tanh(h / 2))  # noqa: E731
    swish = theory.Activation(
        lambda h: h * sigmoid(h), lambda h: sigmoid(h) * (1 + h * (1 - sigmoid(h)))
    )
    sigma_w, sigma_b = 1.5, 0.3  # q* = 0.259, χ₁ = 0.679
    q = theory.q_star(swish, sigma_w, sigma_b)
    mu = theory.derivative_moments(swish, q, 2)
    assert not np.isclose(mu[0], theory.derivative_moments("tanh", q, 1)[0])
    moments = theory.jacobian_moments(swish, "orthogonal", 8, sigma_w, sigma_b, order=2).moments
    assert moments[0] == pytest.approx((sigma_w**2 * mu[0]) ** 8, rel=1e-10)  # m₁ = χ₁^L
    d = theory.jacobian_density(swish, "orthogonal", 8, sigma_w, sigma_b)
    assert d.continuous_mass() == pytest.approx(1.0, abs=1e-4)
    assert d.moment(1) == pytest.approx(moments[0], rel=1e-4)
    assert d.moment(2) == pytest.approx(moments[1], rel=1e-4)


def test_custom_activation_with_flat_pieces_is_refused():
    relu_like = theory.Activation(
        lambda h: np.maximum(h, 0), lambda h: (h > 0).astype(float), kinks=(0.0,), name="r"
    )
    with pytest.raises(ValueError, match="φ' ≠ 0 almost everywhere"):
        theory.jacobian_density(relu_like, "orthogonal", 4, 1.2, 0.3)


def test_custom_activation_in_the_ordered_phase():
    """q* = 0 (no bias, σ_w² φ'(0)² < 1): D² is the constant φ'(0)², so J Jᵀ is that of a linear
    network with σ_w φ'(0): one atom for orthogonal weights, Fuss–Catalan for Gaussian ones."""
    sigmoid = lambda h: 0.5 * (1 + np.tanh(h / 2))  # noqa: E731
    swish = theory.Activation(
        lambda h: h * sigmoid(h), lambda h: sigmoid(h) * (1 + h * (1 - sigmoid(h)))
    )
    assert theory.q_star(swish, 1.2, 0.0) == 0.0
    d = theory.jacobian_density(swish, "orthogonal", 4, 1.2, 0.0)
    assert d.atoms == [pytest.approx(((1.2 * 0.5) ** 8, 1.0))]  # φ'(0) = 1/2
    g = theory.jacobian_density(swish, "gaussian", 2, 1.2, 0.0, points=300)
    linear = theory.jacobian_density("linear", "gaussian", 2, 0.6, 0.0, x=g.x)
    np.testing.assert_allclose(g.density, linear.density, rtol=1e-12)


@pytest.mark.slow  # several seconds: the statistical tier (--slow, always in CI)
def test_many_erf_branches_in_the_strip():
    """erf at large q and tiny y: the branches z_m² = −2(Log y + 2πim)/(πq) crowd into the
    corrected strip (33 here) and |y − d|² underflows: the rule must take every pole (no fixed
    buffer overflow) and stay finite (no inf/NaN from squaring ~1e-300)."""
    y = 1e-300 + 1e-302j
    m, one_plus_m, dm = isometry._core.testing.d2_stieltjes("erf", 10.0, y)
    ref_m, ref_dm, ref_one_plus_m = reference_m("erf", 10.0, y)
    assert abs(m - ref_m) <= 1e-12 * abs(ref_m)
    assert abs(one_plus_m - ref_one_plus_m) <= 1e-9 * abs(ref_one_plus_m)  # 1 + M ~ 3e-11
    assert abs(dm - ref_dm) <= 1e-9 * abs(ref_dm)
