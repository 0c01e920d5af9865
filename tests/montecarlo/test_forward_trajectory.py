"""Forward-pass-only quantities: the simulated q^l trajectory, Saxe's eq. 17 in physical time,
finite-width ReLU norm ratios."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

import isometry
from isometry import theory
from isometry.theory import deep_linear


@pytest.mark.parametrize("weights", ["orthogonal", "gaussian"])
@pytest.mark.parametrize(
    "activation,sigma_w,sigma_b", [("tanh", 1.3, 0.2), ("relu", 1.4, 0.1), ("erf", 2.0, 0.0)]
)
def test_trajectory_equals_the_jacobian_runs_q(weights, activation, sigma_w, sigma_b):
    # Same streams as jacobian_spectrum, whose C++ forward pass records q^l: rounding only.
    kw = {
        "activation": activation,
        "weights": weights,
        "sigma_w": sigma_w,
        "sigma_b": sigma_b,
        "seed": 5,
    }
    q = isometry.length_trajectory_mc(64, 7, **kw)
    r = isometry.jacobian_spectrum(64, 7, **kw)
    np.testing.assert_allclose(q, r.q, rtol=1e-12)


def test_trajectory_follows_the_length_map():
    # Away from the fixed point (q0 = 3, tanh σ_w = 1.5): q^l of one wide network is the
    # length map's value plus O(1/√N) fluctuations; 5/√N relative covers them at N = 2000.
    n, depth = 2000, 6
    q = isometry.length_trajectory_mc(
        n, depth, activation="tanh", weights="gaussian", sigma_w=1.5, q0=3.0, seed=1
    )
    want = theory.length_trajectory("tanh", 1.5, 0.0, 3.0, depth)
    np.testing.assert_allclose(q, want, rtol=5 / math.sqrt(n))
    # Orthogonal weights without bias keep |W x|² = σ_w² |x|²: q^1 = q0 to rounding.
    q = isometry.length_trajectory_mc(
        64, 1, activation="tanh", weights="orthogonal", sigma_w=1.5, q0=3.0
    )
    assert q[0] == pytest.approx(3.0, rel=1e-13)


def test_trajectory_refuses_unbounded_work():
    with pytest.raises(ValueError, match="max_operations"):
        isometry.length_trajectory_mc(10**5, 10**4, weights="gaussian")
    with pytest.raises(ValueError, match="width must be"):
        isometry.length_trajectory_mc(0, 3)


@pytest.mark.parametrize("layers", [3, 10, 1000])
def test_saxe_eq17_physical_time(layers):
    # Eq. 16, τ du/dt = N_l u²(s − u), integrated by quad: t = ∫ τ du / (N_l u² (s − u)).
    s, u0, uf, tau = 2.0, 0.01, 1.9, 0.3
    want, _ = integrate.quad(
        lambda u: tau / (layers * u * u * (s - u)), u0, uf, epsrel=1e-13, limit=200
    )
    assert deep_linear.learning_time_large_depth(s, u0, uf, layers, tau=tau) == pytest.approx(
        want, rel=1e-11
    )


def test_saxe_eq17_approaches_eq15():
    # Eq. 16 replaces (N_l − 1) u^{2 − 2/(N_l−1)} by N_l u²: relative error O(log(s/u₀)/N_l).
    s, u0, uf = 1.0, 0.05, 0.95
    for layers in (100, 1000):
        exact = deep_linear.learning_time(s, u0, uf, depth=layers - 1)
        approx = deep_linear.learning_time_large_depth(s, u0, uf, layers)
        assert abs(approx / exact - 1) < 3 * math.log(s / u0) / layers


def test_relu_ratio_moments_closed_form():
    # He (σ_w² = 2, σ_b = 0): E r_L = N_L/N_0 and E r_L² = Π_l (1 + 5/N_l) (N_L/N_0)² (χ² moments).
    widths = [30, 50, 20, 40]
    mean, var = theory.relu_norm_ratio_moments(widths, input_norm_sq=7.0)
    ratio = widths[-1] / widths[0]
    second = ratio**2 * np.prod([1 + 5 / n for n in widths[1:]])
    assert mean[0] == 1.0 and var[0] == 0.0
    assert mean[-1] == pytest.approx(ratio, rel=1e-14)
    assert var[-1] == pytest.approx(second - ratio**2, rel=1e-12)


def test_relu_ratio_moments_against_the_chain():
    # Monte Carlo of the exact chain: the mean of 40000 ratios is within 4 standard errors.
    widths, sigma_b, s0 = [10, 10, 10, 10], 0.3, 4.0
    mean, var = theory.relu_norm_ratio_moments(widths, math.sqrt(2), sigma_b, input_norm_sq=s0)
    samples = theory.sample_relu_chain(
        widths, math.sqrt(2), sigma_b, samples=40000, input_norm_sq=s0, seed=3
    )
    ratios = samples / samples[:, :1]
    assert abs(ratios[:, -1].mean() - mean[-1]) < 4 * math.sqrt(var[-1] / 40000)
