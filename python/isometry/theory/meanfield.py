"""Mean-field signal propagation: the length map, its fixed point q*, and χ₁.

Every function here takes arrays for its numeric arguments and broadcasts them like a NumPy
ufunc (``q_star("tanh", np.array([1.0, 1.5]), 0.1)`` is an array of two q*), and the variances
``sigma_w2=``/``sigma_b2=`` in place of ``sigma_w``/``sigma_b`` (the papers tabulate σ²).

Conventions (PSG18 eqs. 3–5): ``q^l = σ_w² E_z[φ(√q^{l-1} z)²] + σ_b²`` with z ~ N(0, 1);
``χ₁ = σ_w² μ₁`` with ``μ_k = E_z[φ'(√q* z)^{2k}]``. Closed forms for linear, relu, hard_tanh and
erf (φ(h) = erf(√π h / 2)); adaptive trapezoidal quadrature (relative error ~1e-14, see
normal_expectation.hpp) for tanh; piecewise Gauss–Kronrod split at the kinks (requested relative
accuracy 1e-12) for a user-defined :class:`~isometry.theory.Activation`.
"""

from __future__ import annotations

import math

import numpy as np

from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry.theory import _arguments
from isometry.theory.activation import ActivationLike, core_activation

__all__ = ["chi1", "derivative_moments", "length_map", "q_star"]


@_arguments.vectorize("q", "sigma_w", "sigma_b")
def length_map(activation: ActivationLike, q: float, sigma_w: float, sigma_b: float) -> float:
    """One step of the length map, ``σ_w² E[φ(√q z)²] + σ_b²`` with z ~ N(0, 1).

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    q : float
        The variance q^(l-1) of the previous layer's pre-activations; positive.
    sigma_w : float
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w².
    sigma_b : float
        σ_b, the bias standard deviation; at least 0.

    Returns
    -------
    float
        q^l, the next layer's pre-activation variance (PSG18 eq. 3).

    Raises
    ------
    ValueError
        If an argument is out of range.

    Notes
    -----
    Closed forms for linear, relu and hard-tanh; Gauss–Hermite quadrature otherwise (adaptive,
    to a relative accuracy of 1e-12, for a custom activation). See the documentation's
    "Mean-field signal propagation" page.

    Examples
    --------
    >>> from isometry import theory
    >>> round(theory.length_map("relu", 3.0, 2**0.5, 0.0), 12)  # σ_w² q/2: kept at σ_w² = 2
    3.0
    >>> round(theory.length_map("tanh", 1.0, 1.05, 0.0), 6)
    0.43471
    """
    core, sigma_w, sigma_b = _arguments.network(activation, sigma_w, sigma_b)
    q = _validation.real("q", q, positive=True)
    with _arguments.at_point(activation, q=q):
        out = float(_core.length_map(core, q, sigma_w, sigma_b))
    if not math.isfinite(out):  # σ_w² E φ² + σ_b² beyond a double: refused, not a silent inf
        raise OverflowError(
            f"the length map overflows a double at q={q:g}, sigma_w={sigma_w:g}, "
            f"sigma_b={sigma_b:g}; lower them"
        )
    return out


@_arguments.vectorize("sigma_w", "sigma_b")
def q_star(activation: ActivationLike, sigma_w: float, sigma_b: float) -> float:
    """The stable fixed point q* of the length map.

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
        q*, a variance (PSG18 eq. 4); 0.0 where the stable fixed point is q* = 0 (no bias and
        σ_w² φ'(0)² ≤ 1, the ordered phase).

    Raises
    ------
    ValueError
        Where there is no finite stable fixed point: linear or relu above criticality (q^l
        grows without bound) and the scale-invariant points (linear σ_w = 1, relu σ_w² = 2, both
        with σ_b = 0), where every q is a fixed point; or if an argument is out of range.

    See Also
    --------
    length_map, chi1, critical_point

    Notes
    -----
    For a custom :class:`~isometry.theory.Activation` q* is the fixed point the length map reaches
    from below: 0 when φ(0) = 0, σ_b = 0 and σ_w² μ₁(0⁺) ≤ 1; otherwise the first crossing of
    L(q) = q found by doubling q from L(0) (or from the first q = 16⁻ʲ with L(q) > q when q = 0 is
    an unstable fixed point), refined by Brent's method. No crossing below q = 1e15 counts as
    divergent. This search cannot recognise a scale-invariant custom map.

    References
    ----------
    .. [1] B. Poole et al., "Exponential expressivity in deep neural networks through transient
       chaos", NeurIPS 2016; restated in J. Pennington, S. S. Schoenholz, S. Ganguli, "The
       emergence of spectral universality in deep networks", AISTATS 2018, §2.2.

    Examples
    --------
    >>> from isometry import theory
    >>> round(theory.q_star("tanh", 1.05, 0.0), 6)
    0.05325
    >>> theory.q_star("tanh", 0.9, 0.0)  # ordered phase without bias
    0.0
    """
    core, sigma_w, sigma_b = _arguments.network(activation, sigma_w, sigma_b)
    with _arguments.at_point(activation, sigma_w=sigma_w, sigma_b=sigma_b):
        q, kind, _ = _core.q_star(core, sigma_w, sigma_b)
    _arguments.raise_without_fixed_point(kind, activation, sigma_w, sigma_b)
    return float(q)


