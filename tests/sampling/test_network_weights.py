"""isometry.init: layer weights equal the Jacobian code's draws; parameter sharing is exact."""

from __future__ import annotations

import numpy as np
import pytest
from numpy_reference import layer_weight

import isometry
from isometry import init


@pytest.mark.parametrize("weights", ["orthogonal", "gaussian"])
def test_square_layers_are_the_jacobian_codes_draws(weights):
    n, depth, seed = 24, 3, 7
    ws, bs = init.network_weights(
        [n] * (depth + 1), weights=weights, sigma_w=1.3, sigma_b=0.2, seed=seed
    )
    for layer in range(depth):
        np.testing.assert_array_equal(ws[layer], layer_weight(n, layer, weights, 1.3, seed))
        expected_bias = 0.2 * isometry._core.normal_stream(
            n, seed, isometry.STREAMS["layer_bias"], layer, 0
        )
        np.testing.assert_array_equal(bs[layer], expected_bias)


def test_rectangular_orthogonal_layers_are_stiefel():
    ws, _ = init.network_weights([30, 50, 20, 7], weights="orthogonal", sigma_w=2.0, seed=3)
    assert [w.shape for w in ws] == [(50, 30), (20, 50), (7, 20)]
    np.testing.assert_allclose(ws[0].T @ ws[0], 4.0 * np.eye(30), atol=1e-12)  # tall: columns
    np.testing.assert_allclose(ws[1] @ ws[1].T, 4.0 * np.eye(20), atol=1e-12)  # wide: rows


def test_gaussian_layer_variance():
    ws, _ = init.network_weights([400, 300], weights="gaussian", sigma_w=1.5, seed=1)
    # 120000 entries: the sample variance is within ~0.4% of σ_w²/fan_in (5 sigma: 2%).
    assert ws[0].var() == pytest.approx(1.5**2 / 400, rel=0.02)


def relu_network(ws, x):
    """Output and input-output Jacobian of a bias-free ReLU network with a linear last layer."""
    jac = np.eye(x.size)
    for w in ws[:-1]:
        h = w @ x
        jac = (h > 0)[:, None] * (w @ jac)
        x = np.maximum(h, 0)
    return ws[-1] @ x, ws[-1] @ jac


@pytest.mark.parametrize("depth", [1, 2, 5, 40])
def test_parameter_sharing_orthogonal_is_perfect_isometry(depth):
    n = 16
    ws, bs = init.parameter_sharing([n] + [2 * n] * (depth - 1) + [n], base="orthogonal", seed=11)
    assert all(np.all(b == 0) for b in bs)
    x = np.random.default_rng(0).standard_normal(n)
    _, jac = relu_network(ws, x)
    np.testing.assert_allclose(np.linalg.svd(jac, compute_uv=False), np.ones(n), atol=1e-12)


def test_parameter_sharing_relu_net_is_the_linear_net_of_its_blocks():
    sizes = [10, 16, 12, 8, 3]
    ws, _ = init.parameter_sharing(sizes, base="gaussian", sigma_w=1.2, seed=5)
    # Layer 0's block is drawn like network_weights' first layer at the half size.
    first_block = init.network_weights([10, 8], weights="gaussian", sigma_w=1.2, seed=5)[0][0]
    np.testing.assert_array_equal(ws[0][:8], first_block)
    np.testing.assert_array_equal(ws[0][8:], -first_block)
    x = np.random.default_rng(1).standard_normal(10)
    out, jac = relu_network(ws, x)
    linear = ws[3][:, :4] @ ws[2][:4, :6] @ ws[1][:6, :8] @ ws[0][:8]
    np.testing.assert_allclose(out, linear @ x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(jac, linear, rtol=1e-12, atol=1e-12)


def test_parameter_sharing_block_structure():
    ws, _ = init.parameter_sharing([6, 8, 8, 4], seed=2)
    w0 = ws[1][:4, :4]
    np.testing.assert_array_equal(ws[1], np.block([[w0, -w0], [-w0, w0]]))
    np.testing.assert_array_equal(ws[2][:, 4:], -ws[2][:, :4])


def test_bad_input():
    with pytest.raises(ValueError, match=r"layer_sizes\[1\] = 7.*even"):
        init.parameter_sharing([4, 7, 4])
    with pytest.raises(ValueError, match="base must be one of"):
        init.parameter_sharing([4, 8, 4], base="uniform")
    with pytest.raises(ValueError, match="weights must be one of"):
        init.network_weights([4, 4], weights="haar")
    with pytest.raises(ValueError, match="at least an input and an output"):
        init.network_weights([4])
    with pytest.raises(ValueError, match="sigma_w must be > 0"):
        init.network_weights([4, 4], sigma_w=0.0)
    with pytest.raises(TypeError, match="layer_sizes"):
        init.network_weights(4)
    with pytest.raises(MemoryError, match="needs about"):
        init.network_weights([10**7, 10**7])
