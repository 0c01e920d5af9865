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
    """The simulated pre-activation variances ``[q^1, ..., q^depth]`` of one random network.

    The forward pass only, no Jacobian: q^l = ‖h_l‖²/N with h_l = W_l x_{l-1} + b_l and
    x_l = φ(h_l), from the same Philox streams as :func:`jacobian_spectrum`, so for the same
    arguments it equals that call's ``q`` to rounding.

    Parameters
    ----------
    width : int
        Number of units N of every layer, at least 1.
    depth : int
        Number of layers L, at least 1.
    activation : {"tanh", "linear", "hard_tanh", "relu", "erf"}, default "tanh"
        φ; ``"erf"`` is φ(h) = erf(√π h/2).
    weights : {"orthogonal", "gaussian"}, default "orthogonal"
        ``W_l = σ_w Q_l`` with Q_l Haar, or entries N(0, σ_w²/width).
    sigma_w : float, default 1.0
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w².
    sigma_b : float, default 0.0
        σ_b, the bias standard deviation; at least 0.
    q0 : float, optional
        Variance of the first pre-activations: the input is scaled so that
        σ_w²‖x_0‖²/N + σ_b² = q0 (so q0 ≥ σ_b²). Defaults to the mean-field fixed point q*
        (:func:`default_q0`), which the large-width theory assumes.
    seed : int, default 0
        The Philox key of the weights, biases and input: an int in [0, 2⁶⁴).
    max_operations : float, default 2e10
        Bound on the floating-point work (about 10 s on one core); larger work is refused with
        the estimate. Raise it to run a larger network anyway.

    Returns
    -------
    ndarray
        q^l for l = 1..depth.

    Raises
    ------
    ValueError
        If an argument is out of range (the message names it and the allowed range), or the work
        exceeds ``max_operations``.
    OverflowError
        If q^l overflows (the message names the layer).
    MemoryError
        If the estimated memory does not fit (checked before anything is allocated).

    See Also
    --------
    isometry.theory.length_trajectory : the mean-field trajectory to compare with.
    jacobian_spectrum

    Notes
    -----
    Cost: one width × width matrix–vector product per layer, plus a QR factorisation per layer
    for orthogonal weights; one weight matrix in memory at a time.

    References
    ----------
    .. [1] J. Pennington, S. S. Schoenholz, S. Ganguli, "Resurrecting the sigmoid in deep
       learning through dynamical isometry: theory and practice", NeurIPS 2017.
    .. [2] J. Pennington, S. S. Schoenholz, S. Ganguli, "The emergence of spectral universality
       in deep networks", AISTATS 2018.

    Examples
    --------
    >>> q = isometry.length_trajectory_mc(64, 3, activation="tanh", sigma_w=1.05, q0=0.5)
    >>> q.shape, bool(abs(q[0] - 0.5) < 1e-12)  # the input is scaled to q^1 = q0 exactly
    ((3,), True)
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
