"""``jacobian_spectrum(..., weights="parameter_sharing")``: the Jacobian of a ReLU network with
the mirrored initialisation of Burkholz & Dubatovka (2019), built from the actual layers.

The network is the hidden part of :func:`isometry.init.parameter_sharing` with
``layer_sizes = [N/2, N, ..., N]``: input a_0 of N/2 units, first layer ``[W0; −W0]``, then
``depth − 1`` layers ``[[W0, −W0], [−W0, W0]]``, ReLU everywhere, zero biases. J = ∂x_L/∂a_0 is
N × N/2 and is formed honestly (J ← D_l W_l J with D_l from the forward pass), so the identity
``J = [P_L; −(1 − P_L)] W0_L ⋯ W0_1`` (P_L = 1[a_L > 0]) is something the tests check, not
something used here. Its N/2 squared singular values are those of the linear network
W0_L ⋯ W0_1: all σ_w^{2L} for orthogonal W0, Fuss–Catalan for Gaussian W0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry.montecarlo import _pipeline as _p
from isometry.sampling.network import _parameter_sharing_layers


def _input(half: int, q0: float, sigma_w: float, seed: int) -> np.ndarray:
    """a_0: a random direction (input stream) scaled so that σ_w²|a_0|²/(N/2) = q0."""
    g = _core.normal_stream(half, seed, _core.STREAMS["network_input"], 0, 0)
    norm_sq = float(g @ g)
    return g * np.sqrt(q0 * half / (sigma_w * sigma_w * norm_sq)) if norm_sq > 0 else g


def _checked(common: _p.Common, q0: object, base: object) -> tuple[float, str]:
    if common.device == "gpu":
        raise ValueError("weights='parameter_sharing' has no GPU implementation; use device='cpu'")
    if common.width % 2:
        raise ValueError(
            f"weights='parameter_sharing' mirrors every layer, so width must be even, "
            f"got {common.width}"
        )
    if common.sigma_b != 0.0:
        raise ValueError(
            f"weights='parameter_sharing' has zero biases: sigma_b must be 0, got {common.sigma_b}"
        )
    base = _validation.choice("base", "orthogonal" if base is None else base, _validation.WEIGHTS)
    q0 = 1.0 if q0 is None else _validation.real("q0", q0, positive=True)
    return q0, base


def _require_in_range(common: _p.Common, dtype: str, method: str) -> None:
    """Its squared singular values are σ_w^{2L} (orthogonal W0): refuse a scale beyond the
    dtype (silent inf or 0 otherwise), then the time and memory of a dense spectrum."""
    _validation.power_in_range(
        "sigma_w", common.sigma_w, 2 * common.depth, dtype, "the scale of the spectrum"
    )
    _p.require_dense_work(
        f"jacobian_spectrum(width={common.width}, depth={common.depth}, "
        "weights='parameter_sharing')",
        common,
        method,
        dtype,
    )


def parameter_sharing_spectrum(
    common: _p.Common, q0: object, dtype: str, method: str, progress: _p.ProgressLike, base: object
) -> Any:
    """``jacobian_spectrum(..., weights="parameter_sharing")`` after its shared checks."""
    from isometry.montecarlo.mlp import JacobianSpectrum

    q0, base = _checked(common, q0, base)
    _require_in_range(common, dtype, method)
    width, depth = common.width, common.depth
    half = width // 2
    itemsize = np.dtype(dtype).itemsize
    # W_l (N x N, plus its float64 draw), J and W_l J (N x N/2 each), the Gram matrix.
    _p.require_memory(
        f"jacobian_spectrum(width={width}, weights='parameter_sharing', dtype={dtype!r})",
        (width * width + 2 * width * half + half * half) * itemsize + 8 * width * width,
    )
    callback = _p.progress_callback(
        progress, f"parameter-sharing J of {depth} layers, width {width}"
    )
    raw, seconds = _p.timed(
        _forward, width, depth, base, common.sigma_w, q0, common.seed, dtype, method, callback
    )
    _p.require_finite(raw, ("eigenvalues", "singular_values"), "the eigensolver")
    return JacobianSpectrum(
        width=width,
        depth=depth,
        activation=common.activation,
        weights="parameter_sharing",
        sigma_w=common.sigma_w,
        sigma_b=common.sigma_b,
        q0=q0,
        seed=common.seed,
        dtype=dtype,
        method=method,
        base=base,
        seconds=seconds,
        critical_q_star=common.critical_q_star,
        **raw,
    )


def _forward(
    width: int,
    depth: int,
    base: str,
    sigma_w: float,
    q0: float,
    seed: int,
    dtype: str,
    method: str,
    callback: Any,
) -> dict[str, Any]:
    """The honest forward pass and J; returns the array fields of a JacobianSpectrum."""
    half = width // 2
    sizes = [half] + [width] * depth + [1]  # the readout is never drawn: the loop stops first
    layers = _parameter_sharing_layers(sizes, base, sigma_w, seed, dtype)
    x = _input(half, q0, sigma_w, seed).astype(dtype)
    jac = np.eye(half, dtype=dtype)
    q = np.empty(depth)
    zero_derivatives = 0
    for layer in range(depth):
        w, _ = next(layers)  # biases are zero
        h = w @ x
        q[layer] = float(np.dot(h.astype(np.float64), h.astype(np.float64))) / width
        d = (h > 0).astype(dtype)
        zero_derivatives += int(width - np.count_nonzero(d))
        x = h * d
        jac = d[:, None] * (w @ jac)
        if not np.all(np.isfinite(jac)):
            raise OverflowError(
                f"the Jacobian product overflowed in {dtype} at layer {layer + 1}; "
                "lower depth or sigma_w, or use float64"
            )
        if callback is not None:
            callback(layer + 1, depth + 1)
    if method == "eigh":
        eigenvalues = np.linalg.eigvalsh(jac.T @ jac).astype(np.float64)
        singular_values = np.sqrt(np.clip(eigenvalues, 0.0, None))
    else:
        singular_values = np.sort(np.linalg.svd(jac, compute_uv=False).astype(np.float64))
        eigenvalues = singular_values**2
    if callback is not None:
        callback(depth + 1, depth + 1)
    return {
        "eigenvalues": eigenvalues,
        "singular_values": singular_values,
        "q": q,
        "zero_derivatives": zero_derivatives,
    }
