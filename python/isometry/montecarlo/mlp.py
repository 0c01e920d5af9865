"""Exact finite-width Monte Carlo spectra of the input–output Jacobian at initialisation."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from isometry._internal import memory as _memory, validation as _validation
from isometry._internal.core import _core
from isometry._internal.progress import ProgressBar
from isometry.theory.meanfield import q_star

__all__ = ["JacobianSpectrum", "default_q0", "jacobian_spectrum"]

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class JacobianSpectrum:
    """The spectrum of J Jᵀ for one sampled network, with the parameters that produced it."""

    eigenvalues: np.ndarray  # all `width` eigenvalues of J Jᵀ, ascending, float64
    singular_values: np.ndarray  # of J, ascending
    q: np.ndarray  # empirical q^l = |h^l|² / N for l = 1..depth
    width: int
    depth: int
    activation: str
    weights: str
    sigma_w: float
    sigma_b: float
    q0: float
    seed: int
    dtype: str
    method: str
    zero_derivatives: int  # Σ_l #{i : φ'(h^l_i) = 0}
    seconds: float = field(compare=False)
    base: str | None = None  # weights="parameter_sharing": the law of the W0 blocks
    device: str = "cpu"  # where it was computed: "cpu" or "gpu"

    def summary(self) -> dict[str, float]:
        """Mean, variance, min, max of the eigenvalues and the condition number σ_max/σ_min of J."""
        return spectrum_summary(self.eigenvalues, self.singular_values)


def default_q0(activation: str, sigma_w: float, sigma_b: float) -> float:
    """The first-layer variance ``jacobian_spectrum`` uses when ``q0`` is not given.

    The mean-field fixed point q*, so every layer starts at the fixed point as in PSG17/18. For
    linear networks and relu without bias the spectrum does not depend on q0 (D is scale
    invariant), so q0 = 1. Anywhere else without a unique positive q* this raises ``ValueError``.
    """
    if activation == "linear" or (activation == "relu" and sigma_b == 0.0):
        return 1.0
    try:
        q = q_star(activation, sigma_w, sigma_b)
    except ValueError as exc:
        raise ValueError(f"{exc}; pass q0 explicitly") from None
    if q <= 0.0:
        raise ValueError(
            f"the stable mean-field fixed point is q* = 0 for activation={activation!r}, "
            f"sigma_w={sigma_w}, sigma_b={sigma_b} (ordered phase); pass q0 > 0 explicitly"
        )
    return q


def _memory_estimate(width: int, weights: str, method: str, dtype: str) -> int:
    itemsize = np.dtype(dtype).itemsize
    buffers = _core.jacobian_workspace_bytes(width, 1, weights, method, itemsize)
    lapack = 8 * width * 64 * itemsize  # Householder/eigensolver workspaces, blocks of <= 64
    results = 3 * width * 8
    return int(buffers + lapack + results)


def spectrum_summary(eigenvalues: np.ndarray, singular_values: np.ndarray) -> dict[str, float]:
    """Mean, variance, min, max of ascending eigenvalues of J Jᵀ and the condition number of J."""
    smallest = singular_values[0]
    return {
        "mean": float(eigenvalues.mean()),
        "variance": float(eigenvalues.var()),
        "min": float(eigenvalues[0]),
        "max": float(eigenvalues[-1]),
        "condition_number": float(singular_values[-1] / smallest) if smallest > 0 else float("inf"),
    }


def jacobian_spectrum(
    width: int,
    depth: int,
    *,
    activation: str = "tanh",
    weights: str = "orthogonal",
    sigma_w: float = 1.0,
    sigma_b: float = 0.0,
    q0: float | None = None,
    seed: int = 0,
    dtype: str = "float64",
    method: str = "eigh",
    progress: bool | ProgressCallback = False,
    base: str | None = None,
    device: str = "cpu",
    max_seconds: float | None = None,
) -> JacobianSpectrum:
    """All eigenvalues of J Jᵀ for one random ``depth``-layer network of ``width`` units.

    Conventions (PSG17/18): ``h_l = W_l x_{l-1} + b_l``, ``x_l = φ(h_l)``, ``J = D_L W_L ⋯ D_1 W_1``
    with ``D_l = diag φ'(h_l)``; ``W_l = σ_w Q_l``, Q_l Haar (``weights="orthogonal"``) or
    entries N(0, σ_w²/width) (``"gaussian"``); biases N(0, σ_b²). The input is scaled so the first
    pre-activations have variance ``q0`` (σ_w²|x_0|²/N + σ_b² = q0); by default q0 is the
    mean-field fixed point q* (see :func:`default_q0`).

    ``method="eigh"`` forms J Jᵀ and calls a symmetric eigensolver: fastest, and accurate for
    eigenvalues above about ε·λ_max (ε the dtype's machine epsilon); smaller ones are rounding
    noise and may come out slightly negative. ``method="svd"`` takes the singular values of J
    directly: about twice the time of the eigensolver stage, but accurate down to about ε·σ_max,
    i.e. eigenvalues down to ε²·λ_max — use it to resolve tiny singular values (ordered phase,
    deep relu nets). A product that overflows the dtype raises ``OverflowError`` naming the
    layer. ``progress=True`` draws a bar on stderr; a callable gets (done, total).

    ``weights="parameter_sharing"`` (ReLU, σ_b = 0, even width; Burkholz & Dubatovka 2019): the
    mirrored layers of :func:`isometry.init.parameter_sharing` with W0 blocks drawn as ``base``
    (``"orthogonal"``, the default, or ``"gaussian"``), on an input of width/2 units — see
    ``isometry.montecarlo.parameter_sharing``. J is width × width/2; the result holds its
    width/2 squared singular values (J Jᵀ has width/2 further zeros). With orthogonal W0 they
    all equal σ_w^{2L}; with Gaussian W0 they follow the Fuss–Catalan law of L Gaussian factors.

    ``device="gpu"`` runs the products and the eigensolver on the current CUDA device (cuBLAS,
    cuSOLVER) with the same weights, biases and input from the same Philox streams, so the
    eigenvalues equal the CPU's to rounding; they come back as numpy arrays like on the CPU.
    Width is limited to 46340 there; the GPU memory needed is checked before anything is allocated.

    The run time is estimated first and refused (``WorkLimitError``) above ``max_seconds``
    (default ``$ISOMETRY_MAX_SECONDS`` or ten minutes). A spectrum that underflows to exactly 0
    although φ' > 0 (saturated tanh/erf units at huge σ_w, σ_b or q0) raises
    ``FloatingPointError`` naming the argument, instead of returning zeros.
    """
    width = _validation.positive_int("width", width)
    depth = _validation.positive_int("depth", depth)
    activation = _validation.choice("activation", activation, _validation.ACTIVATIONS)
    weights = _validation.choice("weights", weights, _validation.DENSE_WEIGHTS)
    device = _validation.device(device)
    if weights == "parameter_sharing" and device == "gpu":
        raise ValueError("weights='parameter_sharing' has no GPU implementation; use device='cpu'")
    max_seconds = _validation.max_seconds(max_seconds)
    if weights == "parameter_sharing":
        return _parameter_sharing(width, depth, activation, sigma_w, sigma_b, q0, seed, dtype, method,
                                  progress, base, max_seconds)
    if base is not None:
        raise ValueError(f"base is only used with weights='parameter_sharing', got base={base!r} "
                         f"with weights={weights!r}")
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    seed = _validation.seed(seed)
    dtype = _validation.dtype(dtype)
    method = _validation.choice("method", method, _validation.METHODS)
    _validation.dense_spectrum_work(f"jacobian_spectrum(width={width}, depth={depth})", width, depth, method,
                                    dtype, max_seconds)
    q0_given = q0 is not None
    if q0 is None:
        q0 = default_q0(activation, sigma_w, sigma_b)
    else:
        q0 = _validation.real("q0", q0, positive=True)
        if q0 < sigma_b**2:
            raise ValueError(f"q0 must be at least sigma_b**2 = {sigma_b**2} (q0 = σ_w²|x_0|²/N + σ_b²), got {q0}")
    if device == "cpu":
        _memory.require(
            f"jacobian_spectrum(width={width}, weights={weights!r}, dtype={dtype!r})",
            _memory_estimate(width, weights, method, dtype),
        )
    callback: Any = None
    if progress is True:
        callback = ProgressBar(f"J of {depth} layers, width {width}")
    elif callable(progress):
        callback = progress
    start = time.perf_counter()
    if device == "gpu":
        from isometry._internal import gpu as _gpu

        raw = _gpu.jacobian_spectrum(
            width, depth, activation, weights, sigma_w, sigma_b, q0, seed, dtype, method, callback
        )
    else:
        raw = _core.jacobian_spectrum(
            width, depth, activation, weights, sigma_w, sigma_b, q0, seed, dtype, method, callback
        )
    seconds = time.perf_counter() - start
    if not (np.all(np.isfinite(raw["eigenvalues"])) and np.all(np.isfinite(raw["singular_values"]))):
        raise FloatingPointError("the eigensolver returned non-finite values")  # core checks J first
    _validation.jacobian_not_underflowed(raw, activation, depth, dtype, sigma_w, sigma_b, q0, q0_given)
    return JacobianSpectrum(
        eigenvalues=raw["eigenvalues"],
        singular_values=raw["singular_values"],
        q=raw["q"],
        width=width,
        depth=depth,
        activation=activation,
        weights=weights,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        q0=float(q0),
        seed=seed,
        dtype=dtype,
        method=method,
        zero_derivatives=int(raw["zero_derivatives"]),
        seconds=seconds,
        device=device,
    )


def _parameter_sharing(
    width: int, depth: int, activation: str, sigma_w: float, sigma_b: float, q0: float | None,
    seed: int, dtype: str, method: str, progress: bool | ProgressCallback, base: str | None,
    max_seconds: float | None = None,
) -> JacobianSpectrum:
    from isometry.montecarlo.parameter_sharing import parameter_sharing_spectrum

    if activation != "relu":
        raise ValueError(f"weights='parameter_sharing' is the mirrored ReLU initialisation: activation "
                         f"must be 'relu', got {activation!r}")
    if width % 2:
        raise ValueError(f"weights='parameter_sharing' mirrors every layer, so width must be even, got {width}")
    base = _validation.choice("base", "orthogonal" if base is None else base, _validation.WEIGHTS)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    if sigma_b != 0.0:
        raise ValueError(f"weights='parameter_sharing' has zero biases: sigma_b must be 0, got {sigma_b}")
    q0 = 1.0 if q0 is None else _validation.real("q0", q0, positive=True)
    seed = _validation.seed(seed)
    dtype = _validation.dtype(dtype)
    method = _validation.choice("method", method, _validation.METHODS)
    # Its squared singular values are σ_w^{2L} (orthogonal W0): refuse a scale beyond the dtype.
    _validation.power_in_range("sigma_w", sigma_w, 2 * depth, dtype, "the scale of the spectrum")
    _validation.dense_spectrum_work(f"jacobian_spectrum(width={width}, depth={depth}, weights='parameter_sharing')",
                                    width, depth, method, dtype, max_seconds)
    callback: Any = None
    if progress is True:
        callback = ProgressBar(f"parameter-sharing J of {depth} layers, width {width}")
    elif callable(progress):
        callback = progress
    raw = parameter_sharing_spectrum(width, depth, base, sigma_w, q0, seed, dtype, method, callback)
    return JacobianSpectrum(
        width=width, depth=depth, activation=activation, weights="parameter_sharing", sigma_w=sigma_w,
        sigma_b=sigma_b, q0=q0, seed=seed, dtype=dtype, method=method, base=base, **raw,
    )
