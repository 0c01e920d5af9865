"""Exact finite-width Monte Carlo spectra of the input–output Jacobian at initialisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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

    Returned by :func:`jacobian_spectrum`. ``summary()`` has the parameters and the statistics
    (mean, variance, min, max, condition number), ``to_dict()`` a JSON-safe dict, ``to_frame()``
    the eigenvalues and singular values, ``save``/``load`` an ``.npz`` file.

    Parameters
    ----------
    eigenvalues : ndarray
        All ``width`` eigenvalues of J Jᵀ, ascending, float64.
    singular_values : ndarray
        The singular values of J, ascending.
    q : ndarray
        The empirical q^l = ‖h^l‖²/N for l = 1..depth.
    width : int
        Number of units N of every layer.
    depth : int
        Number of layers L.
    activation : str
        φ, one of ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"``.
    weights : str
        The weight ensemble.
    sigma_w : float
        σ_w as used (a standard deviation): resolved when it was not given.
    sigma_b : float
        σ_b as used.
    q0 : float
        The variance of the first pre-activations.
    seed : int
        The Philox key used: pass it back to repeat the run bit for bit.
    dtype : str
        ``"float64"`` or ``"float32"``.
    method : str
        ``"eigh"`` or ``"svd"``.
    zero_derivatives : int
        Σ_l #{i : φ'(h^l_i) = 0}.
    seconds : float
        Wall time of the computation.
    base : str, optional
        With ``weights="parameter_sharing"``: the law of the W0 blocks.
    device : str, default "cpu"
        Where it was computed: ``"cpu"`` or ``"gpu"``.
    critical_q_star : float, optional
        When σ_w and σ_b were not given: the q* of the critical point they were chosen at.

    See Also
    --------
    jacobian_spectrum, isometry.theory.jacobian_density

    References
    ----------
    .. [1] J. Pennington, S. S. Schoenholz, S. Ganguli, "Resurrecting the sigmoid in deep
       learning through dynamical isometry: theory and practice", NeurIPS 2017.
    .. [2] J. Pennington, S. S. Schoenholz, S. Ganguli, "The emergence of spectral universality
       in deep networks", AISTATS 2018.

    Examples
    --------
    >>> r = isometry.jacobian_spectrum(32, 4, sigma_w=1.05, seed=3)
    >>> r.eigenvalues.shape, r.q.shape, r.seed
    ((32,), (4,), 3)
    >>> bool(abs(r.summary()["mean"] - r.eigenvalues.mean()) < 1e-12)
    True
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
    max_seconds: float | None = None,
) -> JacobianSpectrum:
    """All eigenvalues of J Jᵀ for one random ``depth``-layer network of ``width`` units.

    Parameters
    ----------
    width : int
        Number of units N of every layer, at least 1 (at most 46340 on the GPU).
    depth : int
        Number of layers L, at least 1.
    activation : {"tanh", "linear", "hard_tanh", "relu", "erf"}, default "tanh"
        φ; ``"erf"`` is φ(h) = erf(√π h/2).
    weights : {"orthogonal", "gaussian", "parameter_sharing"}, default "orthogonal"
        ``W_l = σ_w Q_l`` with Q_l Haar, or entries N(0, σ_w²/width), or the mirrored layers of
        :func:`isometry.init.parameter_sharing` (relu, σ_b = 0, even width).
    sigma_w : float, optional
        σ_w, a standard deviation (the papers tabulate σ_w²: see ``sigma_w2``); positive. Left
        out together with ``sigma_b``: the critical network (χ₁ = 1) whose fixed point is
        ``q_star``; left out alone: the edge of chaos at ``sigma_b``. The result reports the
        values used (``parameter_sharing``: σ_w = 1, every singular value 1).
    sigma_b : float, optional
        σ_b, the standard deviation of the biases; at least 0. Left out with ``sigma_w`` given: 0.
    q0 : float, optional
        Variance of the first pre-activations: the input is scaled so that
        σ_w²‖x_0‖²/N + σ_b² = q0 (so q0 ≥ σ_b²). Defaults to the mean-field fixed point q*
        (:func:`default_q0`), which the large-width theory assumes.
    seed : int, numpy.random.SeedSequence, numpy.random.Generator or None, default 0
        The Philox key of the weights, biases and input: an int in [0, 2⁶⁴); a SeedSequence
        gives its first 64-bit word, a Generator one 64-bit draw (so a loop passing one
        generator gets a new network each time, reproducibly), None fresh entropy. The key used
        is ``result.seed``: pass it back to repeat the run bit for bit.
    dtype : {"float64", "float32"}, default "float64"
    method : {"eigh", "svd"}, default "eigh"
        ``"eigh"`` forms J Jᵀ and calls a symmetric eigensolver; ``"svd"`` takes the singular
        values of J directly (see Notes).
    progress : bool, callable or None, default None
        None: a progress bar on stderr when it is a terminal, nothing otherwise; ``True``
        always, ``False`` never; a callable is called with (done, total) and may raise to stop.
    base : {"orthogonal", "gaussian"}, optional
        With ``weights="parameter_sharing"`` only: the law of the W0 blocks (default
        ``"orthogonal"``).
    device : {"cpu", "gpu"}, default "cpu"
        ``"gpu"`` runs the products and the eigensolver on the current CUDA device.
    sigma_w2, sigma_b2 : float, optional
        σ_w² and σ_b² instead of σ_w and σ_b (one form per parameter).
    q_star : float, optional
        With σ_w and σ_b left out: the fixed point of the critical network (default 0.5,
        ``isometry.montecarlo.DEFAULT_Q_STAR``).
    max_seconds : float, optional
        Refuse (``WorkLimitError``) a run whose estimated time exceeds this many seconds;
        default ``$ISOMETRY_MAX_SECONDS`` or ten minutes.

    Returns
    -------
    JacobianSpectrum
        ``eigenvalues`` (all N, ascending, float64), ``singular_values`` of J, the empirical
        ``q`` = ‖h^l‖²/N per layer, ``zero_derivatives`` (Σ_l #{i: φ'(h^l_i) = 0}), the
        parameters, and ``summary()``.

    Raises
    ------
    ValueError
        If an argument is out of range (the message names it and the allowed range), or q0 is
        not given where q* is not a unique positive number.
    OverflowError
        If a product of layers overflows the dtype (the message names the layer).
    FloatingPointError
        If J underflows to exactly 0 although φ' > 0 (saturated tanh/erf units at huge σ_w,
        σ_b or q0, or σ_w^L below the dtype's range); the message names the argument.
    MemoryError
        If the estimated memory does not fit (checked before anything is allocated).
    isometry.WorkLimitError
        If the estimated run time exceeds ``max_seconds`` (checked before starting).

    See Also
    --------
    jacobian_spectral_density : matrix-free estimate at widths beyond dense reach.
    isometry.theory.jacobian_density : the large-width law to compare with.

    Notes
    -----
    Conventions (PSG17/18): ``h_l = W_l x_{l-1} + b_l``, ``x_l = φ(h_l)``,
    ``J = D_L W_L ⋯ D_1 W_1`` with ``D_l = diag φ'(h_l)``; biases N(0, σ_b²). Orthogonal layers
    are applied through their Householder reflectors (blocked, as LAPACK's ``ormqr``), never
    formed.

    Accuracy: ``method="eigh"`` is the fastest and resolves eigenvalues above about ε·λ_max
    (ε the dtype's machine epsilon); smaller ones are rounding noise and may come out slightly
    negative. ``method="svd"`` costs about twice the eigensolver stage but resolves singular
    values down to about ε·σ_max, i.e. eigenvalues down to ε²·λ_max — use it in the ordered
    phase, for deep relu networks and for condition numbers.

    ``weights="parameter_sharing"`` (Burkholz & Dubatovka 2019) uses an input of width/2 units
    (see ``isometry.montecarlo.parameter_sharing``): J is width × width/2 and the result holds its
    width/2 squared singular values (J Jᵀ has width/2 further zeros). With orthogonal W0 they all
    equal σ_w^{2L}; with Gaussian W0 they follow the Fuss–Catalan law of L Gaussian factors.

    ``device="gpu"`` (cuBLAS, cuSOLVER) draws the same weights, biases and input from the same
    Philox streams, so the eigenvalues equal the CPU's to rounding; they come back as NumPy
    arrays. The GPU memory needed is checked before anything is allocated.

    References
    ----------
    .. [1] J. Pennington, S. S. Schoenholz, S. Ganguli, "Resurrecting the sigmoid in deep
       learning through dynamical isometry: theory and practice", NeurIPS 2017.
    .. [2] J. Pennington, S. S. Schoenholz, S. Ganguli, "The emergence of spectral universality
       in deep networks", AISTATS 2018.

    Examples
    --------
    >>> r = isometry.jacobian_spectrum(64, 8, activation="tanh", weights="orthogonal",
    ...                                sigma_w=1.05, seed=0)
    >>> r.eigenvalues.shape, r.q0 == isometry.default_q0("tanh", 1.05, 0.0)
    ((64,), True)
    >>> {"mean", "variance", "condition_number", "sigma_w", "seed"} <= set(r.summary())
    True
    >>> d = isometry.jacobian_spectrum(64, 8)  # defaults: critical tanh network at q* = 0.5
    >>> d.critical_q_star, round(isometry.theory.chi1("tanh", d.sigma_w, d.sigma_b), 9)
    (0.5, 1.0)
    """
    sharing = isinstance(weights, str) and weights == "parameter_sharing"
    if sharing and activation != "relu":
        raise ValueError(
            f"weights='parameter_sharing' is the mirrored ReLU initialisation: activation "
            f"must be 'relu', got {activation!r}"
        )
    common = _p.common_arguments(
        width,
        depth,
        activation,
        weights,
        allowed_weights=_validation.DENSE_WEIGHTS,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        sigma_w2=sigma_w2,
        sigma_b2=sigma_b2,
        q_star=q_star,
        seed=seed,
        device=device,
        critical=(1.0, 0.0) if sharing else None,
        max_seconds=max_seconds,
    )
    dtype = _validation.dtype(dtype)
    method = _validation.choice("method", method, _validation.METHODS)
    if sharing:
        from isometry.montecarlo.parameter_sharing import parameter_sharing_spectrum

        return parameter_sharing_spectrum(common, q0, dtype, method, progress, base)
    if base is not None:
        raise ValueError(
            f"base is only used with weights='parameter_sharing', got base={base!r} "
            f"with weights={weights!r}"
        )
    _p.require_dense_work(
        f"jacobian_spectrum(width={common.width}, depth={common.depth})", common, method, dtype
    )
    q0_given = q0 is not None
    q0 = _p.first_layer_variance(common, q0)
    if common.device == "cpu":
        _p.require_memory(
            f"jacobian_spectrum(width={common.width}, weights={common.weights!r}, dtype={dtype!r})",
            _memory_estimate(common.width, common.weights, method, dtype),
        )
        run: Any = _core.jacobian_spectrum  # or the GPU's, with the same signature
    else:
        from isometry._internal import gpu as _gpu

        run = _gpu.jacobian_spectrum
    callback = _p.progress_callback(progress, f"J of {common.depth} layers, width {common.width}")
    raw, seconds = _p.timed(
        run,
        common.width,
        common.depth,
        common.activation,
        common.weights,
        common.sigma_w,
        common.sigma_b,
        q0,
        common.seed,
        dtype,
        method,
        callback,
    )
    _p.require_finite(raw, ("eigenvalues", "singular_values"), "the eigensolver")
    _p.require_not_underflowed(raw, common, dtype, q0, q0_given)
    return JacobianSpectrum(
        eigenvalues=raw["eigenvalues"],
        singular_values=raw["singular_values"],
        q=raw["q"],
        width=common.width,
        depth=common.depth,
        activation=common.activation,
        weights=common.weights,
        sigma_w=common.sigma_w,
        sigma_b=common.sigma_b,
        q0=float(q0),
        seed=common.seed,
        dtype=dtype,
        method=method,
        zero_derivatives=int(raw["zero_derivatives"]),
        seconds=seconds,
        device=common.device,
        critical_q_star=common.critical_q_star,
    )
