"""An independent NumPy construction of the network Jacobian from the documented streams.

It rebuilds every weight, bias and the input from their Philox streams (STREAMS table) and forms
J = D_L W_L ... D_1 W_1 literally, with no tricks, to check the optimised C++ product.
"""

from __future__ import annotations

import numpy as np

import isometry
from isometry._internal.core import _core

PHI = {
    "linear": (lambda h: h, lambda h: np.ones_like(h)),
    "tanh": (np.tanh, lambda h: 1 / np.cosh(h) ** 2),  # not 1 − tanh²: exact 0 past |h| ≈ 19
    "hard_tanh": (lambda h: np.clip(h, -1, 1), lambda h: ((h > -1) & (h < 1)).astype(float)),
    "relu": (lambda h: np.maximum(h, 0), lambda h: (h > 0).astype(float)),
}


def layer_weight(n: int, layer: int, weights: str, sigma_w: float, seed: int) -> np.ndarray:
    s = isometry.STREAMS
    if weights == "orthogonal":
        return sigma_w * _core.haar_columns_f64(n, n, seed, s["layer_orthogonal"], layer)
    # Column-major layout: entry (i, j) is element j*n + i.
    z = _core.normal_stream(n * n, seed, s["layer_gaussian"], layer, 0)
    return sigma_w / np.sqrt(n) * z.reshape(n, n).T


def jacobian(n, depth, activation, weights, sigma_w, sigma_b, q0, seed, zero_counts=None):
    """J and q^l of the network; per-layer counts of φ'(h) == 0 are appended to ``zero_counts``."""
    s = isometry.STREAMS
    phi, dphi = PHI[activation]
    g = _core.normal_stream(n, seed, s["network_input"], 0, 0)
    x = g / np.linalg.norm(g) * np.sqrt(n * (q0 - sigma_b**2)) / sigma_w
    J = np.eye(n)
    qs = []
    for layer in range(depth):
        W = layer_weight(n, layer, weights, sigma_w, seed)
        h = W @ x + sigma_b * _core.normal_stream(n, seed, s["layer_bias"], layer, 0)
        qs.append(h @ h / n)
        d = dphi(h)
        if zero_counts is not None:
            zero_counts.append(int(np.count_nonzero(d == 0.0)))
        J = d[:, None] * (W @ J)
        x = phi(h)
    return J, np.array(qs)
