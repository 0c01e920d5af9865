"""The edge of chaos χ₁ = 1 (PSG18 §2.2; THEORY.md §2, "critical curve").

On the critical curve q* parametrises the point: ``σ_w² = 1/μ₁(q*)``,
``σ_b² = q* − σ_w² E[φ(√q* z)²]``. As q* → 0 the curve ends at σ_w = 1/|φ'(0)|, σ_b = 0.
"""

from __future__ import annotations

from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry.theory import _arguments
from isometry.theory.activation import ActivationLike, core_activation

__all__ = ["critical_point", "edge_of_chaos"]


@_arguments.vectorize("q_star")
def critical_point(activation: ActivationLike, q_star: float) -> tuple[float, float]:
    """``(sigma_w, sigma_b)`` of the critical point (χ₁ = 1) whose length-map fixed point is ``q_star``.

    ``σ_w² = 1/μ₁(q*)`` and ``σ_b² = q* − σ_w² E[φ(√q* z)²]``. Raises ``ValueError`` where σ_b²
    would be negative: that q* lies on no critical point (impossible for erf, tanh and hard_tanh
    with q* > 0, possible for a custom activation). A σ_b² in [−1e-10 q*, 0) is within the
    quadrature's error of 0 and gives σ_b = 0. linear and relu give (1, 0) and (√2, 0) for
    every q* (at criticality every q is a fixed point). An array of q* gives a pair of arrays.
    """
    core = core_activation(activation)
    q_star = _validation.real("q_star", q_star, positive=True)
    with _arguments.at_point(activation, q_star=q_star):
        sigma_w, sigma_b = _core.critical_point(core, q_star)
    return float(sigma_w), float(sigma_b)


@_arguments.vectorize("sigma_b")
def edge_of_chaos(activation: ActivationLike, sigma_b: float) -> float:
    """The ``sigma_w`` with χ₁ = 1 at bias ``sigma_b``.

    σ_b = 0 gives the q* → 0 end of the critical curve, σ_w = 1/√μ₁(0⁺) = 1/|φ'(0)| (1 for erf,
    tanh, hard_tanh and linear, √2 for relu). For σ_b > 0, Brent's method solves
    ``q − E[φ(√q z)²]/μ₁(q) = σ_b²`` for q along the curve (bracketed by doubling q from σ_b²)
    and returns ``1/√μ₁(q)``. Raises ``ValueError`` where there is no such point: linear and relu
    (χ₁ = 1 has a fixed point only without bias), or a custom curve that stays below σ_b².
    """
    core = core_activation(activation)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    with _arguments.at_point(activation, sigma_b=sigma_b):
        return float(_core.edge_of_chaos(core, sigma_b))
