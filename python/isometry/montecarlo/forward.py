"""The simulated length trajectory q^l of one random network: the forward pass only, no Jacobian.

``q^l = |h_l|²/N`` with ``h_l = W_l x_{l-1} + b_l``, ``x_l = φ(h_l)``: the finite-width
counterpart of the mean-field length map (:func:`isometry.theory.length_trajectory`). The weights,
biases and input come from the same Philox streams as :func:`isometry.jacobian_spectrum`
(``isometry.STREAMS``), so for the same arguments the trajectory equals that call's ``q`` to
rounding, without forming J or calling an eigensolver.

Cost: one width × width matrix–vector product per layer (plus a QR factorisation per layer for
orthogonal weights), and one weight matrix in memory at a time.
"""

from __future__ import annotations

import numpy as np

from isometry._internal import memory as _memory
from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry.montecarlo.mlp import default_q0
from isometry.training.activations import activation as numpy_activation

STREAMS: dict[str, int] = dict(_core.STREAMS)

__all__ = ["MAX_OPERATIONS", "length_trajectory_mc"]

#: Default bound on the floating-point work, ~10 s on one core: depth × (width² for Gaussian
#: weights, ~4 width³/3 for orthogonal ones, whose Haar draw is a QR factorisation per layer).
MAX_OPERATIONS = 2e10


def _operations(width: int, depth: int, weights: str) -> float:
    per_layer = 2.0 * width * width + (4.0 / 3.0 * width**3 if weights == "orthogonal" else 0.0)
    return depth * per_layer


def _layer_weight(width: int, layer: int, weights: str, sigma_w: float, seed: int) -> np.ndarray:
    if weights == "orthogonal":
        return sigma_w * _core.haar_columns_f64(
            width, width, seed, STREAMS["layer_orthogonal"], layer
        )
    # Column-major stream layout: entry (i, j) is element j·width + i.
    z = _core.normal_stream(width * width, seed, STREAMS["layer_gaussian"], layer, 0)
    return (sigma_w / np.sqrt(width)) * z.reshape(width, width).T


def length_trajectory_mc(
    width: int,
    depth: int,
    *,
    activation: str = "tanh",
    weights: str = "orthogonal",
    sigma_w: float = 1.0,
    sigma_b: float = 0.0,
    q0: float | None = None,
    seed: int = 0,
    max_operations: float = MAX_OPERATIONS,
) -> np.ndarray:
    """``[q^1, ..., q^depth]`` of one random network of ``width`` units (module docstring).

    Arguments as for :func:`isometry.jacobian_spectrum` (``q0=None``: the mean-field fixed point,
    as there). Work beyond ``max_operations`` floating-point operations is refused with the
    estimate (``ValueError``); raise the bound to run it anyway. Memory is checked first.
    """
    width = _validation.positive_int("width", width)
    depth = _validation.positive_int("depth", depth)
    activation = _validation.choice("activation", activation, _validation.ACTIVATIONS)
    weights = _validation.choice("weights", weights, _validation.WEIGHTS)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    seed = _validation.seed(seed)
    max_operations = _validation.real("max_operations", max_operations, positive=True)
    work = _operations(width, depth, weights)
    if work > max_operations:
        raise ValueError(
            f"length_trajectory_mc(width={width}, depth={depth}, weights={weights!r}) needs about "
            f"{work:.3g} floating-point operations, above max_operations = {max_operations:.3g}; "
            "lower width or depth, or raise max_operations"
        )
    if q0 is None:
        q0 = default_q0(activation, sigma_w, sigma_b)
    else:
        q0 = _validation.real("q0", q0, positive=True)
        if q0 < sigma_b**2:
            raise ValueError(
                f"q0 must be at least sigma_b**2 = {sigma_b**2} (q0 = σ_w²|x_0|²/N + σ_b²), got {q0}"
            )
    # One weight matrix, its QR workspace (orthogonal) and the stream it came from.
    _memory.require(f"length_trajectory_mc(width={width})", 3 * 8 * width * width + 64 * width)

    phi = numpy_activation(activation, np)
    g = _core.normal_stream(width, seed, STREAMS["network_input"], 0, 0)
    norm = float(np.linalg.norm(g))
    # x_0 = r g/|g| √N with σ_w² r² + σ_b² = q0, so that the first pre-activations have variance q0.
    x = g * (np.sqrt(width * (q0 - sigma_b**2)) / sigma_w / norm) if norm > 0 else np.zeros(width)
    q = np.empty(depth)
    h = np.empty(width)
    for layer in range(depth):
        w = _layer_weight(width, layer, weights, sigma_w, seed)
        np.matmul(w, x, out=h)
        h += sigma_b * _core.normal_stream(width, seed, STREAMS["layer_bias"], layer, 0)
        q[layer] = float(h @ h) / width
        if not np.isfinite(q[layer]):
            raise OverflowError(
                f"q^l overflowed at layer {layer + 1}; lower sigma_w, sigma_b or q0"
            )
        x = phi.forward(h, np.empty(width))
    return q
