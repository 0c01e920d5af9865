"""Residual networks: the Monte Carlo Jacobian, the universal law and the parameter c."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy_reference import PHI, layer_weight

import isometry
from isometry import theory
from isometry._internal.core import _core
from isometry._internal.validation import ACTIVATIONS


def resnet_reference(n, depth, activation, weights, sigma_w, sigma_b, a, input_variance, seed):
    """J = Π (1 + D_l W_l) formed literally from the documented streams (W_l = a × the MLP's)."""
    s = isometry.STREAMS
    phi, dphi = PHI[activation]
    g = _core.normal_stream(n, seed, s["network_input"], 0, 0)
    x = g / np.linalg.norm(g) * np.sqrt(n * input_variance)
    J = np.eye(n)
    c2 = []
    for layer in range(depth):
        W = a * layer_weight(n, layer, weights, sigma_w, seed)
        h = W @ x + sigma_b * _core.normal_stream(n, seed, s["layer_bias"], layer, 0)
        c2.append(sigma_w**2 * np.mean(dphi(h) ** 2))
        J = J + dphi(h)[:, None] * (W @ J)
        x = x + phi(h)
    return J, np.array(c2)


@pytest.mark.parametrize("activation", ["linear", "tanh", "hard_tanh", "relu"])
@pytest.mark.parametrize("weights", ["gaussian", "orthogonal"])
def test_monte_carlo_matches_the_literal_product(activation, weights, seed):
    n, depth, sigma_w, sigma_b, a = 40, 6, 1.3, 0.2, 0.5
    r = isometry.resnet_jacobian_spectrum(
        n,
        depth,
        activation=activation,
        weights=weights,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        residual_scale=a,
        input_variance=0.7,
        seed=seed,
    )
    J, c2 = resnet_reference(n, depth, activation, weights, sigma_w, sigma_b, a, 0.7, seed)
    expected = np.linalg.eigvalsh(J @ J.T)
    # Same draws, different order of float64 operations: agreement to ~1e-13 of λ_max.
    np.testing.assert_allclose(r.eigenvalues, expected, rtol=0, atol=1e-11 * expected[-1])
    np.testing.assert_allclose(r.c2, c2, rtol=1e-12)
    assert r.c == pytest.approx(a * a * c2.sum(), rel=1e-12)


def test_default_residual_scale_and_reproducibility():
    r1 = isometry.resnet_jacobian_spectrum(64, 16, activation="tanh", seed=3)
    r2 = isometry.resnet_jacobian_spectrum(64, 16, activation="tanh", seed=3, residual_scale=0.25)
    assert r1.residual_scale == 0.25  # 1/√16
    np.testing.assert_array_equal(r1.eigenvalues, r2.eigenvalues)
    assert r1.c == pytest.approx(np.mean(r1.c2), rel=1e-14)  # c is the mean of c₂^l at a = 1/√L


def test_float32_agrees_with_float64():
    r64 = isometry.resnet_jacobian_spectrum(100, 8, activation="erf", weights="orthogonal", seed=2)
    r32 = isometry.resnet_jacobian_spectrum(
        100, 8, activation="erf", weights="orthogonal", seed=2, dtype="float32"
    )
    # float32 rounding accumulated over 8 layers of O(1) growth: 1e-4 of λ_max.
    np.testing.assert_allclose(r32.eigenvalues, r64.eigenvalues, atol=1e-4 * r64.eigenvalues[-1])


def test_edges_closed_form_reference_values():
    lo, hi = theory.resnet_edges(1.0)
    assert lo == pytest.approx(0.047406, abs=5e-7)  # docs/theory/resnet.md
    assert hi == pytest.approx(21.0944, abs=5e-5)


@pytest.mark.parametrize("c", [0.02, 0.3, 1.0, 4.0])
def test_density_vanishes_exactly_outside_the_closed_form_edges(c):
    # The solver knows nothing about the edges: density just inside (~√(1e-4) of its scale),
    # only the Poisson tail of Im z = 1e-10·x just outside (≲ 1e-5 of it here).
    lo, hi = theory.resnet_edges(c)
    d = theory.resnet_density(
        c, np.array([lo * (1 - 1e-4), lo * (1 + 1e-4), hi * (1 - 1e-4), hi * (1 + 1e-4)])
    )
    assert d.density[1] > 0 and d.density[2] > 0
    assert d.density[0] < 1e-3 * d.density[1] and d.density[3] < 1e-3 * d.density[2]


@pytest.mark.parametrize("c", [0.02, 0.3, 1.0, 4.0])
def test_density_integrates_to_one_and_matches_series_moments(c):
    d = theory.resnet_density(c, points=4000)
    # Square-root edges: the trapezoid rule on a cosine grid misses O(points^-3/2) of the mass.
    assert d.continuous_mass() == pytest.approx(1.0, abs=2e-5)
    m = theory.resnet_moments(c, order=4)
    assert m[0] == pytest.approx(math.exp(c), rel=1e-13)
    assert m[1] - m[0] ** 2 == pytest.approx(2 * c * math.exp(2 * c), rel=1e-12)
    # Quadrature of the solved density vs series reversion: independent routes to m_k.
    for k in (1, 2, 3, 4):
        assert d.moment(k) == pytest.approx(m[k - 1], rel=2e-4 * k)


def test_resnet_parameter_closed_forms():
    for depth in (1, 7, 64):
        assert theory.resnet_parameter("relu", 1.7, 0.3, depth=depth).c == pytest.approx(
            1.7**2 / 2, rel=1e-14
        )
        assert theory.resnet_parameter("linear", 1.7, depth=depth).c == pytest.approx(
            1.7**2, rel=1e-14
        )
        # a² L σ_w²/2 for any residual scale.
        assert theory.resnet_parameter(
            "relu", 1.0, depth=depth, residual_scale=0.5
        ).c == pytest.approx(depth / 8)
    # Smooth φ without bias: q_l = O(1/L), so c -> σ_w² φ'(0)² = σ_w² as L grows
    # (docs/theory/resnet.md).
    c = [theory.resnet_parameter("tanh", 1.0, depth=L).c for L in (16, 256, 4096)]
    assert abs(c[2] - 1) < abs(c[1] - 1) < abs(c[0] - 1) and abs(c[2] - 1) < 2e-3


@pytest.mark.parametrize(
    "activation,weights", [("tanh", "gaussian"), ("relu", "orthogonal"), ("erf", "gaussian")]
)
def test_mean_field_parameter_and_signal_match_monte_carlo(activation, weights):
    n, depth, sigma_w, sigma_b = 600, 16, 1.5, 0.3
    runs = [
        isometry.resnet_jacobian_spectrum(
            n,
            depth,
            activation=activation,
            weights=weights,
            sigma_w=sigma_w,
            sigma_b=sigma_b,
            seed=seed,
        )
        for seed in range(4)
    ]
    p = theory.resnet_parameter(activation, sigma_w, sigma_b, depth=depth)
    # c averages φ'² over 600 units and 16 layers: each network within ~1 % (3 % allowed).
    for r in runs:
        assert r.c == pytest.approx(p.c, rel=0.03)
    # One network's |x_l|² is a quadratic form in its input direction through J, whose
    # spectrum has variance 2c·e^{2c}: relative sd ~ √(4c/N) ≈ 9 % (measured 5-11 %). The
    # mean of 4 networks: ~5 %, so 12 % is ~2.5 sd.
    np.testing.assert_allclose(np.mean([r.q for r in runs], axis=0), p.q, rtol=0.12)


def test_resnet_sigma_w_inverts_the_parameter():
    sw = theory.resnet_sigma_w("tanh", 0.8, 0.1, depth=32)
    assert theory.resnet_parameter("tanh", sw, 0.1, depth=32).c == pytest.approx(0.8, rel=1e-12)
    assert theory.resnet_sigma_w("relu", 2.0, depth=32) == pytest.approx(
        2.0, rel=1e-12
    )  # c = σ_w²/2
    table = theory.resnet_parameter_table(1.0, depth=32)
    assert set(table) == set(ACTIVATIONS)
    assert table["relu"] == pytest.approx(0.5) and table["linear"] == pytest.approx(1.0)


def _spectrum_at(c, activation, weights, seed, n=300, depth=32):
    sw = theory.resnet_sigma_w(activation, c, depth=depth)
    return isometry.resnet_jacobian_spectrum(
        n, depth, activation=activation, weights=weights, sigma_w=sw, seed=seed
    ).eigenvalues


@pytest.mark.slow  # several seconds: the statistical tier (--slow, always in CI)
def test_activations_tuned_to_the_same_c_give_the_same_spectrum():
    from scipy.stats import ks_2samp

    reference = _spectrum_at(1.0, "linear", "gaussian", seed=1)
    # Tolerance 0.03 = 9/N: the eigenvalues of one matrix are rigid (CDF fluctuations O(1/N)),
    # plus O(1/L) and O(1/N) corrections that depend on the activation. Measured: 0.013 for
    # each of tanh, erf, relu, hard_tanh.
    for activation, weights, seed in [
        ("tanh", "gaussian", 2),
        ("erf", "orthogonal", 3),
        ("relu", "gaussian", 4),
        ("hard_tanh", "orthogonal", 5),
    ]:
        assert ks_2samp(reference, _spectrum_at(1.0, activation, weights, seed)).statistic < 0.03, (
            activation
        )
    # The test has power: c off by 30% gives 0.05-0.06.
    for c, seed in [(1.3, 6), (0.7, 7)]:
        assert ks_2samp(reference, _spectrum_at(c, "tanh", "gaussian", seed)).statistic > 0.04, c


@pytest.mark.slow
@pytest.mark.parametrize("activation,weights", [("linear", "gaussian"), ("tanh", "orthogonal")])
def test_theory_matches_monte_carlo_at_width_1000_depth_64(activation, weights):
    depth = 64
    sw = theory.resnet_sigma_w(activation, 1.0, depth=depth)
    r = isometry.resnet_jacobian_spectrum(
        1000, depth, activation=activation, weights=weights, sigma_w=sw, seed=11
    )
    d = theory.resnet_density(r.c)
    # docs/theory/reference_values.md ("ResNets") measured 0.0042-0.0048 at this size; 0.012 leaves
    # room for other seeds.
    assert d.ks_distance(r.eigenvalues) < 0.012
    # Single network, N = 1000: m₁ within ~1 %, the normalised variance 2c within ~5 %.
    ev = r.eigenvalues
    assert ev.mean() == pytest.approx(math.exp(r.c), rel=0.02)
    assert ev.var() / ev.mean() ** 2 == pytest.approx(2 * r.c, rel=0.06)
    assert ev[-1] < d.support[1] * 1.02 and ev[0] > d.support[0] * 0.9


@pytest.mark.slow
def test_relu_bulk_follows_the_law_but_outliers_spoil_the_moments():
    # ReLU (E φ ≠ 0): the forward signal acquires a mean and J a few huge singular values
    # (docs/theory/resnet.md, "Caveat: ReLU outliers"). The bulk follows the law; the full-spectrum
    # m₁ does not.
    depth = 64
    r = isometry.resnet_jacobian_spectrum(
        1000, depth, activation="relu", sigma_w=math.sqrt(2), seed=11
    )
    d = theory.resnet_density(r.c)
    ev = r.eigenvalues
    outliers = ev > 2 * d.support[1]
    # A handful (O(1), not O(N)) of eigenvalues far beyond the law's edge ...
    assert 1 <= outliers.sum() <= 0.01 * ev.size
    # ... caused by the mean of relu: a linear ResNet (no mean) tuned to the same c
    # has none, with the same width, depth and seed.
    linear = isometry.resnet_jacobian_spectrum(
        1000, depth, activation="linear", sigma_w=math.sqrt(r.c), seed=11
    )
    assert np.sum(linear.eigenvalues > 2 * theory.resnet_density(linear.c).support[1]) == 0
    assert d.ks_distance(ev) < 0.012  # KS barely sees a handful of eigenvalues
    bulk = ev[~outliers]
    assert bulk.mean() == pytest.approx(math.exp(r.c), rel=0.02)  # the bulk's m₁ is e^c
    assert ev.mean() > 1.5 * math.exp(r.c)  # the outliers alone shift the full m₁


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_invalid_residual_scale(bad):
    with pytest.raises(ValueError, match="residual_scale"):
        isometry.resnet_jacobian_spectrum(8, 2, residual_scale=bad)
    with pytest.raises(ValueError, match="residual_scale"):
        theory.resnet_parameter("tanh", 1.0, depth=4, residual_scale=bad)


def test_invalid_arguments():
    with pytest.raises(TypeError, match="residual_scale"):
        isometry.resnet_jacobian_spectrum(8, 2, residual_scale="big")
    with pytest.raises(ValueError, match="input_variance"):
        isometry.resnet_jacobian_spectrum(8, 2, input_variance=0.0)
    with pytest.raises(ValueError, match="weights"):
        isometry.resnet_jacobian_spectrum(8, 2, weights="parameter_sharing")
    for c in (0.0, -1.0, float("nan"), 301.0):
        with pytest.raises(ValueError, match="c must"):
            theory.resnet_density(c)
        with pytest.raises(ValueError, match="c must"):
            theory.resnet_edges(c)
    with pytest.raises(ValueError, match="activation"):
        theory.resnet_parameter("swish", 1.0, depth=4)
    with pytest.raises(ValueError, match="c must"):
        _core.resnet_moments(-1.0, 3)
    with pytest.raises(ValueError, match="residual_scale"):
        _core.resnet_jacobian_spectrum(
            8, 2, "tanh", "gaussian", 1.0, 0.0, -1.0, 1.0, 0, "float64", "eigh"
        )


def test_review_regressions_large_parameters():
    """Overflow is refused with a clear error, never returned as inf/NaN; bisection survives
    overflowing trial points."""
    import isometry
    from isometry import theory

    with pytest.raises(OverflowError, match="m_3 overflows"):
        isometry._core.resnet_moments(299.0, 4)
    with pytest.raises(ValueError, match="sigma0_sq must be at most 700"):
        theory.universal_density("smooth", 800.0)
    # Linear ResNet: c = a² L σ_w² = σ_w² at the default a = 1/√L, so σ_w = √c exactly.
    assert theory.resnet_sigma_w("linear", 300.0, depth=4096) == pytest.approx(300.0**0.5, rel=1e-9)
