"""Free-probability spectra of J Jᵀ at large width (PSG17/PSG18).

``S_{JJᵀ} = S_{D²}^L S_{WᵀW}^L`` with ``S_{WᵀW} = σ_w^{-2}`` (orthogonal) or
``σ_w^{-2}/(1 + z)`` (Gaussian) and D² = φ'(h)², h ~ N(0, q*). Moments come from the S-transform
as power series; the density from the master equation ``z = ((1+M)/M)^{1-L} (y/S_W(M))^L`` with
``M_{D²}(y) = M = zG − 1``, solved by Newton on the physical branch (Im G < 0 for Im z > 0) and
inverted as ``ρ(x) = −Im G(x + iε)/π`` with ε = 1e-10·x (THEORY.md §3; C++ in cpp/src/freeprob).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry.theory.activation import Activation, ActivationLike, core_activation, describe
from isometry.theory.meanfield import derivative_moments, q_star

__all__ = [
    "JacobianDensity",
    "JacobianMoments",
    "jacobian_density",
    "jacobian_moments",
    "lambda_max",
    "universal_density",
]


def _fixed_point(activation: ActivationLike, sigma_w: float, sigma_b: float) -> float:
    """The q at which D² is drawn: q*, or 1 where the law of D² does not depend on q."""
    if isinstance(activation, str) and (activation == "linear" or (activation == "relu" and sigma_b == 0.0)):
        return 1.0  # D² is Bernoulli(1) or Bernoulli(1/2) at every q
    try:
        return q_star(activation, sigma_w, sigma_b)  # 0.0 in the ordered phase: D² -> φ'(0)² = 1
    except ValueError as exc:
        raise ValueError(f"{exc}; the free-probability spectrum needs a finite fixed point") from None


def _check(
    activation: ActivationLike, weights: str, depth: int, sigma_w: float, sigma_b: float
) -> tuple[ActivationLike, str, int, float, float]:
    core_activation(activation)  # a built-in name or an Activation, else TypeError/ValueError
    weights = _validation.choice("weights", weights, _validation.WEIGHTS)
    depth = _validation.positive_int("depth", depth)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    return activation, weights, depth, sigma_w, sigma_b


@dataclass(frozen=True)
class JacobianMoments:
    """m_k = E[λ^k] of the limiting spectrum of J Jᵀ, k = 1..order."""

    moments: np.ndarray
    q_star: float

    @property
    def variance(self) -> float:
        return float(self.moments[1] - self.moments[0] ** 2) if self.moments.size > 1 else float("nan")


def jacobian_moments(
    activation: ActivationLike, weights: str, depth: int, sigma_w: float, sigma_b: float, order: int = 4
) -> JacobianMoments:
    """Moments m_1..m_order of the large-width spectrum of J Jᵀ at the fixed point q*.

    Exact to rounding: μ_k = E[φ'(√q* z)^{2k}] in closed form or adaptive quadrature, then
    series inversion of ψ, the product of S-transforms, and inversion back.
    """
    activation, weights, depth, sigma_w, sigma_b = _check(activation, weights, depth, sigma_w, sigma_b)
    order = _validation.moment_order(order)
    q = _fixed_point(activation, sigma_w, sigma_b)
    if isinstance(activation, Activation):
        mu = derivative_moments(activation, q, order)
        moments = np.array(_core.jacobian_moments_for_law(mu.tolist(), weights, depth, sigma_w))
    else:
        moments = np.array(_core.jacobian_moments(activation, weights, depth, sigma_w, q, order))
    return JacobianMoments(moments=moments, q_star=q)


@dataclass(frozen=True)
class JacobianDensity:
    """The limiting spectral law of J Jᵀ: a density on ``x`` plus atoms.

    ``density`` is the absolutely continuous part; ``atoms`` are (location, mass) pairs;
    ``support`` the edges of the continuous part (the lower one is the grid start where the
    density piles up towards 0; ``mass_below_grid`` estimates the mass below it from the local
    power law); ``lambda_max`` the largest point of the spectrum.
    """

    x: np.ndarray
    density: np.ndarray
    atoms: list[tuple[float, float]]
    support: tuple[float, float]
    lambda_max: float
    mass_below_grid: float
    q_star: float
    diagnostics: dict[str, Any] = field(compare=False)

    def continuous_mass(self) -> float:
        """∫ρ over the grid (trapezoid in log x on log grids) plus the estimated mass below it."""
        return float(self._cumulative()[-1] + self.mass_below_grid)

    def _cumulative(self) -> np.ndarray:
        x, rho = self.x, self.density
        if x.size < 2:
            return np.zeros_like(x)
        if x[0] > 0 and x[-1] / x[0] > 100:  # log grid: ∫ρ dx = ∫ xρ d(log x)
            f, t = x * rho, np.log(x)
        else:
            f, t = rho, x
        return np.concatenate([[0.0], np.cumsum(np.diff(t) * (f[1:] + f[:-1]) / 2)])

    def _tail_exponent(self) -> float:
        rho, x = self.density, self.x
        if x.size < 2 or rho[0] <= 0 or rho[1] <= 0 or x[0] <= 0:
            return 0.0
        return float(-np.log(rho[1] / rho[0]) / np.log(x[1] / x[0]))

    def cdf(self, t: np.ndarray | float) -> np.ndarray:
        """P(λ <= t): atoms plus the integrated density (linear interpolation on the grid)."""
        t = np.asarray(t, dtype=float)
        cumulative = self._cumulative() + self.mass_below_grid
        inside = np.interp(t, self.x, cumulative, left=0.0, right=cumulative[-1])
        # Below the grid the density follows the power law ρ ~ x^{-a} of its first two points,
        # so the mass below t is mass_below_grid · (t/x₀)^{1-a}.
        a = self._tail_exponent()
        ratio = np.clip(t / self.x[0], 0.0, 1.0)
        below_grid = self.mass_below_grid * (ratio ** (1.0 - a) if a < 1.0 else ratio)
        out = np.where(t < self.x[0], below_grid, inside)
        for location, mass in self.atoms:
            out = out + mass * (t >= location)
        return out

    def ks_distance(self, eigenvalues: np.ndarray, resolution: float = 0.0) -> float:
        """Kolmogorov–Smirnov distance between this law and a sample of eigenvalues.

        Values below ``resolution`` (the eigensolver's floor, e.g. ~ε·λ_max for eigh) are only
        known to lie below it and are compared there; ties are handled, and a value within 1e-9
        (relative) of an atom counts as on it.
        """
        ev = np.sort(np.asarray(eigenvalues, dtype=float))
        unresolved = ev <= resolution
        ev = np.where(unresolved, resolution, ev)
        n = ev.size
        after = np.searchsorted(ev, ev, side="right") / n
        before = np.searchsorted(ev, ev, side="left") / n
        theory_after = self.cdf(ev * (1 + 1e-9) + 1e-300)
        # An unresolved value lies anywhere in [0, resolution]: below it the bound is cdf(0⁻) = 0.
        theory_before = np.where(unresolved, 0.0, self.cdf(ev * (1 - 1e-9) - 1e-300))
        return float(max(np.max(after - theory_after), np.max(theory_before - before)))

    def moment(self, k: int) -> float:
        """∫ x^k dμ over the grid and the atoms (the mass below the grid contributes ~0)."""
        x, rho = self.x, self.density
        if x[0] > 0 and x[-1] / x[0] > 100:
            f, t = x ** (k + 1) * rho, np.log(x)
        else:
            f, t = x**k * rho, x
        return float(np.sum(np.diff(t) * (f[1:] + f[:-1]) / 2) + sum(m * loc**k for loc, m in self.atoms))


def _checked_points(points: int) -> int:
    return _validation.grid_points("points", points)


def _checked_grid(x: np.ndarray | None) -> list[float]:
    """[] for the default grid, else x as a list of finite positive floats."""
    if x is None:
        return []
    arr = np.asarray(x, dtype=float).ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError("x must be a non-empty array of finite positive numbers")
    return arr.tolist()


def _density_from_core(raw: dict[str, Any], q_star: float) -> JacobianDensity:
    return JacobianDensity(
        x=np.asarray(raw["x"]),
        density=np.asarray(raw["density"]),
        atoms=[tuple(a) for a in raw["atoms"]],
        support=tuple(raw["support"]),
        lambda_max=float(raw["lambda_max"]),
        mass_below_grid=float(raw["mass_below_grid"]),
        q_star=q_star,
        diagnostics={k: raw[k] for k in ("iterations", "restarts", "max_residual", "relative_epsilon", "lower_edge_is_hard")},
    )


#: Nodes per unit of h for the law of D² of a custom activation (the built-in tanh and erf use a
#: pole-corrected rule with ~50 nodes instead; see cpp/include/isometry/freeprob/d2_poles.hpp).
SAMPLED_NODES_PER_UNIT = 96


def _sampled_law(activation: Activation, q: float) -> tuple[float, list[float], list[float]]:
    """(flag, values, weights) for ``_core.jacobian_density_for_law``: D² = φ'(√q z)², z ~ N(0, 1),
    by the trapezoidal rule on z ∈ [−9.5, 9.5] with SAMPLED_NODES_PER_UNIT nodes per unit of h.

    Without the pole correction of the built-ins this is accurate where the solver's y stays
    farther from the support of D² than the spacing of the nodes' values: the density can show
    ripples in the far tails (where that fails), but not in the bulk.
    """
    if q == 0.0:  # ordered phase: D² = φ'(0)², handled by the caller as a linear network
        raise AssertionError("_sampled_law needs q > 0")
    step = 1.0 / (SAMPLED_NODES_PER_UNIT * max(1.0, np.sqrt(q)))
    count = int(np.ceil(9.5 / step))
    z = np.arange(-count, count + 1) * step  # the whole line: φ' need not be even
    weights = np.exp(-0.5 * z * z)
    values = activation.derivative(np.sqrt(q) * z) ** 2
    if np.any(values == 0.0):
        raise ValueError(
            f"{activation!r} has φ'(h) = 0 on a set of positive probability at q* = {q:g}; the "
            "density of a custom activation needs φ' ≠ 0 almost everywhere (D² with an atom at 0 is "
            "supported for the built-in relu and hard_tanh)"
        )
    return -1.0, values.tolist(), weights.tolist()


def _custom_density(
    activation: Activation, q: float, weights: str, depth: int, sigma_w: float, grid: list[float], points: int
) -> dict[str, Any]:
    """``_core``'s density dict for a custom activation at fixed point q."""
    if q == 0.0:
        # Ordered phase: D² = φ'(0)² is a constant, so the network's J Jᵀ is that of a linear
        # network with σ_w² φ'(0)² (an atom for orthogonal weights, Fuss–Catalan for Gaussian).
        slope = abs(float(activation.derivative(np.zeros(1))[0]))
        if slope == 0.0:
            raise ValueError(f"{describe(activation)} has φ'(0) = 0: at q* = 0 the Jacobian vanishes")
        return _core.jacobian_density_for_law(1.0, [], [], weights, depth, sigma_w * slope, grid, points)
    return _core.jacobian_density_for_law(*_sampled_law(activation, q), weights, depth, sigma_w, grid, points)


def jacobian_density(
    activation: ActivationLike,
    weights: str,
    depth: int,
    sigma_w: float,
    sigma_b: float,
    x: np.ndarray | None = None,
    *,
    points: int = 2000,
) -> JacobianDensity:
    """The large-width spectral density of J Jᵀ for a depth-L network at its fixed point q*.

    With ``x=None`` a grid of ``points`` resolves the support: log-spaced when it spans decades
    (pile-up of small singular values), clustered at the edges. Raises ``isometry.ConvergenceError``
    with the point and residual if Newton fails — it never returns NaN.

    For tanh and erf, M_{D²} comes from a pole-corrected trapezoidal rule accurate to ~1e-13
    however close the solver comes to the support of D²; a custom :class:`Activation` uses a
    fine plain rule instead (see ``_sampled_law``: ripples are possible in the far tails).
    """
    activation, weights, depth, sigma_w, sigma_b = _check(activation, weights, depth, sigma_w, sigma_b)
    points = _checked_points(points)
    grid = _checked_grid(x)
    q = _fixed_point(activation, sigma_w, sigma_b)
    if isinstance(activation, Activation):
        raw = _custom_density(activation, q, weights, depth, sigma_w, grid, points)
    else:
        raw = _core.jacobian_density(activation, weights, depth, sigma_w, q, grid, points)
    return _density_from_core(raw, q)


def lambda_max(
    activation: ActivationLike, weights: str, depths: int | list[int] | np.ndarray, sigma_w: float, sigma_b: float
) -> np.ndarray:
    """The top of the limiting spectrum of J Jᵀ (edge of the continuum or an atom) per depth."""
    depth_list = np.atleast_1d(np.asarray(depths))
    out = []
    for depth in depth_list.tolist():
        activation_, weights_, depth_, sigma_w_, sigma_b_ = _check(activation, weights, depth, sigma_w, sigma_b)
        q = _fixed_point(activation_, sigma_w_, sigma_b_)
        if isinstance(activation_, Activation):
            raw = _custom_density(activation_, q, weights_, depth_, sigma_w_, [], 2)
            out.append(float(raw["lambda_max"]))
        else:
            out.append(_core.lambda_max(activation_, weights_, depth_, sigma_w_, q))
    return np.array(out)


UNIVERSAL_KINDS = ("bernoulli", "smooth")


def universal_density(
    kind: str, sigma0_sq: float, x: np.ndarray | None = None, *, points: int = 2000, depth: int = 10**6
) -> JacobianDensity:
    """The L → ∞ limits of PSG18 §5 at fixed σ₀² = var(JJᵀ) with orthogonal weights.

    ``kind="bernoulli"`` (hard-tanh, shifted ReLU): S_{JJᵀ} → exp(−σ₀² z/(1+z)); a bulk up to
    σ₀² e plus an atom of mass 1 − σ₀² at e^{σ₀²} when σ₀² < 1. Evaluated as the finite-depth
    network that converges to it, D² ~ Bernoulli(L/(L+σ₀²)) at criticality, at ``depth`` = 10⁶,
    where the S-transform differs from its limit by O(σ₀⁴/L) (~1e-6).

    ``kind="smooth"`` (erf, SiLU): S_{JJᵀ} = exp(−σ₀² z) exactly, i.e. z M = (1 + M) e^{σ₀² M},
    with both edges in closed form (``depth`` is not used).
    """
    kind = _validation.choice("kind", kind, UNIVERSAL_KINDS)
    sigma0_sq = _validation.real("sigma0_sq", sigma0_sq, positive=True)
    depth = _validation.positive_int("depth", depth)
    points = _checked_points(points)
    if kind == "smooth" and sigma0_sq > 700:
        raise ValueError(f"sigma0_sq must be at most 700 for the smooth law (its lower edge ~e^(-sigma0_sq)/sigma0_sq underflows), got {sigma0_sq}")
    grid = _checked_grid(x)
    if kind == "bernoulli":
        p = depth / (depth + sigma0_sq)
        raw = _core.jacobian_density_for_law(p, [], [], "orthogonal", depth, 1.0 / np.sqrt(p), grid, points)
    else:
        raw = _core.exponential_s_density(0.0, sigma0_sq, grid, points)
    return _density_from_core(raw, float("nan"))