def derivative_moments(activation: ActivationLike, q: float, order: int = 2) -> np.ndarray:
    """``[μ_1, ..., μ_order]`` with ``μ_k = E_z[φ'(√q z)^{2k}]``, the moments of the law of D².

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    q : float
        The variance of the pre-activations; at least 0 (0 gives the limit q → 0⁺).
    order : int, default 2
        Number of moments, at least 1.

    Returns
    -------
    ndarray
        μ_1..μ_order. At q = 0: φ'(0)^(2k), or (φ'(0⁻)^(2k) + φ'(0⁺)^(2k))/2 where 0 is a kink.

    Raises
    ------
    ValueError
        If an argument is out of range.

    See Also
    --------
    chi1, spectrum_mean_and_normalized_variance

    Notes
    -----
    D_l = diag φ'(h_l) with h ~ N(0, q); χ₁ = σ_w² μ₁(q*) (PSG18 eq. 5). Accuracy as for
    :func:`length_map`.

    References
    ----------
    .. [1] J. Pennington, S. S. Schoenholz, S. Ganguli, "The emergence of spectral universality
       in deep networks", AISTATS 2018.

    Examples
    --------
    >>> from isometry import theory
    >>> theory.derivative_moments("relu", 1.0, 3).tolist()  # φ'² is Bernoulli(½) at every q
    [0.5, 0.5, 0.5]
    >>> theory.derivative_moments("tanh", 0.0).tolist()
    [1.0, 1.0]
    """
    core = core_activation(activation)
    q = _validation.real("q", q, nonnegative=True)
    order = _validation.grid_points(
        "order", order, per_point_seconds=1e-4, minimum=1
    )  # one quadrature each
    with _arguments.at_point(activation, q=q):
        if q == 0.0:
            return np.array([_core.derivative_moment_small_q(core, k) for k in range(1, order + 1)])
        return np.array([_core.derivative_moment(core, q, k) for k in range(1, order + 1)])


@_arguments.vectorize("sigma_w", "sigma_b")
def chi1(activation: ActivationLike, sigma_w: float, sigma_b: float) -> float:
    """χ₁ = σ_w² μ₁(q*), the mean squared singular value of one layer's D W.

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
        χ₁ (PSG18 eq. 5). χ₁ = 1 is criticality (the edge of chaos); χ₁ > 1 chaotic (exploding
        gradients), χ₁ < 1 ordered (vanishing). The mean of the spectrum of J Jᵀ is χ₁^L.

    Raises
    ------
    ValueError
        Where the length map has no finite fixed point (other than for linear and relu), or if
        an argument is out of range.

    See Also
    --------
    q_star, critical_point, edge_of_chaos

    Notes
    -----
    Where q* = 0 (ordered, no bias) χ₁ = σ_w² μ₁(0⁺) = σ_w² φ'(0)². For the scale-invariant
    linear and relu networks μ₁ does not depend on q, so χ₁ is defined even where q* is not
    (σ_w² for linear, σ_w²/2 for relu).

    Examples
    --------
    >>> from isometry import theory
    >>> round(theory.chi1("tanh", 1.05, 0.0), 6)
    1.002876
    >>> round(theory.chi1("relu", 2**0.5, 0.0), 12)  # the relu critical point σ_w² = 2
    1.0
    """
    core, sigma_w, sigma_b = _arguments.network(activation, sigma_w, sigma_b)
    with _arguments.at_point(activation, sigma_w=sigma_w, sigma_b=sigma_b):
        value = float(_core.chi1(core, sigma_w, sigma_b))
    if math.isnan(value):
        q_star(activation, sigma_w, sigma_b)  # raises the ValueError that says why
    return value
