"""The universal Jacobian spectrum of deep residual networks (Tarnowski et al. 2019,
docs/theory/resnet.md).

Model: ``h_l = W_l x_{l-1} + b_l``, ``x_l = x_{l-1} + φ(h_l)``, ``J = Π_l (1 + D_l W_l)``,
``W_l,ij ~ N(0, a² σ_w²/N)`` (or ``a σ_w`` times a Haar matrix), ``b_l,i ~ N(0, σ_b²)``, with the
residual scale ``a = 1/√L`` by default. At large width and depth the spectrum of J Jᵀ has
``S_{JJᵀ}(z) = exp(−c(1 + 2z))``, whatever the activation, with the single parameter

    c = a² Σ_l σ_w² E[φ'(h_l)²],   h_l ~ N(0, q_l)     (= mean over layers of σ_w² E φ'² at a = 1/√L).

The density comes from the same C++ Stieltjes solver as the MLP spectra (master equation
``z = ((1+M)/M) e^{c(1+2M)}``, M = zG − 1); its edges are closed-form. ``q_l`` comes from the
ResNet's own mean-field forward recursion, which tracks the per-unit mean m_l and second moment
v_l of x_l (φ need not be odd: relu activations acquire a mean):

    q_l = a²σ_w² v_{l-1} + σ_b²,   m_l = m_{l-1} + E φ(h_l),   v_l = v_{l-1} + 2 m_{l-1} E φ(h_l) + E φ(h_l)²,

starting from m_0 = 0, v_0 = ``input_variance`` (= |x_0|²/N).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from isometry._internal import validation as _validation
from isometry._internal import work as _work
from isometry._internal.core import _core
from isometry._internal.results import Result
from isometry.theory import _arguments, _law_checks
from isometry.theory.activation import ActivationLike, core_activation
from isometry.theory.freeprob import (
    JacobianDensity,
    _checked_grid,
    _checked_points,
    _density_from_core,
)

__all__ = [
    "ResnetParameter",
    "resnet_density",
    "resnet_edges",
    "resnet_moments",
    "resnet_parameter",
    "resnet_parameter_table",
    "resnet_sigma_w",
]

_MAX_C = 300.0  # the upper edge ~ e^{2c} overflows a double beyond this


def _checked_c(c: object) -> float:
    c = _validation.real("c", c, positive=True)
    if c > _MAX_C:
        raise ValueError(
            f"c must be at most {_MAX_C:g} (the upper edge grows like e^(2c) and overflows), got {c}"
        )
    return c


def checked_residual_scale(residual_scale: object, depth: int) -> float:
    """``residual_scale`` as a float: None means 1/√depth; otherwise a positive finite number."""
    if residual_scale is None:
        return 1.0 / math.sqrt(depth)
    if isinstance(residual_scale, bool) or not isinstance(
        residual_scale, (int, float, np.floating, np.integer)
    ):
        raise TypeError(
            f"residual_scale must be a positive real number or None (1/sqrt(depth)), got {residual_scale!r}"
        )
    value = float(residual_scale)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(
            f"residual_scale must be positive and finite (or None for 1/sqrt(depth)), got {residual_scale!r}"
        )
    return value


@_arguments.vectorize("c")
def resnet_edges(c: float) -> tuple[float, float]:
    """The edges of the support of the universal ResNet law of J Jᵀ.

    Parameters
    ----------
    c : float
        The universal ResNet parameter c (:func:`resnet_parameter`); positive, at most 300.

    Returns
    -------
    lower : float
        The lower edge, ``((1+M)/M) e^(c(1+2M))`` at ``M₋ = (−1 − √(1 + 2/c))/2``.
    upper : float
        The upper edge, the same at ``M₊ = (−1 + √(1 + 2/c))/2``. An array of c gives a pair of
        arrays (broadcast like a NumPy ufunc).

    Raises
    ------
    ValueError
        If an argument is out of range.
    FloatingPointError
        If the edges overflow (a subnormal c).

    See Also
    --------
    resnet_density, resnet_moments

    Notes
    -----
    The edges are where dz/dM = 0 on the master equation z = ((1+M)/M) e^(c(1+2M)), in closed form.

    References
    ----------
    .. [1] W. Tarnowski, P. Warchoł, S. Jastrzębski, J. Tabor, M. A. Nowak, "Dynamical isometry
       is achieved in residual networks in a universal way for any activation function",
       AISTATS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> [round(edge, 4) for edge in theory.resnet_edges(1.0)]  # as resnet_density(1.0).support
    [0.0474, 21.0944]
    """
    c = _checked_c(c)
    lower, upper = _core.resnet_edges(c)
    if not (np.isfinite(lower) and np.isfinite(upper)):  # 2/c overflows for subnormal c
        raise FloatingPointError(
            f"the edges overflow at c={c:g}: the smallest c that works is about 1.2e-308"
        )
    return float(lower), float(upper)


def resnet_moments(c: float, order: int = 4) -> np.ndarray:
    """The moments m_1..m_order of the universal ResNet law of J Jᵀ.

    Parameters
    ----------
    c : float
        The universal ResNet parameter c (:func:`resnet_parameter`); positive, at most 300.
    order : int, default 4
        Number of moments, at least 1.

    Returns
    -------
    ndarray
        m_k = E[λ^k], k = 1..order; m₁ = e^c, m₂ = (1 + 2c) e^(2c).

    Raises
    ------
    ValueError
        If an argument is out of range.

    See Also
    --------
    resnet_density, resnet_edges

    Notes
    -----
    Series reversion of z S(z)/(1 + z) with S(z) = e^(−c(1+2z)), exact to rounding. See the
    documentation's "Residual networks" theory page for the law and its caveats.

    References
    ----------
    .. [1] W. Tarnowski, P. Warchoł, S. Jastrzębski, J. Tabor, M. A. Nowak, "Dynamical isometry
       is achieved in residual networks in a universal way for any activation function",
       AISTATS 2019.

    Examples
    --------
    >>> import math
    >>> from isometry import theory
    >>> m = theory.resnet_moments(0.5, order=2)
    >>> math.isclose(m[0], math.exp(0.5)), math.isclose(m[1], 2 * math.exp(1.0))
    (True, True)
    """
    c = _checked_c(c)
    order = _validation.moment_order(order)
    return np.asarray(_core.resnet_moments(c, order))


def resnet_density(c: float, x: np.ndarray | None = None, *, points: int = 2000) -> JacobianDensity:
    """The universal ResNet law of J Jᵀ for the parameter c (no atoms; both edges square-root).

    Parameters
    ----------
    c : float
        c = Σ_l N Var(W_l,ij) ⟨φ'(h_l)²⟩, e.g. ``ResnetSpectrum.c`` or
        :func:`resnet_parameter`; positive.
    x : array_like, optional
        Points λ at which to evaluate the density (positive). By default a grid of ``points``
        clustered at both edges (log-spaced when the support spans decades).
    points : int, default 2000
        Size of the default grid, at least 2.

    Returns
    -------
    JacobianDensity
        As from :func:`jacobian_density` (``q_star`` is NaN: the law has no fixed point).

    Raises
    ------
    ValueError
        If an argument is out of range.
    isometry.ConvergenceError
        If Newton's method fails; NaN is never returned.

    See Also
    --------
    resnet_edges, resnet_moments, isometry.resnet_jacobian_spectrum

    Notes
    -----
    S_{JJᵀ}(z) = e^(−c(1+2z)), i.e. z = ((1+M)/M) e^(c(1+2M)) with M = zG − 1, solved like the
    fully connected master equation; m₁ = e^c and m₂/m₁² − 1 = 2c. See the documentation's
    "Residual networks" theory page for the source and its caveats.

    References
    ----------
    .. [1] W. Tarnowski, P. Warchoł, S. Jastrzębski, J. Tabor, M. A. Nowak, "Dynamical isometry
       is achieved in residual networks in a universal way for any activation function",
       AISTATS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> d = theory.resnet_density(1.0)
    >>> [round(edge, 4) for edge in d.support], d.atoms
    ([0.0474, 21.0944], [])
    """
    c = _checked_c(c)
    points = _checked_points(points)
    grid = _checked_grid(x)
    where = f"c={c!r}"
    with _law_checks.naming(where):
        law = _density_from_core(_core.resnet_density(c, grid, points), float("nan"))
        moments = np.asarray(_core.resnet_moments(c, 2)) if c <= 100 else None  # m_k ~ e^{2kc}
    _law_checks.check_law(law, where, moments, default_grid=not grid)
    return law


@dataclass(frozen=True, repr=False)
class ResnetParameter(Result):
    """The universal ResNet parameter c and the mean-field trajectory it came from.

    Returned by :func:`resnet_parameter`; the arrays run over the layers l = 1..L.

    Parameters
    ----------
    c : float
        c = a² Σ_l σ_w² E[φ'(h_l)²].
    c2 : ndarray
        σ_w² E[φ'(h_l)²] per layer (the per-layer parameter without a²).
    q : ndarray
        The variance q_l of the pre-activations h_l.
    mean : ndarray
        m_l, the per-unit mean of x_l.
    second_moment : ndarray
        v_l = E[x_l²] per unit.
    residual_scale : float
        The residual scale a used.

    See Also
    --------
    resnet_parameter, resnet_density

    References
    ----------
    .. [1] W. Tarnowski, P. Warchoł, S. Jastrzębski, J. Tabor, M. A. Nowak, "Dynamical isometry
       is achieved in residual networks in a universal way for any activation function",
       AISTATS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> p = theory.resnet_parameter("relu", 1.0, depth=4)
    >>> p.c, p.residual_scale, p.q.shape  # c = a² L σ_w²/2
    (0.5, 0.5, (4,))
    """

    c: float
    c2: np.ndarray  # σ_w² E[φ'(h_l)²] per layer (the per-layer parameter without a²)
    q: np.ndarray  # variance of h_l
    mean: np.ndarray  # m_l, per-unit mean of x_l
    second_moment: np.ndarray  # v_l = E x_l² per unit
    residual_scale: float

    _frame_columns: ClassVar[tuple[str, ...]] = ("c2", "q", "mean", "second_moment")


#: Most layers the mean-field recursion accepts: 4 arrays of ``depth`` floats come back (320 MB at
#: this limit), and each layer costs up to three quadratures.
MAX_DEPTH = 10**7


#: Seconds per layer of the recursion (measured ~2e-5 for tanh or a custom activation at huge
#: q, whose moments are quadratures, on a loaded 2-core machine; ~1e-7 for the closed forms),
#: with a factor of about 3 to spare.
_LAYER_SECONDS = {"quadrature": 6e-5, "closed form": 3e-7}


def _checked_depth(
    depth: object, activations: tuple[object, ...] = (), evaluations: int = 1
) -> int:
    """``depth`` in [1, MAX_DEPTH], and the time of ``evaluations`` recursions over it for each
    of ``activations`` within the work limit (``isometry._internal.work``)."""
    depth = _validation.positive_int("depth", depth)
    if depth > MAX_DEPTH:
        raise ValueError(
            f"depth must be at most {MAX_DEPTH} for the ResNet mean-field recursion, got {depth}"
        )
    per_layer = sum(
        _LAYER_SECONDS[
            "closed form" if a in ("linear", "relu", "hard_tanh", "erf") else "quadrature"
        ]
        for a in activations
    )
    _work.require(
        f"the ResNet mean-field recursion over {depth} layers",
        evaluations * depth * per_layer,
        reduce="depth",
    )
    return depth


def resnet_parameter(
    activation: ActivationLike,
    sigma_w: float,
    sigma_b: float = 0.0,
    *,
    depth: int,
    residual_scale: float | None = None,
    input_variance: float = 1.0,
) -> ResnetParameter:
    """The universal parameter c of a residual network, from its mean-field forward pass.

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    sigma_w : float
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w².
    sigma_b : float, default 0.0
        σ_b, the bias standard deviation; at least 0.
    depth : int
        Number of residual blocks L, 1 to 10⁷.
    residual_scale : float, optional
        The residual scale a of ``x_l = x_{l-1} + φ(h_l)``, ``W_l`` scaled by a; positive. Default
        1/√depth.
    input_variance : float, default 1.0
        The input's per-unit second moment v_0 = ‖x_0‖²/N; positive.

    Returns
    -------
    ResnetParameter
        c and the per-layer trajectory it came from: ``c2`` = σ_w² E[φ'(h_l)²], ``q``, ``mean``
        and ``second_moment`` of the units, ``residual_scale``.

    Raises
    ------
    ValueError
        If an argument is out of range.
    OverflowError
        If the signal overflows (the message names the layer).

    See Also
    --------
    resnet_sigma_w, resnet_density, isometry.resnet_jacobian_spectrum

    Notes
    -----
    c = a² Σ_l σ_w² E[φ'(h_l)²] with h_l ~ N(0, q_l), where the ResNet's own
    mean-field recursion gives q_l: q_l = a²σ_w² v_{l-1} + σ_b², m_l = m_{l-1} + E φ(h_l),
    v_l = v_{l-1} + 2 m_{l-1} E φ(h_l) + E φ(h_l)², from m_0 = 0 and v_0 = ``input_variance``
    (φ need not be odd: relu units acquire a mean). ReLU gives c = a² L σ_w²/2 exactly, linear
    c = a² L σ_w². The Gaussian expectations are the mean-field code's closed forms or quadratures,
    so a custom :class:`~isometry.theory.Activation` works too.

    References
    ----------
    .. [1] W. Tarnowski, P. Warchoł, S. Jastrzębski, J. Tabor, M. A. Nowak, "Dynamical isometry
       is achieved in residual networks in a universal way for any activation function",
       AISTATS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> round(theory.resnet_parameter("relu", 1.0, depth=16).c, 12)  # a² L σ_w²/2 with a² = 1/L
    0.5
    >>> p = theory.resnet_parameter("tanh", 1.0, depth=16)
    >>> round(p.c, 6), p.c2.shape
    (0.855791, (16,))
    """
    core = core_activation(activation)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    depth = _checked_depth(depth, (activation,))
    a = checked_residual_scale(residual_scale, depth)
    v = _validation.real("input_variance", input_variance, positive=True)
    with _named_underflow(a, v):
        raw = _core.resnet_trajectory(
            activation=core,
            sigma_w=sigma_w,
            sigma_b=sigma_b,
            depth=depth,
            residual_scale=a,
            input_variance=v,
        )
    return ResnetParameter(
        c=float(raw["c"]),
        c2=np.asarray(raw["c2"]),
        q=np.asarray(raw["q"]),
        mean=np.asarray(raw["mean"]),
        second_moment=np.asarray(raw["second_moment"]),
        residual_scale=a,
    )


@_arguments.vectorize("c", "sigma_b", "depth")
def resnet_sigma_w(
    activation: ActivationLike,
    c: float,
    sigma_b: float = 0.0,
    *,
    depth: int,
    residual_scale: float | None = None,
    input_variance: float = 1.0,
) -> float:
    """The σ_w at which :func:`resnet_parameter` gives the parameter ``c``.

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    c : float
        The universal ResNet parameter c (:func:`resnet_parameter`); positive, at most 300.
    sigma_b : float, default 0.0
        σ_b, the bias standard deviation; at least 0.
    depth : int
        Number of residual blocks L, 1 to 10⁷.
    residual_scale : float, optional
        The residual scale a of ``x_l = x_{l-1} + φ(h_l)``, ``W_l`` scaled by a; positive. Default
        1/√depth.
    input_variance : float, default 1.0
        The input's per-unit second moment v_0 = ‖x_0‖²/N; positive.

    Returns
    -------
    float
        σ_w (a standard deviation) with ``resnet_parameter(activation, σ_w, sigma_b, ...).c == c``.

    Raises
    ------
    ValueError
        If c lies outside what σ_w in [1e-3, 1e6] gives, or an argument is out of range.

    See Also
    --------
    resnet_parameter

    Notes
    -----
    c grows with σ_w; Brent's method in log σ_w on [1e-3, 1e6] (one C++ call) finds it to ~1e-15
    relative in σ_w.

    References
    ----------
    .. [1] W. Tarnowski, P. Warchoł, S. Jastrzębski, J. Tabor, M. A. Nowak, "Dynamical isometry
       is achieved in residual networks in a universal way for any activation function",
       AISTATS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> round(theory.resnet_sigma_w("relu", 0.5, depth=16), 9)  # c = σ_w²/2
    1.0
    """
    core = core_activation(activation)
    c = _checked_c(c)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    depth = _checked_depth(depth, (activation,), evaluations=80)  # the bracket and Brent
    a = checked_residual_scale(residual_scale, depth)
    v = _validation.real("input_variance", input_variance, positive=True)
    with _named_underflow(a, v):
        sigma_w, _, _ = _core.resnet_sigma_w(
            activation=core, c=c, sigma_b=sigma_b, depth=depth, residual_scale=a, input_variance=v
        )
    return float(sigma_w)


@contextlib.contextmanager
def _named_underflow(residual_scale: float, input_variance: float) -> Iterator[None]:
    """The core's "signal underflowed to 0" (a std::underflow_error, which reaches Python as a
    bare RuntimeError) as the FloatingPointError it is, with the scales that set the signal."""
    try:
        yield
    except RuntimeError as exc:
        if isinstance(exc, _core.ConvergenceError) or "underflowed" not in str(exc):
            raise
        raise FloatingPointError(
            f"{exc} (residual_scale={residual_scale:g}, input_variance={input_variance:g}: the "
            "first variance is residual_scale² sigma_w² input_variance + sigma_b²)"
        ) from None


def resnet_parameter_table(
    sigma_w: float = 1.0, sigma_b: float = 0.0, *, depth: int = 64, input_variance: float = 1.0
) -> dict[str, float]:
    """c of every built-in activation at the same (σ_w, σ_b, depth), with a = 1/√depth.

    Parameters
    ----------
    sigma_w : float, default 1.0
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w².
    sigma_b : float, default 0.0
        σ_b, the bias standard deviation; at least 0.
    depth : int, default 64
        Number of residual blocks L, 1 to 10⁷.
    input_variance : float, default 1.0
        The input's per-unit second moment v_0 = ‖x_0‖²/N; positive.

    Returns
    -------
    dict of str to float
        Activation name → c (:func:`resnet_parameter`).

    Raises
    ------
    ValueError
        If an argument is out of range.

    See Also
    --------
    resnet_parameter

    References
    ----------
    .. [1] W. Tarnowski, P. Warchoł, S. Jastrzębski, J. Tabor, M. A. Nowak, "Dynamical isometry
       is achieved in residual networks in a universal way for any activation function",
       AISTATS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> table = theory.resnet_parameter_table(1.0, depth=8)
    >>> sorted(table), round(table["linear"], 12), round(table["relu"], 12)  # σ_w², σ_w²/2
    (['erf', 'hard_tanh', 'linear', 'relu', 'tanh'], 1.0, 0.5)
    """
    _checked_depth(depth, _validation.ACTIVATIONS)  # all of them, before the first starts
    return {
        name: resnet_parameter(name, sigma_w, sigma_b, depth=depth, input_variance=input_variance).c
        for name in _validation.ACTIVATIONS
    }
