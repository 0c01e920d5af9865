"""Exact finite-width Monte Carlo spectra of the input–output Jacobian at initialisation."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry.montecarlo import _pipeline as _p
from isometry.montecarlo._pipeline import ProgressCallback, ProgressLike, SeedLike, default_q0
from isometry.montecarlo._pipeline import spectrum_statistics as spectrum_summary

__all__ = ["JacobianSpectrum", "default_q0", "jacobian_spectrum"]
# Importable from here for callers of earlier versions.
_REEXPORTED = (ProgressCallback, spectrum_summary)


@dataclass(frozen=True, repr=False)
class JacobianSpectrum(_p.SpectrumResult):
    """The spectrum of J Jᵀ for one sampled network, with the parameters that produced it.

    ``sigma_w``/``sigma_b`` are the values used (resolved when not given: ``critical_q_star`` is
    then the q* of the critical point they were chosen at); ``seed`` is the Philox key used
    (pass it back to repeat the run). ``summary()`` has the parameters and the statistics,
    ``to_frame()`` the eigenvalues and singular values, ``save``/``load`` an ``.npz`` file.
    """

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
    critical_q_star: float | None = None


def _memory_estimate(width: int, weights: str, method: str, dtype: str) -> int:
    itemsize = np.dtype(dtype).itemsize
    buffers = _core.jacobian_workspace_bytes(width, 1, weights, method, itemsize)
    lapack = 8 * width * 64 * itemsize  # Householder/eigensolver workspaces, blocks of <= 64
    results = 3 * width * 8
    return int(buffers + lapack + results)


def jacobian_spectrum(
    width: int,
    depth: int,
    *,
    activation: str = "tanh",
    weights: str = "orthogonal",
    sigma_w: float | None = None,
    sigma_b: float | None = None,
    q0: float | None = None,
    seed: SeedLike = 0,
    dtype: str = "float64",
    method: str = "eigh",
    progress: ProgressLike = None,
    base: str | None = None,
    device: str = "cpu",
    sigma_w2: float | None = None,
    sigma_b2: float | None = None,
    q_star: float | None = None,
) -> JacobianSpectrum:
    """All eigenvalues of J Jᵀ for one random ``depth``-layer network of ``width`` units.

    Conventions (PSG17/18): ``h_l = W_l x_{l-1} + b_l``, ``x_l = φ(h_l)``, ``J = D_L W_L ⋯ D_1 W_1``
    with ``D_l = diag φ'(h_l)``; ``W_l = σ_w Q_l``, Q_l Haar (``weights="orthogonal"``) or
    entries N(0, σ_w²/width) (``"gaussian"``); biases N(0, σ_b²). The input is scaled so the first
    pre-activations have variance ``q0`` (σ_w²|x_0|²/N + σ_b² = q0); by default q0 is the
    mean-field fixed point q* (see :func:`default_q0`).

    **The network.** ``sigma_w``/``sigma_b`` are standard deviations; the papers' tables give
    variances, which ``sigma_w2``/``sigma_b2`` take instead (one form per parameter). Left out,
    the network is critical (χ₁ = 1): both out — the critical point with fixed point ``q_star``
    (default 0.5, ``isometry.montecarlo.DEFAULT_Q_STAR``); only σ_b given — the edge of chaos at
    that σ_b; only σ_w given — σ_b = 0. The result reports the values used.

    **Randomness.** ``seed``: an int in [0, 2**64) (the Philox key), a ``numpy.random.SeedSequence``
    or ``Generator`` (one 64-bit key taken from it), or ``None`` (fresh entropy). The key used is
    ``result.seed``: the same key gives the same bits.

    ``method="eigh"`` forms J Jᵀ and calls a symmetric eigensolver: fastest, and accurate for
    eigenvalues above about ε·λ_max (ε the dtype's machine epsilon); smaller ones are rounding
    noise and may come out slightly negative. ``method="svd"`` takes the singular values of J
    directly: about twice the time of the eigensolver stage, but accurate down to about ε·σ_max,
    i.e. eigenvalues down to ε²·λ_max — use it to resolve tiny singular values (ordered phase,
    deep relu nets). A product that overflows the dtype raises ``OverflowError`` naming the
    layer. ``progress``: ``None`` (default) draws a bar on stderr when it is a terminal,
    ``True`` always, ``False`` never; a callable gets (done, total).

    ``weights="parameter_sharing"`` (ReLU, σ_b = 0, even width; Burkholz & Dubatovka 2019): the
    mirrored layers of :func:`isometry.init.parameter_sharing` with W0 blocks drawn as ``base``
    (``"orthogonal"``, the default, or ``"gaussian"``), on an input of width/2 units — see
    ``isometry.montecarlo.parameter_sharing``. J is width × width/2; the result holds its
    width/2 squared singular values (J Jᵀ has width/2 further zeros). With orthogonal W0 they
    all equal σ_w^{2L} (σ_w defaults to 1 here); with Gaussian W0 they follow the Fuss–Catalan
    law of L Gaussian factors.

    ``device="gpu"`` runs the products and the eigensolver on the current CUDA device (cuBLAS,
    cuSOLVER) with the same weights, biases and input from the same Philox streams, so the
    eigenvalues equal the CPU's to rounding; they come back as numpy arrays like on the CPU.
    Width is limited to 46340 there; the GPU memory needed is checked before anything is allocated.
    """
    sharing = weights == "parameter_sharing"
    if sharing and activation != "relu":
        raise ValueError(f"weights='parameter_sharing' is the mirrored ReLU initialisation: activation "
                         f"must be 'relu', got {activation!r}")
    common = _p.common_arguments(
        width, depth, activation, weights, allowed_weights=_validation.DENSE_WEIGHTS, sigma_w=sigma_w,
        sigma_b=sigma_b, sigma_w2=sigma_w2, sigma_b2=sigma_b2, q_star=q_star, seed=seed, device=device,
        critical=(1.0, 0.0) if sharing else None,
    )
    dtype = _validation.dtype(dtype)
    method = _validation.choice("method", method, _validation.METHODS)
    if sharing:
        from isometry.montecarlo.parameter_sharing import parameter_sharing_spectrum

        return parameter_sharing_spectrum(common, q0, dtype, method, progress, base)
    if base is not None:
        raise ValueError(f"base is only used with weights='parameter_sharing', got base={base!r} "
                         f"with weights={weights!r}")
    q0 = _p.first_layer_variance(common, q0)
    if common.device == "cpu":
        _p.require_memory(f"jacobian_spectrum(width={common.width}, weights={common.weights!r}, dtype={dtype!r})",
                          _memory_estimate(common.width, common.weights, method, dtype))
        run = _core.jacobian_spectrum
    else:
        from isometry._internal import gpu as _gpu

        run = _gpu.jacobian_spectrum
    callback = _p.progress_callback(progress, f"J of {common.depth} layers, width {common.width}")
    raw, seconds = _p.timed(run, common.width, common.depth, common.activation, common.weights, common.sigma_w,
                            common.sigma_b, q0, common.seed, dtype, method, callback)
    _p.require_finite(raw, ("eigenvalues", "singular_values"), "the eigensolver")
    return JacobianSpectrum(
        eigenvalues=raw["eigenvalues"], singular_values=raw["singular_values"], q=raw["q"], width=common.width,
        depth=common.depth, activation=common.activation, weights=common.weights, sigma_w=common.sigma_w,
        sigma_b=common.sigma_b, q0=float(q0), seed=common.seed, dtype=dtype, method=method,
        zero_derivatives=int(raw["zero_derivatives"]), seconds=seconds, device=common.device,
        critical_q_star=common.critical_q_star,
    )
