"""The Haar sampler against a NumPy construction of the same matrix from its documented draws.

The sampler forms Q from its reflectors in column tiles (128 columns each), applying to each tile
only the block reflectors that reach it; the reference multiplies the full n x n reflections
one by one. Sizes straddle the tile and block boundaries (32-reflector blocks)."""

from __future__ import annotations

import numpy as np
import pytest

import isometry
from isometry import _core


def reference_q(n: int, m: int, seed: int) -> np.ndarray:
    """H_1 ... H_m [:, :m], H_j the reflection sending x_j to |x_j| e_j, where x_j holds the
    entries j·n + j .. j·n + n - 1 of the sampler's normal stream."""
    z = _core.normal_stream(n * n, seed, isometry.STREAMS["haar_sampler"], 0, 0)
    q = np.eye(n)
    for j in range(m):
        x = z[j * n + j : j * n + n]
        u = x.copy()
        u[0] -= np.linalg.norm(x)  # H = I - 2 u uᵀ / uᵀu maps x to ‖x‖ e_1 (u = 0: H = I)
        norm2 = u @ u
        if norm2 > 0:
            q[:, j:] -= np.outer(q[:, j:] @ u, 2 * u / norm2)
    return q[:, :m]


@pytest.mark.parametrize(
    "n,m",
    [
        (1, 1),
        (2, 2),
        (31, 31),
        (33, 20),
        (127, 127),
        (128, 128),
        (129, 129),
        (300, 300),
        (300, 129),
    ],
)
def test_haar_matrix_is_the_product_of_its_reflections(n, m):
    q = isometry.haar_orthogonal(n, m, seed=17)
    # Two backward-stable products of the same reflections: a few ulps times n.
    np.testing.assert_allclose(q, reference_q(n, m, 17), rtol=0, atol=20 * n * np.finfo(float).eps)


def test_float32_haar_matrix_is_the_same_product():
    q = isometry.haar_orthogonal(200, seed=3, dtype="float32")
    assert q.dtype == np.float32
    np.testing.assert_allclose(q, reference_q(200, 200, 3), rtol=0, atol=20 * 200 * 1.2e-7)
