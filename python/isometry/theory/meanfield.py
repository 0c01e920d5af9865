"""Mean-field signal propagation: the length map, its fixed point q*, and χ₁.

Conventions (PSG18 eqs. 3–5): ``q^l = σ_w² E_z[φ(√q^{l-1} z)²] + σ_b²`` with z ~ N(0, 1);
``χ₁ = σ_w² μ₁`` with ``μ_k = E_z[φ'(√q* z)^{2k}]``. Closed forms for linear, relu, hard_tanh and
erf (φ(h) = erf(√π h / 2)); adaptive trapezoidal quadrature (relative error ~1e-14, see normal_expectation.hpp) for tanh.
"""

from __future__ import annotations

import numpy as np

from isometry import _validation
from isometry._core_loader import _core

__all__ = ["chi1", "derivative_moments", "length_map", "q_star"]


def _check(activation: str, sigma_w: float, sigma_b: float) -> tuple[str, float, float]:
    activation = _validation.choice("activation", activation, _validation.ACTIVATIONS)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    return activation, sigma_w, sigma_b


def length_map(activation: str, q: float, sigma_w: float, sigma_b: float) -> float:
    """One step of the length map, ``σ_w² E[φ(√q z)²] + σ_b²``."""
    activation, sigma_w, sigma_b = _check(activation, sigma_w, sigma_b)
    q = _validation.real("q", q, positive=True)
    return float(_core.length_map(activation, q, sigma_w, sigma_b))


def q_star(activation: str, sigma_w: float, sigma_b: float) -> float:
    """The stable fixed point q* of the length map.

    Returns 0.0 where the stable fixed point is q* = 0 (no bias and σ_w² φ'(0)² ≤ 1, the ordered
    phase). Raises ``ValueError`` where there is no finite stable fixed point: linear or relu
    above criticality (q^l grows without bound) and the scale-invariant points (linear σ_w = 1,
    relu σ_w² = 2, both with σ_b = 0), where every q is a fixed point.
    """
    activation, sigma_w, sigma_b = _check(activation, sigma_w, sigma_b)
    q, kind, _ = _core.q_star(activation, sigma_w, sigma_b)
    if kind in ("positive", "zero"):
        return float(q)
    where = f"activation={activation!r}, sigma_w={sigma_w}, sigma_b={sigma_b}"
    if kind == "scale_invariant":
        raise ValueError(f"every q is a fixed point of the length map at {where}; q* is not unique")
    raise ValueError(f"the length map diverges at {where}: there is no finite fixed point q*")


def derivative_moments(activation: str, q: float, order: int = 2) -> np.ndarray:
    """``[μ_1, ..., μ_order]`` with ``μ_k = E_z[φ'(√q z)^{2k}]`` (the law of D² at variance q).

    ``q = 0`` gives the limit q → 0⁺ (φ'(0)^{2k} = 1 for every built-in activation but relu,
    whose μ_k = 1/2 for every q).
    """
    activation = _validation.choice("activation", activation, _validation.ACTIVATIONS)
    q = _validation.real("q", q, nonnegative=True)
    order = _validation.positive_int("order", order)
    if q == 0.0:
        return np.full(order, 0.5 if activation == "relu" else 1.0)
    return np.array([_core.derivative_moment(activation, q, k) for k in range(1, order + 1)])


def chi1(activation: str, sigma_w: float, sigma_b: float) -> float:
    """χ₁ = σ_w² μ₁(q*), the mean squared singular value of one layer's D W (criticality: χ₁ = 1).

    For the scale-invariant linear and relu networks μ₁ does not depend on q, so χ₁ is defined
    even where q* is not (σ_w² for linear, σ_w²/2 for relu).
    """
    activation, sigma_w, sigma_b = _check(activation, sigma_w, sigma_b)
    if activation in ("linear", "relu"):
        q = 1.0
    else:
        q = q_star(activation, sigma_w, sigma_b)
    return sigma_w**2 * float(derivative_moments(activation, q, 1)[0])
