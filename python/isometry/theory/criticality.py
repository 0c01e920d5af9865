"""The edge of chaos χ₁ = 1 (PSG18 §2.2; docs/theory/meanfield.md, "χ₁ and the critical line").

On the critical curve q* parametrises the point: ``σ_w² = 1/μ₁(q*)``,
``σ_b² = q* − σ_w² E[φ(√q* z)²]``. As q* → 0 the curve ends at σ_w = 1/``|φ'(0)|``, σ_b = 0.
"""

from __future__ import annotations

from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry.theory import _arguments
from isometry.theory.activation import ActivationLike, core_activation

__all__ = ["critical_point", "critical_sigma_b", "edge_of_chaos"]


@_arguments.vectorize("q_star")
def critical_point(activation: ActivationLike, q_star: float) -> tuple[float, float]:
    """``(sigma_w, sigma_b)`` of the critical point (χ₁ = 1) whose fixed point is ``q_star``.

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    q_star : float
        The fixed point q* of the length map (a variance); positive.

    Returns
    -------
    sigma_w : float
        The weight standard deviation, ``σ_w² = 1/μ₁(q*)`` (the papers tabulate σ_w²).
    sigma_b : float
        The bias standard deviation, ``σ_b² = q* − σ_w² E[φ(√q* z)²]``. linear and relu give
        (1, 0) and (√2, 0) for every q* (at criticality every q is a fixed point). An array of
        q* gives a pair of arrays (broadcast like a NumPy ufunc).

    Raises
    ------
    ValueError
        Where σ_b² would be negative: that q* lies on no critical point (impossible for erf,
        tanh and hard_tanh with q* > 0, possible for a custom activation); or if an argument is
        out of range.

    See Also
    --------
    edge_of_chaos, chi1, q_star

    Notes
    -----
    Given q*, the two conditions χ₁ = 1 and q* = L(q*) are linear in σ_w² and σ_b², so the point
    is explicit. A σ_b² in [−1e-10 q*, 0) is within the quadrature's error of 0 and gives
    σ_b = 0. For a custom activation q* must also be the stable fixed point the network reaches
    (slope of the length map ≤ 1 there), or χ₁ would not be 1 where the network settles:
    otherwise ``ValueError`` says where it goes instead. Closed forms: hard-tanh σ_w² = 1/erf(1/√(2q*)), erf σ_w² = √(1 + πq*) (PSG18
    Table 1).

    Examples
    --------
    >>> from isometry import theory
    >>> sw, sb = theory.critical_point("tanh", 0.8)
    >>> round(sw, 6), round(sb, 6)
    (1.407428, 0.314014)
    >>> round(theory.chi1("tanh", sw, sb), 9), round(theory.q_star("tanh", sw, sb), 9)
    (1.0, 0.8)
    """
    core = core_activation(activation)
    q_star = _validation.real("q_star", q_star, positive=True)
    with _arguments.at_point(activation, q_star=q_star):
        sigma_w, sigma_b = _core.critical_point(core, q_star)
    return float(sigma_w), float(sigma_b)


@_arguments.vectorize("sigma_b")
def edge_of_chaos(activation: ActivationLike, sigma_b: float) -> float:
    """The ``sigma_w`` with χ₁ = 1 at bias ``sigma_b``.

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    sigma_b : float
        σ_b, the bias standard deviation; at least 0.

    Returns
    -------
    float
        σ_w on the critical curve (a standard deviation).

    Raises
    ------
    ValueError
        Where there is no such point: linear and relu with σ_b > 0 (χ₁ = 1 has a fixed point
        only without bias), or a custom curve that stays below σ_b²; or if an argument is out
        of range.

    See Also
    --------
    critical_point

    Notes
    -----
    σ_b = 0 gives the q* → 0 end of the critical curve, σ_w = 1/√μ₁(0⁺) = 1/``|φ'(0)|`` (1 for
    erf, tanh, hard_tanh and linear, √2 for relu). For σ_b > 0, Brent's method solves
    ``q − E[φ(√q z)²]/μ₁(q) = σ_b²`` for q along the curve (bracketed by doubling q from σ_b²)
    and returns ``1/√μ₁(q)``. For a custom activation each crossing is checked to be the stable
    fixed point that :func:`q_star` finds, so that χ₁ = 1 holds there; crossings that are not
    are skipped, and ``ValueError`` explains when none is left (swish: the curve is unstable for
    σ_b² ≲ 0.6).

    Examples
    --------
    >>> from isometry import theory
    >>> round(theory.edge_of_chaos("tanh", 0.3), 6)
    1.395584
    >>> theory.edge_of_chaos("erf", 0.0)
    1.0
    """
    core = core_activation(activation)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    with _arguments.at_point(activation, sigma_b=sigma_b):
        return float(_core.edge_of_chaos(core, sigma_b))


def critical_sigma_b(activation: ActivationLike, sigma_w: float) -> tuple[float, float]:
    """``(sigma_b, q_star)``: the bias that puts ``sigma_w`` on the critical curve, and its q*.

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    sigma_w : float
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w².

    Returns
    -------
    sigma_b : float
        σ_b, a standard deviation: ``σ_b² = q* − σ_w² E[φ(√q* z)²]``.
    q_star : float
        q*, the fixed point, the solution of ``σ_w² μ₁(q) = 1``. ``σ_w = 1/|φ'(0)|`` gives
        ``(0.0, 0.0)``, the q* → 0 end of the curve.

    Raises
    ------
    ValueError
        Where there is no such bias: σ_w below 1/``|φ'(0)|`` for tanh, erf and hard_tanh
        (μ₁ ≤ φ'(0)², so χ₁ < 1 at every q), linear and relu (μ₁ does not depend on q), or, for a
        custom :class:`~isometry.theory.Activation`, every solution needs σ_b² < 0 or is not the
        stable fixed point the network reaches (as in :func:`edge_of_chaos`); or if an argument is
        out of range.

    See Also
    --------
    critical_point, edge_of_chaos

    Notes
    -----
    Brent's method on a scan of q from 2⁻⁴⁰ to 1e15 (PSG18 §2.2, eqs. 4–5).

    References
    ----------
    .. [1] J. Pennington, S. S. Schoenholz, S. Ganguli, "The emergence of spectral universality
       in deep networks", AISTATS 2018.

    Examples
    --------
    >>> from isometry import theory
    >>> sb, q = theory.critical_sigma_b("tanh", 1.407428)
    >>> round(sb, 4), round(q, 4)  # the critical point at q* = 0.8
    (0.314, 0.8)
    """
    core = core_activation(activation)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    with _arguments.at_point(activation, sigma_w=sigma_w):
        sigma_b, q_star = _core.critical_sigma_b(activation=core, sigma_w=sigma_w)
    return float(sigma_b), float(q_star)
