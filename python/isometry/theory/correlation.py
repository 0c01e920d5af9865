"""Propagation of the correlation of two inputs, its fixed point c* and the depth scales.

The correlation map (Poole et al. 2016; Schoenholz et al. 2017; docs/theory/meanfield.md) of two
inputs propagated at the same length q:

    c ↦ (σ_w² E[φ(u₁)φ(u₂)] + σ_b²) / q^{l+1},  u₁ = √q z₁,  u₂ = √q (c z₁ + √(1−c²) z₂),

with q^{l+1} = σ_w² E[φ(u₁)²] + σ_b², which is q* at the fixed point. Closed forms for linear,
relu (arc-cosine kernel) and erf; a quadrature over z₁ of a closed-form inner expectation for
hard_tanh; nested trapezoidal rules for tanh; nested piecewise Gauss–Kronrod for a custom
:class:`~isometry.theory.Activation`.

Depth scales: perturbations decay like e^{-l/ξ},
``ξ_q = −1/log|σ_w² d/dq E[φ(√q z)²]|`` at q* (the slope computed from φ and φ' only, as
``E[φ(√q z)φ'(√q z) z]/√q``) and ``ξ_c = −1/log|σ_w² E[φ'(u₁)φ'(u₂)]|`` at c = c*
(= −1/log χ₁ when c* = 1).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry.theory import _arguments
from isometry.theory.activation import ActivationLike, is_homogeneous

__all__ = ["DepthScales", "c_star", "correlation_map", "depth_scales"]


class DepthScales(NamedTuple):
    """Depth scales of the length (ξ_q) and correlation (ξ_c) perturbations, in layers.

    Returned by :func:`depth_scales`, a named tuple: perturbations decay like e^(−l/ξ).

    Parameters
    ----------
    xi_q : float
        ξ_q = −1/log(slope of the length map at q*).
    xi_c : float
        ξ_c = −1/log(slope of the correlation map at c*); −1/log χ₁ when c* = 1.

    See Also
    --------
    depth_scales

    References
    ----------
    .. [1] B. Poole et al., "Exponential expressivity in deep neural networks through transient
       chaos", NeurIPS 2016.
    .. [2] S. S. Schoenholz, J. Gilmer, S. Ganguli, J. Sohl-Dickstein, "Deep information
       propagation", ICLR 2017.

    Examples
    --------
    >>> from isometry import theory
    >>> xi_q, xi_c = theory.depth_scales("tanh", 1.8, 0.3)
    >>> round(xi_c, 4)
    8.0954
    """

    xi_q: float
    xi_c: float


@_arguments.vectorize("c", "sigma_w", "sigma_b", "q")
def correlation_map(
    activation: ActivationLike, c: float, sigma_w: float, sigma_b: float, q: float | None = None
) -> float:
    """One step of the correlation map: the correlation of two inputs after one layer.

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    c : float
        The correlation of the two inputs, in [-1, 1].
    sigma_w : float
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w².
    sigma_b : float
        σ_b, the bias standard deviation; at least 0.
    q : float, optional
        The length (variance) both inputs are propagated at; positive. Default q*; where q* = 0
        (ordered phase without bias) the map at q* is undefined: pass ``q``. For linear and relu
        the map does not depend on q, so at their scale-invariant points q = 1 is used.

    Returns
    -------
    float
        (σ_w² E[φ(u₁)φ(u₂)] + σ_b²)/q' with u₁ = √q z₁, u₂ = √q (c z₁ + √(1−c²) z₂) and
        q' = σ_w² E[φ(u₁)²] + σ_b².

    Raises
    ------
    ValueError
        If an argument is out of range, or q is left out where q* is 0 or not unique.

    See Also
    --------
    c_star, depth_scales

    Notes
    -----
    Closed forms for linear, relu (arc-cosine kernel) and erf; a quadrature over z₁ of a
    closed-form inner expectation for hard_tanh; nested trapezoidal rules for tanh; nested
    piecewise Gauss–Kronrod for a custom activation.

    References
    ----------
    .. [1] B. Poole et al., "Exponential expressivity in deep neural networks through transient
       chaos", NeurIPS 2016.
    .. [2] S. S. Schoenholz, J. Gilmer, S. Ganguli, J. Sohl-Dickstein, "Deep information
       propagation", ICLR 2017.

    Examples
    --------
    >>> from isometry import theory
    >>> theory.correlation_map("tanh", 1.0, 1.2, 0.1)  # c = 1 is always a fixed point
    1.0
    >>> round(theory.correlation_map("relu", 0.0, 2**0.5, 0.0), 6)  # arc-cosine kernel: 1/π
    0.31831
    """
    core, sigma_w, sigma_b = _arguments.network(activation, sigma_w, sigma_b)
    c = _validation.real("c", c)
    if not -1.0 <= c <= 1.0:
        raise ValueError(f"c must be in [-1, 1], got {c}")
    if q is None:
        q = _fixed_point_length(activation, core, sigma_w, sigma_b)
    else:
        q = _validation.real("q", q, positive=True)
    with _arguments.at_point(activation, c=c, sigma_w=sigma_w, sigma_b=sigma_b, q=q):
        return float(_core.correlation_map(core, q, c, sigma_w, sigma_b))


@_arguments.vectorize("sigma_w", "sigma_b")
def c_star(activation: ActivationLike, sigma_w: float, sigma_b: float) -> float:
    """The stable fixed point c* of the correlation map at q*.

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    sigma_w : float
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w².
    sigma_b : float
        σ_b, the bias standard deviation; at least 0.

    Returns
    -------
    float
        c* in [0, 1]: 1 in the ordered phase and at criticality (χ₁ ≤ 1), including q* = 0; in
        the chaotic phase (χ₁ > 1) the other fixed point, which lies in [0, 1).

    Raises
    ------
    ValueError
        Where the length map diverges, or if an argument is out of range.

    See Also
    --------
    correlation_map, depth_scales

    Notes
    -----
    E[φ(u₁)φ(u₂)] is a power series in c with non-negative coefficients, so on [0, 1] the map is
    increasing and convex with f(1) = 1 and f(0) ≥ 0, and crosses the diagonal exactly once below
    1 (found by Brent's method). See the documentation's "Mean-field signal propagation" page.

    Examples
    --------
    >>> from isometry import theory
    >>> round(theory.c_star("tanh", 1.8, 0.3), 6)  # chaotic: χ₁ > 1
    0.387747
    >>> theory.c_star("tanh", 1.0, 0.1)  # ordered
    1.0
    """
    return _mean_field_point(activation, sigma_w, sigma_b)["c_star"]


@_arguments.vectorize("sigma_w", "sigma_b")
def depth_scales(activation: ActivationLike, sigma_w: float, sigma_b: float) -> DepthScales:
    """The depth scales ξ_q and ξ_c of signal propagation at the fixed point (q*, c*).

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    sigma_w : float
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w².
    sigma_b : float
        σ_b, the bias standard deviation; at least 0.

    Returns
    -------
    DepthScales
        ``(xi_q, xi_c)``: perturbations of the length and of the correlation decay like
        e^(−l/ξ). ``math.inf`` where the slope of the map is 1 to within 8 ulps: at criticality
        (χ₁ = 1, where c* = 1 and ξ_c = −1/log χ₁ diverges) and at the scale-invariant linear and
        relu points.

    Raises
    ------
    ValueError
        Where the length map diverges, or if an argument is out of range.

    See Also
    --------
    c_star, phase_diagram

    Notes
    -----
    ξ_q⁻¹ = −log[χ₁ + σ_w² E φ''(√q* z) φ(√q* z)] and ξ_c⁻¹ = −log[σ_w² E φ'(u₁)φ'(u₂)] at
    c = c* (Schoenholz et al. 2017), i.e. minus the logarithms of the slopes of the length and
    correlation maps at their fixed points. Near criticality the finite values are as large as
    1/(error of the slope), i.e. ~1e12 and beyond for custom activations. Where q* = 0
    (ordered, no bias) both slopes are χ₁ = σ_w² μ₁(0⁺) (the length map is ≈ χ₁ q near 0, and
    c* = 1).

    References
    ----------
    .. [1] S. S. Schoenholz, J. Gilmer, S. Ganguli, J. Sohl-Dickstein, "Deep information
       propagation", ICLR 2017.

    Examples
    --------
    >>> from isometry import theory
    >>> d = theory.depth_scales("tanh", 1.8, 0.3)
    >>> round(d.xi_q, 4), round(d.xi_c, 4)
    (0.9523, 8.0954)
    >>> theory.depth_scales("tanh", *theory.critical_point("tanh", 0.5)).xi_c
    inf
    """
    point = _mean_field_point(activation, sigma_w, sigma_b)
    return DepthScales(point["xi_q"], point["xi_c"])


def _fixed_point_length(
    activation: ActivationLike, core: Any, sigma_w: float, sigma_b: float
) -> float:
    with _arguments.at_point(activation, sigma_w=sigma_w, sigma_b=sigma_b):
        q, kind, _ = _core.q_star(core, sigma_w, sigma_b)
    if kind == "positive":
        return float(q)
    if kind == "scale_invariant" and is_homogeneous(activation):
        return 1.0
    if kind == "zero":
        raise ValueError(
            f"the stable fixed point is q* = 0 at {_arguments.where(activation, sigma_w=sigma_w, sigma_b=sigma_b)} "
            "(ordered phase without bias), where the correlation map is undefined; pass q > 0"
        )
    _arguments.raise_without_fixed_point(kind, activation, sigma_w, sigma_b)
    raise AssertionError(f"unexpected fixed-point kind {kind!r}")


def _mean_field_point(
    activation: ActivationLike, sigma_w: float, sigma_b: float
) -> dict[str, float]:
    core, sigma_w, sigma_b = _arguments.network(activation, sigma_w, sigma_b)
    with _arguments.at_point(activation, sigma_w=sigma_w, sigma_b=sigma_b):
        point = _core.mean_field_point(core, sigma_w, sigma_b)
    if point["kind"] == "divergent":
        _arguments.raise_without_fixed_point("divergent", activation, sigma_w, sigma_b)
    return {k: float(v) for k, v in point.items() if k != "kind"}
