"""The universal Jacobian spectrum of deep residual networks (Tarnowski et al. 2019, THEORY.md §7).

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

import math
from dataclasses import dataclass

import numpy as np

from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry.theory.freeprob import JacobianDensity, _checked_grid, _checked_points, _density_from_core

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
        raise ValueError(f"c must be at most {_MAX_C:g} (the upper edge grows like e^(2c) and overflows), got {c}")
    return c


def checked_residual_scale(residual_scale: object, depth: int) -> float:
    """``residual_scale`` as a float: None means 1/√depth; otherwise a positive finite number."""
    if residual_scale is None:
        return 1.0 / math.sqrt(depth)
    if isinstance(residual_scale, bool) or not isinstance(residual_scale, (int, float, np.floating, np.integer)):
        raise TypeError(f"residual_scale must be a positive real number or None (1/sqrt(depth)), got {residual_scale!r}")
    value = float(residual_scale)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"residual_scale must be positive and finite (or None for 1/sqrt(depth)), got {residual_scale!r}")
    return value


def resnet_edges(c: float) -> tuple[float, float]:
    """Edges of the support, ``((1+M)/M) e^{c(1+2M)}`` at ``M± = (−1 ± √(1 + 2/c))/2``."""
    c = _checked_c(c)
    lower, upper = _core.resnet_edges(c)
    if not (np.isfinite(lower) and np.isfinite(upper)):  # 2/c overflows for subnormal c
        raise FloatingPointError(f"the edges overflow at c={c:g}: the smallest c that works is about 1.2e-308")
    return float(lower), float(upper)


def resnet_moments(c: float, order: int = 4) -> np.ndarray:
    """m_1..m_order of the law (series reversion of z S(z)/(1+z)); m₁ = e^c, m₂ = (1 + 2c) e^{2c}."""
    c = _checked_c(c)
    order = _validation.moment_order(order)
    return np.asarray(_core.resnet_moments(c, order))


def resnet_density(c: float, x: np.ndarray | None = None, *, points: int = 2000) -> JacobianDensity:
    """The universal ResNet density of J Jᵀ for parameter c (no atoms; both edges square-root).

    With ``x=None`` a grid of ``points`` clustered at both edges (log-spaced when the support
    spans decades). Raises ``isometry.ConvergenceError`` if Newton fails — never NaN.
    """
    c = _checked_c(c)
    points = _checked_points(points)
    grid = _checked_grid(x)
    return _density_from_core(_core.resnet_density(c, grid, points), float("nan"))


@dataclass(frozen=True)
class ResnetParameter:
    """c and the mean-field trajectory it came from (arrays over layers l = 1..L)."""

    c: float
    c2: np.ndarray  # σ_w² E[φ'(h_l)²] per layer (the per-layer parameter without a²)
    q: np.ndarray  # variance of h_l
    mean: np.ndarray  # m_l, per-unit mean of x_l
    second_moment: np.ndarray  # v_l = E x_l² per unit
    residual_scale: float


def _mean_phi(activation: str, q: float) -> float:
    if activation == "relu":
        return math.sqrt(q / (2 * math.pi))
    return 0.0  # linear, tanh, hard_tanh, erf are odd


def resnet_parameter(
    activation: str,
    sigma_w: float,
    sigma_b: float = 0.0,
    *,
    depth: int,
    residual_scale: float | None = None,
    input_variance: float = 1.0,
) -> ResnetParameter:
    """The universal parameter c of a ResNet from its mean-field forward pass (module docstring).

    ``residual_scale=None`` is 1/√depth. ReLU: c = a² L σ_w²/2 exactly (φ'² is Bernoulli(½) at
    any q); linear: c = a² L σ_w². Built-in activations only.
    """
    activation = _validation.choice("activation", activation, _validation.ACTIVATIONS)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    depth = _validation.grid_points("depth", depth, per_point_seconds=5e-4, minimum=1, bytes_per_point=32)
    a = checked_residual_scale(residual_scale, depth)
    v = _validation.real("input_variance", input_variance, positive=True)
    m = 0.0
    c2, qs, means, seconds = (np.empty(depth) for _ in range(4))
    for layer in range(depth):
        q = a * a * sigma_w * sigma_w * v + sigma_b * sigma_b
        if not math.isfinite(q):
            raise OverflowError(f"the mean-field signal overflowed at layer {layer + 1}; lower sigma_w, sigma_b or depth")
        mean_phi = _mean_phi(activation, q)
        second_phi = float(_core.length_map(activation, q, 1.0, 0.0))  # E φ(h)²
        c2[layer] = sigma_w * sigma_w * float(_core.derivative_moment(activation, q, 1))
        v = v + 2.0 * m * mean_phi + second_phi
        m = m + mean_phi
        qs[layer], means[layer], seconds[layer] = q, m, v
    return ResnetParameter(c=float(a * a * c2.sum()), c2=c2, q=qs, mean=means, second_moment=seconds,
                           residual_scale=a)


def resnet_sigma_w(
    activation: str,
    c: float,
    sigma_b: float = 0.0,
    *,
    depth: int,
    residual_scale: float | None = None,
    input_variance: float = 1.0,
) -> float:
    """The σ_w at which :func:`resnet_parameter` gives ``c`` (c grows with σ_w; bisection)."""
    c = _checked_c(c)
    depth = _validation.grid_points("depth", depth, per_point_seconds=5e-4, minimum=1, bytes_per_point=32)

    def param(sigma_w: float) -> float:
        # A signal that overflows belongs to a c far above any allowed one (c <= 300): bisect down.
        try:
            return resnet_parameter(activation, sigma_w, sigma_b, depth=depth, residual_scale=residual_scale,
                                    input_variance=input_variance).c
        except OverflowError:
            return math.inf

    lo, hi = 1e-3, 1.0
    while param(hi) < c:
        lo, hi = hi, 2 * hi
        if hi > 1e6:
            raise ValueError(f"no sigma_w below 1e6 reaches c = {c} for activation={activation!r}")
    if param(lo) > c:
        raise ValueError(f"c = {c} is below what sigma_w = 1e-3 gives for activation={activation!r}")
    for _ in range(200):  # bisection to rounding
        mid = 0.5 * (lo + hi)
        if param(mid) < c:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 4e-16 * hi:
            break
    return 0.5 * (lo + hi)


def resnet_parameter_table(
    sigma_w: float = 1.0, sigma_b: float = 0.0, *, depth: int = 64, input_variance: float = 1.0
) -> dict[str, float]:
    """c per built-in activation at the same (σ_w, σ_b, depth), with a = 1/√depth."""
    return {
        name: resnet_parameter(name, sigma_w, sigma_b, depth=depth, input_variance=input_variance).c
        for name in _validation.ACTIVATIONS
    }
