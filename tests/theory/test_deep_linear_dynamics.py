"""Saxe et al. deep-linear dynamics: closed forms, the integrated reduction, simulated networks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from isometry.plotting.deep_linear import plot_learning_time_vs_depth
from isometry.theory import deep_linear as dl
from isometry.training import deep_linear as experiments
from isometry.training.synthetic import saxe_task


def test_closed_form_solves_the_two_layer_ode():
    t = np.linspace(0, 6, 25)
    for s, u0 in [(2.0, 1e-3), (0.5, 0.2), (3.0, 2.9)]:
        exact = dl.mode_strength(t, s, u0)
        assert exact[0] == pytest.approx(u0, rel=1e-15)
        # RK4 with 2000 steps per time scale: error ~1e-13 relative.
        np.testing.assert_allclose(dl.mode_strength_deep(t, s, u0, depth=2), exact, rtol=1e-10)
    # Eq. 12 by hand at one point: s e^{2st}/(e^{2st} − 1 + s/u0).
    s, u0, tt = 1.5, 0.01, 0.8
    e = math.exp(2 * s * tt)
    assert float(dl.mode_strength(tt, s, u0)) == pytest.approx(s * e / (e - 1 + s / u0), rel=1e-14)


def test_learning_time_closed_forms():
    s, u0, uf = 2.0, 0.01, 1.9
    eq11 = math.log(uf * (s - u0) / (u0 * (s - uf))) / (2 * s)
    assert dl.learning_time(s, u0, uf, depth=2) == pytest.approx(eq11, rel=1e-13)
    # The trajectory reaches uf exactly at that time.
    assert float(dl.mode_strength(eq11, s, u0)) == pytest.approx(uf, rel=1e-12)
    # D = 1 (a single layer): τ du/dt = s − u, t = ln((s − u0)/(s − uf)).
    assert dl.learning_time(s, u0, uf, depth=1) == pytest.approx(
        math.log((s - u0) / (s - uf)), rel=1e-13
    )
    # The deep ODE integrated to the quadrature's learning time lands on uf (D = 5).
    t5 = dl.learning_time(s, u0, uf, depth=5)
    assert float(dl.mode_strength_deep(t5, s, u0, depth=5)) == pytest.approx(uf, rel=1e-8)
    # Paper: for u0 = ε, uf = s − ε the D = 2 time is (τ/s) ln((s − ε)/ε) ≈ (τ/s) ln(s/ε).
    eps = 1e-4
    assert dl.learning_time(s, eps, s - eps) == pytest.approx(
        math.log((s - eps) / eps) / s, rel=1e-13
    )


def test_infinite_depth_limit():
    s, u0, uf = 2.0, 0.5, 1.9
    limit = dl.learning_time_infinite_depth(s, u0, uf)
    by_hand = (
        math.log(uf * (u0 - s) / (u0 * (uf - s))) / s**2 + 1 / (s * u0) - 1 / (s * uf)
    )  # eq. 17 as printed
    assert limit == pytest.approx(by_hand, rel=1e-14)
    # D·t(D)/τ → T∞ with an O(1/D) gap: u^{2−2/D} = u²·u^{−2/D}.
    gaps = [abs(d * dl.learning_time(s, u0, uf, depth=d) - limit) for d in (10, 100, 1000)]
    assert gaps[2] < gaps[1] < gaps[0] and gaps[1] / gaps[2] == pytest.approx(10, rel=0.05)
    # The rescaled infinite-depth ODE reaches uf at T∞.
    assert float(dl.mode_strength_infinite_depth(limit, s, u0)) == pytest.approx(uf, rel=1e-9)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"u0 must lie in \(0, s\)"):
        dl.mode_strength(1.0, 1.0, 1.5)
    with pytest.raises(ValueError, match=r"uf must lie in \(u0, s\)"):
        dl.learning_time(1.0, 0.1, 1.0)
    with pytest.raises(ValueError, match="depth .* must be >= 1"):
        dl.learning_time(1.0, 0.1, 0.5, depth=0.5)
    with pytest.raises(ValueError, match="t must be finite and >= 0"):
        dl.mode_strength(-1.0, 1.0, 0.1)
    with pytest.raises(ValueError, match="singular_values must be"):
        saxe_task([1.0, -2.0], 4, 4)


def test_mode_experiment_refuses_u0_at_or_above_a_singular_value():
    # The theory needs u₀ < s_α for every mode; u₀ used to be clipped to 0.999·s silently.
    for u0 in (0.5, 0.7):
        with pytest.raises(ValueError, match=r"u0 must be < min\(singular_values\) = 0\.5"):
            experiments.mode_strength_experiment((2.0, 0.5), u0=u0, steps=5)
    with pytest.raises(ValueError, match="u0 must be > 0"):
        experiments.mode_strength_experiment((2.0, 0.5), u0=0.0, steps=5)
    assert experiments.mode_strength_experiment(
        (2.0, 0.5), u0=0.49, steps=5, record_every=1
    ).theory.shape == (6, 2)


def test_saxe_task_has_the_requested_correlation():
    data, u, s, v = saxe_task([3.0, 1.0], 6, 5, seed=2)
    x, y = data.x_train, data.y_train
    np.testing.assert_allclose(x.T @ x / 6, np.eye(6), atol=1e-13)  # whitened inputs
    np.testing.assert_allclose(y.T @ x / 6, (u * s) @ v.T, atol=1e-13)
    np.testing.assert_allclose(
        np.linalg.svd(y.T @ x / 6, compute_uv=False)[:2], [3.0, 1.0], rtol=1e-13
    )


def test_simulated_two_layer_network_converges_to_the_closed_form():
    # Gradient descent with step η is the ODE's Euler scheme: its error is O(η), so halving η
    # halves the largest deviation from eq. 12 (decoupled balanced start, exact for η → 0).
    errors = []
    for lr in (0.01, 0.005):
        r = experiments.mode_strength_experiment(
            (3.0, 2.0, 1.0, 0.5), depth=2, learning_rate=lr, record_every=int(0.05 / lr)
        )
        np.testing.assert_allclose(r.simulated[0], 1e-3, rtol=1e-10)  # every mode starts at u0
        np.testing.assert_allclose(r.simulated[-1], r.singular_values, rtol=1e-3)  # and is learned
        errors.append(float(np.max(np.abs(r.simulated - r.theory))))
    assert errors[1] < 0.04  # observed 0.033 of mode strengths up to 3
    assert errors[1] / errors[0] == pytest.approx(0.5, abs=0.05)


def test_deeper_simulation_follows_the_reduction():
    errors = []
    for lr in (0.01, 0.005):
        r = experiments.mode_strength_experiment(
            (2.0, 1.0), depth=3, learning_rate=lr, record_every=int(0.05 / lr)
        )
        errors.append(float(np.max(np.abs(r.simulated - r.theory))))
    assert errors[1] / errors[0] == pytest.approx(0.5, abs=0.07)


def test_learning_time_vs_depth_runs_and_orthogonal_learns_at_depth(tmp_path):
    data, *_ = saxe_task(np.linspace(1.0, 2.0, 12), 12, 12, seed=0)
    res = experiments.learning_time_vs_depth(data, (2, 8), lr_scale=0.5, max_steps=3000)
    assert res.info["s_max"] == pytest.approx(2.0, rel=1e-12)
    assert res.info["E_min"] < 1e-20  # the task is exactly linear
    assert res.steps_to_learn["orthogonal"][1] is not None  # learned at D = 8
    np.testing.assert_allclose(
        res.learning_rates["orthogonal"], [0.5 / (2 * 4.0), 0.5 / (8 * 4.0)], rtol=1e-12
    )
    pytest.importorskip("matplotlib")
    plot_learning_time_vs_depth(res, tmp_path / "b.png")  # returns the Figure
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_orthogonal_learning_time_saturates_with_depth():
    """Saxe et al.: at the best learning rate for each depth (η = scale/(D s_max²), scale from a
    grid), orthogonal networks learn in a depth-independent number of steps once D is moderate,
    while scaled Gaussian ones slow down and stop learning within the budget."""
    data, *_ = saxe_task(np.linspace(1.0, 2.0, 32), 32, 32, seed=0)
    res = experiments.learning_time_vs_depth(data, (8, 32), max_steps=1000)
    steps_8, steps_32 = res.steps_to_learn["orthogonal"]
    assert steps_8 is not None and steps_32 is not None
    assert steps_32 <= 1.5 * steps_8  # 4x the depth, at most 1.5x the steps (measured 43 and 45)
    gaussian_32 = res.steps_to_learn["gaussian"][1]
    assert gaussian_32 is None or gaussian_32 > 5 * steps_32


def test_mnist_task_whitens_the_inputs():
    from isometry.datasets.dataset import Dataset

    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 40)) @ rng.standard_normal((40, 40))  # correlated "pixels"
    labels = rng.integers(0, 10, 300)
    task = experiments.mnist_task(
        Dataset("m", x, labels, x[:10], labels[:10], 10), components=8, n_train=200
    )
    z, y = task.x_train, task.y_train
    np.testing.assert_allclose(
        z.T @ z / 200, np.eye(8), atol=1e-12
    )  # Σ¹¹ = I on the kept components
    np.testing.assert_array_equal(np.argmax(y, axis=1), labels[:200])
