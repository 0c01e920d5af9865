"""Initial weights for the trainer, drawn by :mod:`isometry.init` with the theory's seeds.

* ``'orthogonal'`` / ``'gaussian'``: :func:`isometry.init.network_weights` — for square layers the
  very matrices :func:`isometry.jacobian_spectrum` analyses for the same seed.
* ``'parameter_sharing'``: :func:`isometry.init.parameter_sharing` (Burkholz & Dubatovka's
  mirrored ReLU init, docs/theory/relu_finite_width.md) with orthogonal W0 blocks and zero biases.
  The ReLU network then computes the linear network of its W0 blocks, so it only makes sense for ``relu`` and
  its isometric scale is σ_w = 1, σ_b = 0, whatever q* is asked for.

The weight scale comes either from q* on the critical line, ``(σ_w, σ_b) =
critical_point(activation, q*)``, or from explicit (σ_w, σ_b). With q*, inputs are scaled so that
the first pre-activations have variance q*, the theory's fixed point from the first layer on:
``σ_w²·|x|²/fan + σ_b² = q*`` where ``fan`` is what a first-layer weight row divides |x|² by,

* Gaussian: E(Wx)_i² = σ_w²|x|²/n_in, so ``fan = n_in``;
* orthogonal (W = σ_w Q): for N₁ ≤ n_in the rows of Q are Haar unit vectors of R^{n_in} and
  E(Wx)_i² = σ_w²|x|²/n_in; for N₁ > n_in the columns are orthonormal, |Qx| = |x| spread over N₁
  rows, E(Wx)_i² = σ_w²|x|²/N₁. So ``fan = max(n_in, N₁)``;
* parameter sharing: the first layer is [W0; −W0] with W0 orthogonal of N₁/2 × n_in, so
  ``fan = max(n_in, N₁/2)``.

The input target is therefore ``E|x|²/n_in = (q* − σ_b²)/σ_w² · fan/n_in``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from isometry import theory
from isometry._names import ensembles
from isometry.sampling import network as _init

__all__ = ["INITS", "Scales", "first_layer_fan", "initial_parameters", "resolve_scales"]

INITS = ensembles("training")


@dataclass(frozen=True)
class Scales:
    sigma_w: float
    sigma_b: float
    # Target E|x|²/n_in of the (standardised) inputs; None: leave the inputs as they are.
    input_second_moment: float | None


def first_layer_fan(init: str, layer_sizes: Sequence[int]) -> int:
    """The ``fan`` with E(W₁x)_i² = σ_w²|x|²/fan for the first layer of ``init`` (module docstring)."""
    n_in, n_1 = int(layer_sizes[0]), int(layer_sizes[1])
    if init == "gaussian":
        return n_in
    if (
        init == "parameter_sharing" and len(layer_sizes) > 2
    ):  # a single layer is W0 itself, unmirrored
        n_1 //= 2
    return max(n_in, n_1)


def resolve_scales(
    activation: str,
    init: str,
    q_star: float | None,
    sigma_w: float | None,
    sigma_b: float | None,
    *,
    layer_sizes: Sequence[int],
) -> Scales:
    """(σ_w, σ_b) and the inputs' target second moment for a network of ``layer_sizes``."""
    if init not in INITS:
        listed = ", ".join(repr(i) for i in INITS)
        raise ValueError(f"init must be one of {listed}; got {init!r}")
    if init == "parameter_sharing" and activation != "relu":
        raise ValueError(
            f"init='parameter_sharing' mirrors ReLU units ([relu(a); relu(−a)]); it needs "
            f"activation='relu', got {activation!r}"
        )
    if q_star is not None:
        if sigma_w is not None or sigma_b is not None:
            raise ValueError("give either q_star or sigma_w/sigma_b, not both")
        if not (isinstance(q_star, (int, float)) and math.isfinite(q_star) and q_star > 0):
            raise ValueError(f"q_star must be a finite number > 0, got {q_star!r}")
        if len(layer_sizes) < 2:
            raise ValueError(
                f"layer_sizes needs an input and an output size, got {list(layer_sizes)}"
            )
        gain = first_layer_fan(init, layer_sizes) / int(layer_sizes[0])
        if init == "parameter_sharing":
            return Scales(1.0, 0.0, float(q_star) * gain)
        sw, sb = theory.critical_point(activation, float(q_star))
        return Scales(sw, sb, (q_star - sb**2) / sw**2 * gain)
    if sigma_w is None:
        raise ValueError("give q_star, or sigma_w (and optionally sigma_b)")
    sb = 0.0 if sigma_b is None else float(sigma_b)
    if init == "parameter_sharing" and sb != 0.0:
        raise ValueError(f"init='parameter_sharing' has zero biases; sigma_b must be 0, got {sb}")
    return Scales(float(sigma_w), sb, None)


def initial_parameters(
    layer_sizes: list[int], init: str, sigma_w: float, sigma_b: float, seed: int, dtype: str
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(weights, biases) as host arrays of ``dtype``; W_l has shape (layer_sizes[l], layer_sizes[l−1])."""
    if init == "parameter_sharing":
        return _init.parameter_sharing(
            layer_sizes, base="orthogonal", sigma_w=sigma_w, seed=seed, dtype=dtype
        )
    return _init.network_weights(
        layer_sizes, weights=init, sigma_w=sigma_w, sigma_b=sigma_b, seed=seed, dtype=dtype
    )
