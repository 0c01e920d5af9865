"""jacobian_spectrum(weights="parameter_sharing"): mirrored ReLU networks (Burkholz & Dubatovka)."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

import isometry
from isometry import init


@pytest.mark.parametrize("depth", [1, 2, 7, 40])
def test_orthogonal_blocks_give_perfect_isometry_at_any_depth(depth, seed):
    r = isometry.jacobian_spectrum(
        64, depth, activation="relu", weights="parameter_sharing", seed=seed
    )
    assert r.eigenvalues.size == 32 and r.base == "orthogonal"
    # Every singular value is exactly 1: rounding of ~depth products of orthogonal matrices.
    np.testing.assert_allclose(r.singular_values, 1.0, rtol=0, atol=1e-13 * depth)
    np.testing.assert_allclose(
        isometry.jacobian_spectrum(
            64, depth, activation="relu", weights="parameter_sharing", seed=seed, method="svd"
        ).singular_values,
        1.0,
        rtol=0,
        atol=1e-13 * depth,
    )


def test_orthogonal_blocks_scale_with_sigma_w_and_float32():
    r = isometry.jacobian_spectrum(
        40, 9, activation="relu", weights="parameter_sharing", sigma_w=1.1, seed=1
    )
    np.testing.assert_allclose(r.singular_values, 1.1**9, rtol=1e-13)
    r32 = isometry.jacobian_spectrum(
        40, 9, activation="relu", weights="parameter_sharing", seed=1, dtype="float32"
    )
    np.testing.assert_allclose(
        r32.singular_values, 1.0, atol=1e-5
    )  # float32 rounding over 9 layers


def test_plain_orthogonal_relu_is_far_from_isometry():
    # The contrast the paper draws: orthogonal weights without sharing spread the spectrum.
    r = isometry.jacobian_spectrum(
        64, 20, activation="relu", weights="orthogonal", sigma_w=np.sqrt(2), seed=0
    )
    assert r.singular_values[-1] / max(r.singular_values[0], 1e-300) > 1e3


def test_jacobian_equals_the_linear_network_of_the_blocks():
    # Independent route: take the full layers of init.parameter_sharing, read off the W0 blocks,
    # and compare J's spectrum with that of W0_L ⋯ W0_1 (Gaussian blocks: a non-trivial spectrum).
    n, depth, seed = 24, 5, 3
    ws, _ = init.parameter_sharing(
        [n // 2] + [n] * depth + [1], base="gaussian", sigma_w=1.2, seed=seed
    )
    product = ws[0][: n // 2]  # [W0; −W0] -> W0
    for w in ws[1:depth]:
        product = w[: n // 2, : n // 2] @ product
    expected = np.linalg.eigvalsh(product.T @ product)
    r = isometry.jacobian_spectrum(
        n,
        depth,
        activation="relu",
        weights="parameter_sharing",
        base="gaussian",
        sigma_w=1.2,
        seed=seed,
    )
    np.testing.assert_allclose(r.eigenvalues, expected, rtol=1e-10, atol=1e-12 * expected[-1])


def test_gaussian_blocks_follow_fuss_catalan():
    # W0_L ⋯ W0_1 of Gaussian (N/2)² blocks, variance 1/(N/2): Fuss–Catalan moments
    # m_k = C((L+1)k, k)/(Lk + 1). Scale-free ratios m_k/m_1^k (a single network's m₁
    # fluctuates by O(√(L/N))): 3 networks of N/2 = 300, L = 4: m₂/m₁² = 5, m₃/m₁³ = 35.
    depth, ratios = 4, []
    for seed in range(3):
        ev = isometry.jacobian_spectrum(
            600, depth, activation="relu", weights="parameter_sharing", base="gaussian", seed=seed
        ).eigenvalues
        m1, m2, m3 = (np.mean(ev**k) for k in (1, 2, 3))
        ratios.append((m2 / m1**2, m3 / m1**3))
    fc = [comb((depth + 1) * k, k) / (depth * k + 1) for k in (1, 2, 3)]
    assert fc == [1.0, 5.0, 35.0]
    r2, r3 = np.mean(ratios, axis=0)
    # Finite-N bias and spread of these ratios are O(L/N): 3 % and 8 % allowed.
    assert r2 == pytest.approx(fc[1], rel=0.03)
    assert r3 == pytest.approx(fc[2], rel=0.08)


def test_bad_input():
    with pytest.raises(ValueError, match="width must be even"):
        isometry.jacobian_spectrum(15, 3, activation="relu", weights="parameter_sharing")
    with pytest.raises(ValueError, match="activation must be 'relu'"):
        isometry.jacobian_spectrum(16, 3, activation="tanh", weights="parameter_sharing")
    with pytest.raises(ValueError, match="sigma_b must be 0"):
        isometry.jacobian_spectrum(
            16, 3, activation="relu", weights="parameter_sharing", sigma_b=0.1
        )
    with pytest.raises(ValueError, match="base"):
        isometry.jacobian_spectrum(
            16, 3, activation="relu", weights="parameter_sharing", base="uniform"
        )
    with pytest.raises(ValueError, match="base is only used"):
        isometry.jacobian_spectrum(16, 3, activation="relu", weights="orthogonal", base="gaussian")
    with pytest.raises(ValueError, match="weights"):
        isometry.jacobian_spectrum(16, 3, activation="relu", weights="mirrored")
