"""Exact finite-width Monte Carlo spectra of the input–output Jacobian of residual networks."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from isometry._internal import memory as _memory, validation as _validation
from isometry._internal.core import _core
from isometry._internal.progress import ProgressBar
from isometry.montecarlo.mlp import ProgressCallback, spectrum_summary
from isometry.theory.resnet import checked_residual_scale

__all__ = ["ResnetSpectrum", "resnet_jacobian_spectrum"]


@dataclass(frozen=True)
class ResnetSpectrum:
    """The spectrum of J Jᵀ for one sampled residual network, with its empirical parameter c."""

    eigenvalues: np.ndarray  # all `width` eigenvalues of J Jᵀ, ascending, float64
    singular_values: np.ndarray  # of J, ascending
    q: np.ndarray  # empirical q^l = |h^l|²/N, l = 1..depth
    c2: np.ndarray  # empirical c₂^l = σ_w² Σ_i φ'(h^l_i)²/N, l = 1..depth
    c: float  # residual_scale² Σ_l c₂^l (the mean of c₂^l at residual_scale = 1/√depth)
    width: int
    depth: int
    activation: str
    weights: str
    sigma_w: float
    sigma_b: float
    residual_scale: float
    input_variance: float
    seed: int
    dtype: str
    method: str
    zero_derivatives: int
    seconds: float = field(compare=False)

    def summary(self) -> dict[str, float]:
        """Mean, variance, min, max of the eigenvalues, the condition number of J, and c."""
        return {**spectrum_summary(self.eigenvalues, self.singular_values), "c": self.c}


def resnet_jacobian_spectrum(
    width: int,
    depth: int,
    *,
    activation: str = "tanh",
    weights: str = "gaussian",
    sigma_w: float = 1.0,
    sigma_b: float = 0.0,
    residual_scale: float | None = None,
    input_variance: float = 1.0,
    seed: int = 0,
    dtype: str = "float64",
    method: str = "eigh",
    progress: bool | ProgressCallback = False,
    max_seconds: float | None = None,
) -> ResnetSpectrum:
    """All eigenvalues of J Jᵀ for one random residual network of ``depth`` blocks, ``width`` units.

    Model (Tarnowski et al. 2019): ``h_l = W_l x_{l-1} + b_l``, ``x_l = x_{l-1} + φ(h_l)``,
    ``J = Π_l (1 + D_l W_l)``. Weights: entries N(0, a²σ_w²/width) (``"gaussian"``) or a·σ_w
    times a Haar matrix (``"orthogonal"``), where a = ``residual_scale`` — by default 1/√depth,
    the scaling under which the spectrum has a limit as depth grows (per-layer weight variance
    σ_w²/(N·L)). Same Philox streams as :func:`isometry.jacobian_spectrum`: W_l here is a times
    the MLP's W_l for the same seed. Biases N(0, σ_b²), not scaled. The input is a random
    direction with |x_0|²/N = ``input_variance``.

    ``c2`` holds the empirical per-layer parameter c₂^l = σ_w² Σφ'(h^l)²/N and ``c`` =
    a²Σ_l c₂^l, the parameter of :func:`isometry.theory.resnet_density`. ``method`` and
    ``progress`` and ``max_seconds`` as in :func:`isometry.jacobian_spectrum`.
    """
    width = _validation.positive_int("width", width)
    depth = _validation.positive_int("depth", depth)
    activation = _validation.choice("activation", activation, _validation.ACTIVATIONS)
    weights = _validation.choice("weights", weights, _validation.WEIGHTS)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    a = checked_residual_scale(residual_scale, depth)
    input_variance = _validation.real("input_variance", input_variance, positive=True)
    seed = _validation.seed(seed)
    dtype = _validation.dtype(dtype)
    method = _validation.choice("method", method, _validation.METHODS)
    _validation.dense_spectrum_work(f"resnet_jacobian_spectrum(width={width}, depth={depth})", width, depth,
                                    method, dtype, _validation.max_seconds(max_seconds))
    itemsize = np.dtype(dtype).itemsize
    _memory.require(
        f"resnet_jacobian_spectrum(width={width}, dtype={dtype!r})",
        int(_core.jacobian_workspace_bytes(width, 1, weights, method, itemsize, "resnet")
            + 8 * width * 64 * itemsize + 3 * width * 8),
    )
    callback: Any = None
    if progress is True:
        callback = ProgressBar(f"ResNet J of {depth} blocks, width {width}")
    elif callable(progress):
        callback = progress
    q0 = a * a * sigma_w * sigma_w * input_variance + sigma_b * sigma_b  # variance of h_1
    start = time.perf_counter()
    raw = _core.resnet_jacobian_spectrum(
        width, depth, activation, weights, sigma_w, sigma_b, a, q0, seed, dtype, method, callback
    )
    seconds = time.perf_counter() - start
    if not (np.all(np.isfinite(raw["eigenvalues"])) and np.all(np.isfinite(raw["singular_values"]))):
        raise FloatingPointError("the eigensolver returned non-finite values")  # core checks J first
    c2 = np.asarray(raw["c2"])
    return ResnetSpectrum(
        eigenvalues=raw["eigenvalues"],
        singular_values=raw["singular_values"],
        q=raw["q"],
        c2=c2,
        c=float(a * a * c2.sum()),
        width=width,
        depth=depth,
        activation=activation,
        weights=weights,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        residual_scale=a,
        input_variance=input_variance,
        seed=seed,
        dtype=dtype,
        method=method,
        zero_derivatives=int(raw["zero_derivatives"]),
        seconds=seconds,
    )
