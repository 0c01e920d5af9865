"""Exact finite-width Monte Carlo spectra of the input–output Jacobian of residual networks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry.montecarlo import _pipeline as _p
from isometry.montecarlo._pipeline import ProgressLike, SeedLike
from isometry.theory.resnet import checked_residual_scale

__all__ = ["ResnetSpectrum", "resnet_jacobian_spectrum"]


@dataclass(frozen=True, repr=False)
class ResnetSpectrum(_p.SpectrumResult):
    """The spectrum of J Jᵀ for one sampled residual network, with its empirical parameter c.

    Returned by :func:`resnet_jacobian_spectrum`. ``statistics()`` adds c to the mean, variance,
    min, max and condition number; ``summary()``, ``to_dict()``, ``to_frame()`` and
    ``save``/``load`` as for every result.

    Parameters
    ----------
    eigenvalues : ndarray
        All ``width`` eigenvalues of J Jᵀ, ascending, float64.
    singular_values : ndarray
        The singular values of J, ascending.
    q : ndarray
        The empirical q^l = ‖h^l‖²/N for l = 1..depth.
    c2 : ndarray
        The empirical c₂^l = σ_w² Σ_i φ'(h^l_i)²/N for l = 1..depth.
    c : float
        a² Σ_l c₂^l (the mean of c₂^l at a = 1/√depth): the parameter of
        :func:`isometry.theory.resnet_density`.
    width : int
        Number of units N of every layer.
    depth : int
        Number of layers L.
    activation : str
        φ, one of ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"``.
    weights : str
        The weight ensemble.
    sigma_w : float
        σ_w as used (a standard deviation).
    sigma_b : float
        σ_b as used.
    residual_scale : float
        The residual scale a used.
    input_variance : float
        ‖x_0‖²/N of the input.
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

    See Also
    --------
    resnet_jacobian_spectrum, isometry.theory.resnet_parameter

    References
    ----------
    .. [1] W. Tarnowski, P. Warchoł, S. Jastrzębski, J. Tabor, M. A. Nowak, "Dynamical isometry
       is achieved in residual networks in a universal way for any activation function",
       AISTATS 2019.

    Examples
    --------
    >>> r = isometry.resnet_jacobian_spectrum(32, 4, activation="relu", seed=0)
    >>> r.eigenvalues.shape, r.c2.shape, r.residual_scale
    ((32,), (4,), 0.5)
    >>> bool(r.c == r.residual_scale**2 * r.c2.sum())
    True
    """

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

    def statistics(self) -> dict[str, float]:
        """Mean, variance, min, max of the eigenvalues, the condition number of J, and c."""
        return {**super().statistics(), "c": self.c}


def resnet_jacobian_spectrum(
    width: int,
    depth: int,
    *,
    activation: str = "tanh",
    weights: str = "orthogonal",
    sigma_w: float | None = None,
    sigma_b: float | None = None,
    residual_scale: float | None = None,
    input_variance: float = 1.0,
    seed: SeedLike = 0,
    dtype: str = "float64",
    method: str = "eigh",
    progress: ProgressLike = None,
    sigma_w2: float | None = None,
    sigma_b2: float | None = None,
    max_seconds: float | None = None,
) -> ResnetSpectrum:
    """All eigenvalues of J Jᵀ for one random residual network of ``depth`` blocks, ``width`` units.

    Parameters
    ----------
    width : int
        Number of units N, at least 1.
    depth : int
        Number of residual blocks L, at least 1.
    activation : {"tanh", "linear", "hard_tanh", "relu", "erf"}, default "tanh"
    weights : {"orthogonal", "gaussian"}, default "orthogonal"
        a·σ_w times a Haar matrix, or entries N(0, a²σ_w²/N) (the default is the same for
        every Monte Carlo function).
    sigma_w : float, optional
        σ_w, a standard deviation; positive; default 1 (a ResNet needs no tuning to a critical
        line: every σ_w gives a limit; ``theory.resnet_sigma_w`` picks the σ_w for a given c).
    sigma_b : float, optional
        σ_b, the bias standard deviation (biases are not scaled by a); at least 0; default 0.
    residual_scale : float, optional
        a; by default 1/√depth, the scaling under which the spectrum has a limit as depth grows
        (per-layer weight variance σ_w²/(N·L)).
    input_variance : float, default 1.0
        ‖x_0‖²/N of the input, a random direction; positive.
    seed : int, numpy.random.SeedSequence, numpy.random.Generator or None, default 0
        As in :func:`jacobian_spectrum`; the key used is ``result.seed``.
    dtype : {"float64", "float32"}, default "float64"
    method : {"eigh", "svd"}, default "eigh"
        As in :func:`jacobian_spectrum`.
    progress : bool, callable or None, default None
        As in :func:`jacobian_spectrum` (None: a bar when stderr is a terminal).
    sigma_w2, sigma_b2 : float, optional
        σ_w², σ_b² instead of σ_w, σ_b (one form per parameter).
    max_seconds : float, optional
        As in :func:`jacobian_spectrum`: the limit of the estimated run time.

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
    if sigma_w is None and sigma_w2 is None:
        sigma_w = 1.0
    if sigma_b is None and sigma_b2 is None:
        sigma_b = 0.0
    common = _p.common_arguments(
        width,
        depth,
        activation,
        weights,
        allowed_weights=_validation.WEIGHTS,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        sigma_w2=sigma_w2,
        sigma_b2=sigma_b2,
        q_star=None,
        seed=seed,
        max_seconds=max_seconds,
    )
    a = checked_residual_scale(residual_scale, common.depth)
    input_variance = _validation.real("input_variance", input_variance, positive=True)
    dtype = _validation.dtype(dtype)
    method = _validation.choice("method", method, _validation.METHODS)
    _p.require_dense_work(
        f"resnet_jacobian_spectrum(width={common.width}, depth={common.depth})",
        common,
        method,
        dtype,
    )
    itemsize = np.dtype(dtype).itemsize
    _p.require_memory(
        f"resnet_jacobian_spectrum(width={common.width}, dtype={dtype!r})",
        _core.jacobian_workspace_bytes(common.width, 1, common.weights, method, itemsize, "resnet")
        + 8 * common.width * 64 * itemsize
        + 3 * common.width * 8,
    )
    callback = _p.progress_callback(
        progress, f"ResNet J of {common.depth} blocks, width {common.width}"
    )
    sw, sb = common.sigma_w, common.sigma_b
    q0 = a * a * sw * sw * input_variance + sb * sb  # variance of h_1
    raw, seconds = _p.timed(
        _core.resnet_jacobian_spectrum,
        common.width,
        common.depth,
        common.activation,
        common.weights,
        sw,
        sb,
        a,
        q0,
        common.seed,
        dtype,
        method,
        callback,
    )
    _p.require_finite(raw, ("eigenvalues", "singular_values"), "the eigensolver")
    c2 = np.asarray(raw["c2"])
    return ResnetSpectrum(
        eigenvalues=raw["eigenvalues"],
        singular_values=raw["singular_values"],
        q=raw["q"],
        c2=c2,
        c=float(a * a * c2.sum()),
        width=common.width,
        depth=common.depth,
        activation=common.activation,
        weights=common.weights,
        sigma_w=sw,
        sigma_b=sb,
        residual_scale=a,
        input_variance=input_variance,
        seed=common.seed,
        dtype=dtype,
        method=method,
        zero_derivatives=int(raw["zero_derivatives"]),
        seconds=seconds,
    )
