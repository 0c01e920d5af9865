"""Exact Monte Carlo spectra of J Jᵀ: against an independent NumPy construction, closed forms
and free-probability values."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import eps
from numpy_reference import jacobian
from scipy.special import comb

import isometry


@pytest.mark.parametrize("weights", ["orthogonal", "gaussian"])
@pytest.mark.parametrize(
    "activation,sigma_w,sigma_b", [("tanh", 1.3, 0.2), ("relu", 1.4, 0.1), ("hard_tanh", 1.1, 0.05)]
)
def test_matches_literal_numpy_product(weights, activation, sigma_w, sigma_b):
    n, depth, seed = 96, 6, 21
    r = isometry.jacobian_spectrum(
        n,
        depth,
        activation=activation,
        weights=weights,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        seed=seed,
    )
    J, q = jacobian(n, depth, activation, weights, sigma_w, sigma_b, r.q0, seed)
    want = np.linalg.eigvalsh(J @ J.T)
    # Same draws, different (but backward-stable) arithmetic: eigenvalues agree to
    # ~n·depth·ε of the largest one; q to rounding.
    np.testing.assert_allclose(r.eigenvalues, want, rtol=0, atol=1e-11 * want[-1])
    np.testing.assert_allclose(r.q, q, rtol=1e-12)
    assert np.all(np.diff(r.eigenvalues) >= 0)


def test_zero_derivative_count_matches_reference():
    n, depth, seed = 64, 5, 3
    r = isometry.jacobian_spectrum(
        n, depth, activation="relu", weights="gaussian", sigma_w=1.4, sigma_b=0.1, seed=seed
    )
    zero_counts: list[int] = []
    J, _ = jacobian(n, depth, "relu", "gaussian", 1.4, 0.1, r.q0, seed, zero_counts)
    # Same weights, biases and input from the same streams: the dead units are the same ones
    # (a pre-activation exactly at 0 has probability 0, so rounding cannot flip a sign here).
    assert r.zero_derivatives == sum(zero_counts) > 0
    # Rank of J is at most the fewest live units of any layer; exact zeros come from D.
    assert np.sum(r.eigenvalues < 1e-12 * r.eigenvalues[-1]) >= n - np.linalg.matrix_rank(J)


def test_orthogonal_linear_is_exactly_isometric():
    sigma_w, depth = 1.1, 10
    r = isometry.jacobian_spectrum(
        128, depth, activation="linear", weights="orthogonal", sigma_w=sigma_w
    )
    # J = σ_w^L × orthogonal: every eigenvalue is σ_w^{2L}; 1e-10 relative as the issue asks
    # (rounding is ~depth·n·ε ≈ 3e-13).
    np.testing.assert_allclose(r.eigenvalues, sigma_w ** (2 * depth), rtol=1e-10)


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_gaussian_linear_moments_are_fuss_catalan(depth):
    n, seeds = 400, 6
    ev = np.concatenate(
        [
            isometry.jacobian_spectrum(
                n, depth, activation="linear", weights="gaussian", sigma_w=1.0, seed=s
            ).eigenvalues
            for s in range(seeds)
        ]
    )
    for k in (1, 2, 3):
        fuss_catalan = comb((depth + 1) * k, k, exact=True) / (depth * k + 1)
        measured = np.mean(ev**k)
        # Finite-N bias is O(k² L / N) relative (e.g. m₂ = 2 + 1/N at L = 1) and the sampling
        # error of 6 × 400 eigenvalues is about 1%·k·sqrt(L); 0.03·k·sqrt(L) covers both.
        assert abs(measured / fuss_catalan - 1) < 0.03 * k * np.sqrt(depth), (
            k,
            measured,
            fuss_catalan,
        )


@pytest.mark.parametrize(
    "weights,free_variance", [("gaussian", lambda L: 2 * L), ("orthogonal", lambda L: L)]
)
def test_critical_relu_variance(weights, free_variance):
    # ReLU at (σ_w, σ_b) = (√2, 0): D² ~ Bernoulli(1/2), so var(λ) = L/p = 2L (Gaussian) and
    # L(1-p)/p = L (orthogonal) with mean 1 (PSG18 Table 1).
    n, depth, seeds = 800, 8, 4
    runs = [
        isometry.jacobian_spectrum(
            n, depth, activation="relu", weights=weights, sigma_w=np.sqrt(2), seed=s
        )
        for s in range(seeds)
    ]
    variance = np.mean([r.eigenvalues.var() for r in runs])
    normalized = np.mean([r.eigenvalues.var() / r.eigenvalues.mean() ** 2 for r in runs])
    mean = np.mean([r.eigenvalues.mean() for r in runs])
    # m₁ of one network fluctuates by O(sqrt(L/N)) ≈ 10% (docs/theory/reference_values.md, "Moments
    # at criticality"); four networks: 12%.
    assert abs(mean - 1) < 0.12
    # Var is a 2nd moment of a heavy-tailed spectrum: 20% raw, 12% scale-free
    # (docs/theory/reference_values.md, "Moments at criticality"
    # measured ratios 0.94–1.09 at N = 600–800).
    assert abs(variance / free_variance(depth) - 1) < 0.20
    assert abs(normalized / free_variance(depth) - 1) < 0.12


def test_default_q0_is_the_fixed_point_and_layers_stay_there():
    r = isometry.jacobian_spectrum(
        1024, 16, activation="tanh", weights="orthogonal", sigma_w=1.3, sigma_b=0.1
    )
    q_star = isometry.theory.q_star("tanh", 1.3, 0.1)
    assert r.q0 == pytest.approx(q_star, rel=1e-12)
    # Each q^l averages N squares: relative fluctuation ~ sqrt(2/N) ≈ 4.4%; the layer mean ~1%.
    assert abs(r.q.mean() / q_star - 1) < 0.03
    assert np.all(np.abs(r.q / q_star - 1) < 0.15)


def test_methods_agree_and_svd_resolves_small_singular_values():
    kw = dict(activation="tanh", weights="orthogonal", sigma_w=1.05, sigma_b=0.0, seed=4)
    eigh = isometry.jacobian_spectrum(256, 24, **kw)
    svd = isometry.jacobian_spectrum(256, 24, method="svd", **kw)
    top = eigh.eigenvalues[-1]
    # eigh is accurate to ~n·ε·λ_max in absolute terms; svd to ~n·ε·σ_max in σ.
    np.testing.assert_allclose(eigh.eigenvalues, svd.eigenvalues, rtol=0, atol=1e-12 * top)
    np.testing.assert_allclose(svd.singular_values**2, svd.eigenvalues, rtol=1e-14)
    assert np.all(svd.singular_values > 0)


def test_float32_agrees_with_float64(dtype):
    kw = dict(activation="tanh", weights="gaussian", sigma_w=1.2, sigma_b=0.05, seed=2)
    r64 = isometry.jacobian_spectrum(200, 8, **kw)
    r = isometry.jacobian_spectrum(200, 8, dtype=dtype, **kw)
    # Same draws; float32 arithmetic through 8 layers and an eigensolve: ~1e3 ulps of λ_max.
    np.testing.assert_allclose(
        r.eigenvalues, r64.eigenvalues, rtol=0, atol=1e3 * eps(dtype) * r64.eigenvalues[-1]
    )
    assert r.eigenvalues.dtype == np.float64 and r.dtype == dtype


def test_summary_and_result_fields():
    r = isometry.jacobian_spectrum(
        64, 3, activation="erf", weights="gaussian", sigma_w=1.5, sigma_b=0.3, seed=1, method="svd"
    )
    s = r.summary()
    assert s["mean"] == pytest.approx(r.eigenvalues.mean()) and s["max"] == r.eigenvalues[-1]
    sv = np.linalg.svd(np.diag(r.singular_values), compute_uv=False)
    assert s["condition_number"] == pytest.approx(sv[0] / sv[-1], rel=1e-8)
    assert r.q.shape == (3,) and r.singular_values.shape == (64,)
    assert (r.width, r.depth, r.activation, r.weights, r.seed) == (64, 3, "erf", "gaussian", 1)


def test_progress_callback_sees_every_layer_and_can_abort():
    calls = []
    before = isometry.jacobian_spectrum(
        32, 5, activation="relu", sigma_w=1.4, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(i, 6) for i in range(1, 7)]

    def stop(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        isometry.jacobian_spectrum(32, 5, activation="relu", sigma_w=1.4, progress=stop)
    # The cached workspace survives an abort: the next call gives the bits of the call before it.
    again = isometry.jacobian_spectrum(32, 5, activation="relu", sigma_w=1.4)
    np.testing.assert_array_equal(again.eigenvalues, before.eigenvalues)
