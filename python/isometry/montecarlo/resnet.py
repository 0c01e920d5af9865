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
) -> ResnetSpectrum:
    """All eigenvalues of J Jᵀ for one random residual network of ``depth`` blocks, ``width`` units.

    Parameters
    ----------
    width : int
        Number of units N, at least 1.
    depth : int
        Number of residual blocks L, at least 1.
    activation : {"tanh", "linear", "hard_tanh", "relu", "erf"}, default "tanh"
    weights : {"gaussian", "orthogonal"}, default "gaussian"
        Entries N(0, a²σ_w²/N), or a·σ_w times a Haar matrix.
    sigma_w : float, default 1.0
        σ_w, a standard deviation; positive.
    sigma_b : float, default 0.0
        σ_b, the bias standard deviation (biases are not scaled by a); at least 0.
    residual_scale : float, optional
        a; by default 1/√depth, the scaling under which the spectrum has a limit as depth grows
        (per-layer weight variance σ_w²/(N·L)).
    input_variance : float, default 1.0
        ‖x_0‖²/N of the input, a random direction; positive.
    seed : int, default 0
        Seed of the Philox streams (0 ≤ seed < 2⁶⁴).
    dtype : {"float64", "float32"}, default "float64"
    method : {"eigh", "svd"}, default "eigh"
        As in :func:`jacobian_spectrum`.
    progress : bool or callable, default False
        As in :func:`jacobian_spectrum`.

    Returns
    -------
    ResnetSpectrum
        ``eigenvalues`` and ``singular_values`` (ascending), ``c2`` — the empirical per-layer
        c₂^l = σ_w² Σφ'(h^l)²/N — and ``c`` = a²Σ_l c₂^l, the parameter of
        :func:`isometry.theory.resnet_density`, with the parameters.

    Raises
    ------
    ValueError
        If an argument is out of range.
    OverflowError
        If a product of layers overflows the dtype.
    MemoryError
        If the estimated memory does not fit (checked before allocating).

    See Also
    --------
    isometry.theory.resnet_density, isometry.theory.resnet_sigma_w

    Notes
    -----
    Model (Tarnowski et al. 2019): ``h_l = W_l x_{l-1} + b_l``, ``x_l = x_{l-1} + φ(h_l)``,
    ``J = Π_l (1 + D_l W_l)``. Same Philox streams as :func:`isometry.jacobian_spectrum`: W_l here
    is a times the MLP's W_l for the same seed. With relu the activations acquire a mean and J a
    few huge outlier eigenvalues; the bulk still follows the universal law.

    References
    ----------
    .. [1] W. Tarnowski, P. Warchoł, S. Jastrzębski, J. Tabor, M. A. Nowak, "Dynamical isometry
       is achieved in residual networks in a universal way for any activation function",
       AISTATS 2019.

    Examples
    --------
    >>> r = isometry.resnet_jacobian_spectrum(100, 8, activation="tanh", sigma_w=1.0, seed=0)
    >>> r.eigenvalues.shape, r.c2.shape
    ((100,), (8,))
    >>> bool(np.isclose(r.c, np.sum(r.c2) / 8))  # a² = 1/depth
    True
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
