"""Free-probability spectra of J Jᵀ at large width (PSG17/PSG18).

``S_{JJᵀ} = S_{D²}^L S_{WᵀW}^L`` with ``S_{WᵀW} = σ_w^{-2}`` (orthogonal) or
``σ_w^{-2}/(1 + z)`` (Gaussian) and D² = φ'(h)², h ~ N(0, q*). Moments come from the S-transform
as power series; the density from the master equation ``z = ((1+M)/M)^{1-L} (y/S_W(M))^L`` with
``M_{D²}(y) = M = zG − 1``, solved by Newton on the physical branch (Im G < 0 for Im z > 0) and
inverted as ``ρ(x) = −Im G(x + iε)/π`` with ε = 1e-10·x (docs/theory/freeprob.md; C++ in
cpp/src/freeprob).
"""

from __future__ import annotations

import math
import sys
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry._internal.results import Result
from isometry.theory import _arguments, _law_checks, _resolution
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
    if isinstance(activation, str) and (
        activation == "linear" or (activation == "relu" and sigma_b == 0.0)
    ):
        return 1.0  # D² is Bernoulli(1) or Bernoulli(1/2) at every q
    try:
        return q_star(activation, sigma_w, sigma_b)  # 0.0 in the ordered phase: D² -> φ'(0)² = 1
    except ValueError as exc:
        raise ValueError(
            f"{exc}; the free-probability spectrum needs a finite fixed point"
        ) from None


def _check(
    activation: ActivationLike, weights: str, depth: int, sigma_w: float, sigma_b: float
) -> tuple[ActivationLike, str, int, float, float]:
    core_activation(activation)  # a built-in name or an Activation, else TypeError/ValueError
    weights = _validation.choice("weights", weights, _validation.WEIGHTS)
    depth = _validation.positive_int("depth", depth)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    return activation, weights, depth, sigma_w, sigma_b


@dataclass(frozen=True, repr=False)
class JacobianMoments(Result):
    """The moments m_k = E[λ^k], k = 1..order, of the large-width spectrum of J Jᵀ.

    Returned by :func:`jacobian_moments`, with the network they belong to. ``variance`` is
    m₂ − m₁², ``statistics()`` a dict of the moments and the variance, ``to_frame()`` a table.

    Parameters
    ----------
    moments : ndarray
        m_1..m_order.
    q_star : float
        The fixed point q* the law of D² is drawn at.
    activation : str, optional
        The activation's name.
    weights : str, optional
        The weight ensemble.
    depth : int, optional
        The number of layers L.
    sigma_w : float, optional
        σ_w as resolved (a standard deviation).
    sigma_b : float, optional
        σ_b as resolved.

    See Also
    --------
    jacobian_moments, jacobian_density

    References
    ----------
    .. [1] J. Pennington, S. S. Schoenholz, S. Ganguli, "The emergence of spectral universality
       in deep networks", AISTATS 2018.

    Examples
    --------
    >>> from isometry import theory
    >>> m = theory.jacobian_moments("linear", "orthogonal", 4, 1.0, 0.0, order=2)
    >>> m.moments.tolist(), m.variance  # orthogonal linear: every singular value is 1
    ([1.0, 1.0], 0.0)
    """

    moments: np.ndarray
    q_star: float
    activation: str | None = None
    weights: str | None = None
    depth: int | None = None
    sigma_w: float | None = None
    sigma_b: float | None = None

    @property
    def variance(self) -> float:
        return (
            float(self.moments[1] - self.moments[0] ** 2) if self.moments.size > 1 else float("nan")
        )

    def statistics(self) -> dict[str, float]:
        return {
            **{f"m{k}": float(m) for k, m in enumerate(self.moments, start=1)},
            "variance": self.variance,
        }

    def to_frame(self) -> Any:
        """Columns ``k`` and ``moment`` (pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("to_frame needs pandas: pip install pandas") from exc
        return pd.DataFrame({"k": np.arange(1, self.moments.size + 1), "moment": self.moments})


def _resolved(
    activation: ActivationLike,
    sigma_w: object,
    sigma_b: object,
    sigma_w2: object,
    sigma_b2: object,
    q_star: object,
) -> tuple[float, float]:
    """(σ_w, σ_b) from either form, or the critical point (at ``q_star``, default 0.5) when both
    are left out — the same rule as the Monte Carlo functions."""
    network = _arguments.resolve_network(
        activation, sigma_w, sigma_b, sigma_w2=sigma_w2, sigma_b2=sigma_b2, q_star=q_star
    )
    return network.sigma_w, network.sigma_b


def jacobian_moments(
    activation: ActivationLike = "tanh",
    weights: str = "orthogonal",
    depth: int = 32,
    sigma_w: float | None = None,
    sigma_b: float | None = None,
    order: int = 4,
    *,
    sigma_w2: float | None = None,
    sigma_b2: float | None = None,
    q_star: float | None = None,
) -> JacobianMoments:
    """Moments m_1..m_order of the large-width spectrum of J Jᵀ at the fixed point q*.

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    weights : {"orthogonal", "gaussian"}
        ``W = σ_w Q`` with Q Haar (s₁ = 0), or entries N(0, σ_w²/N) (s₁ = −1).
    depth : int
        Number of layers L, at least 1.
    sigma_w : float, optional
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w²
        (``sigma_w2``). Both σ left out: the critical network (χ₁ = 1) at ``q_star``.
    sigma_b : float, optional
        σ_b, the bias standard deviation; at least 0. Every layer is taken at the fixed point
        q* of (σ_w, σ_b), as the theory assumes (``jacobian_spectrum``'s default input).
    order : int, default 4
        Number of moments, at least 1.
    sigma_w2, sigma_b2 : float, optional
        σ_w², σ_b² in place of ``sigma_w``, ``sigma_b`` (one form per parameter).
    q_star : float, optional
        With σ_w and σ_b left out: the fixed point of the critical network (default 0.5).

    Returns
    -------
    JacobianMoments
        ``moments`` = [m_1, ..., m_order] with m_k = E[λ^k] = tr (J Jᵀ)^k / N in the limit, the
        ``q_star`` used, and ``variance`` = m_2 − m_1².

    Raises
    ------
    ValueError
        If an argument is out of range, or (σ_w, σ_b) has no finite fixed point.

    See Also
    --------
    jacobian_density, isometry.jacobian_spectrum

    Notes
    -----
    Exact to rounding: μ_k = E[φ'(√q* z)^{2k}] in closed form or adaptive quadrature, then
    series inversion of ψ, the product of S-transforms S_{JJᵀ} = S_{D²}^L S_{WᵀW}^L, and
    inversion back. In particular m_1 = χ₁^L and m_2/m_1² − 1 = L(μ₂/μ₁² − 1 − s₁) (PSG18
    eqs. 21–22). See the documentation's "Free-probability spectra" page. The network as in
    the Monte Carlo: σ_w, σ_b or their squares ``sigma_w2``/``sigma_b2``; both left out, the
    critical point with fixed point ``q_star`` (default 0.5). The result reports it.

    Examples
    --------
    >>> from isometry import theory
    >>> m = theory.jacobian_moments("tanh", "orthogonal", 32, 1.05, 0.0, order=2)
    >>> bool(np.isclose(m.moments[0], theory.chi1("tanh", 1.05, 0.0) ** 32, rtol=1e-12))
    True
    >>> m = theory.jacobian_moments("relu", "gaussian", 10, 2**0.5, 0.0, order=2)
    >>> round(float(m.moments[1] / m.moments[0] ** 2 - 1), 9)  # L(μ₂/μ₁² − 1 − s₁) = 10·2
    20.0
    """
    sigma_w, sigma_b = _resolved(activation, sigma_w, sigma_b, sigma_w2, sigma_b2, q_star)
    activation, weights, depth, sigma_w, sigma_b = _check(
        activation, weights, depth, sigma_w, sigma_b
    )
    order = _validation.moment_order(order)
    q = _fixed_point(activation, sigma_w, sigma_b)
    try:
        if isinstance(activation, Activation):
            mu = derivative_moments(activation, q, order)
            moments = np.array(_core.jacobian_moments_for_law(mu.tolist(), weights, depth, sigma_w))
        else:
            moments = np.array(
                _core.jacobian_moments(activation, weights, depth, sigma_w, q, order)
            )
    except ValueError as exc:  # m_1 = χ₁^L beyond the double range: the series has no inverse
        if "reversion" not in str(exc):
            raise
        raise FloatingPointError(
            f"the moments at depth={depth} leave the double range (m_1 = chi_1**depth); lower depth"
        ) from None
    if not np.all(np.isfinite(moments)):  # (σ_w² μ₁)^L under- or overflowed on the way
        raise FloatingPointError(
            f"the moments at depth={depth}, sigma_w={sigma_w:g} leave the double range "
            "(m_1 = chi_1**depth); move sigma_w towards the critical point or lower depth"
        )
    return JacobianMoments(
        moments=moments,
        q_star=q,
        activation=describe(activation).strip("'"),
        weights=weights,
        depth=depth,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
    )


@dataclass(frozen=True, repr=False)
class JacobianDensity(Result):
    """The large-width spectral law of J Jᵀ: a density on a grid plus atoms.

    Returned by :func:`jacobian_density`, :func:`universal_density` and :func:`resnet_density`.
    Every law is checked to be a probability measure before it is returned. ``cdf``, ``quantile``
    and ``quantile_range`` query it; ``to_frame()`` tabulates ``x`` and ``density``.

    Parameters
    ----------
    x : ndarray
        The grid of λ.
    density : ndarray
        The absolutely continuous part, per unit λ, on ``x``.
    atoms : list of (float, float)
        (location, mass) pairs.
    support : (float, float)
        The edges of the continuous part (the lower one is the grid start where the density piles
        up towards 0).
    lambda_max : float
        The largest point of the spectrum.
    mass_below_grid : float
        The continuous mass below ``x[0]``, integrated in log x down to the law's lower edge or
        through its pile-up towards 0 (which at large depth can hold most of the mass, far below
        the smallest double).
    q_star : float
        The fixed point q* the law of D² is drawn at (NaN for the ResNet law).
    diagnostics : dict
        Solver details: ``iterations``, ``restarts``, ``max_residual``, ``relative_epsilon``,
        ``lower_edge_is_hard`` and, where chosen, ``logarithmic_grid``.
    tail_log_x : ndarray, optional
        log λ of the points where ``tail_mass`` is tabulated (ascending, ending at log x[0]).
    tail_mass : ndarray, optional
        The continuous mass below exp(tail_log_x).
    exact_cumulative : ndarray, optional
        For laws with a closed-form distribution function: the continuous mass between x[0] and
        x[i] (used instead of the trapezoid rule).
    activation : str, optional
        The activation's name (None for the universal laws).
    weights : str, optional
        The weight ensemble (None for the universal laws).
    depth : int, optional
        The number of layers L (None for the universal laws).
    sigma_w : float, optional
        σ_w as resolved (None for the universal laws).
    sigma_b : float, optional
        σ_b as resolved (None for the universal laws).

    See Also
    --------
    jacobian_density, universal_density, resnet_density

    References
    ----------
    .. [1] J. Pennington, S. S. Schoenholz, S. Ganguli, "The emergence of spectral universality
       in deep networks", AISTATS 2018.

    Examples
    --------
    >>> from isometry import theory
    >>> d = theory.resnet_density(1.0, points=200)
    >>> d.x.shape, d.atoms, round(d.cdf(d.support[1]), 3)  # trapezoid rule on 200 points
    ((200,), [], 1.0)
    """

    _frame_columns: ClassVar[tuple[str, ...]] = ("x", "density")

    x: np.ndarray
    density: np.ndarray
    atoms: list[tuple[float, float]]
    support: tuple[float, float]
    lambda_max: float
    mass_below_grid: float
    q_star: float
    diagnostics: dict[str, Any] = field(compare=False)
    tail_log_x: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False)
    tail_mass: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False)
    #: For laws with a closed-form distribution function: the exact continuous mass between
    #: x[0] and x[i] (used instead of the trapezoid rule).
    exact_cumulative: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False)
    activation: str | None = None
    weights: str | None = None
    depth: int | None = None
    sigma_w: float | None = None
    sigma_b: float | None = None

    def quantile_range(self, tail: float = 1e-4) -> tuple[float, float]:
        """(t_lo, t_hi): where the CDF of the continuous part passes ``tail`` and 1 − ``tail``
        (of its own mass) — the range a plot of the density needs."""
        cumulative = self._cumulative() + self.mass_below_grid
        total = cumulative[-1]
        if total <= 0:
            return float(self.x[0]), float(self.x[-1])
        lo = (
            float(np.interp(tail * total, cumulative, self.x))
            if cumulative[0] < tail * total
            else float(self.x[0])
        )
        hi = float(np.interp((1 - tail) * total, cumulative, self.x))
        return lo, max(hi, lo)

    def continuous_mass(self) -> float:
        """∫ρ over the grid (trapezoid in log x on log grids) plus the estimated mass below it."""
        return float(self._cumulative()[-1] + self.mass_below_grid)

    def _log_grid(self) -> bool:
        """Integrate in log x? As the core built the grid (log-spaced when the support spans
        more than two decades); for a caller's grid, when it spans more than two decades."""
        flag = self.diagnostics.get("logarithmic_grid")
        if flag is not None:
            return bool(flag)
        return bool(self.x[0] > 0 and self.x[-1] / self.x[0] > 100)

    def _cumulative(self) -> np.ndarray:
        x, rho = self.x, self.density
        if self.exact_cumulative.size == x.size and x.size > 0:
            return self.exact_cumulative
        if x.size < 2:
            return np.zeros_like(x)
        if self._log_grid():  # log grid: ∫ρ dx = ∫ xρ d(log x)
            f, t = x * rho, np.log(x)
        else:
            f, t = rho, x
        return np.concatenate([[0.0], np.cumsum(np.diff(t) * (f[1:] + f[:-1]) / 2)])

    def _tail_exponent(self) -> float:
        rho, x = self.density, self.x
        if x.size < 2 or rho[0] <= 0 or rho[1] <= 0 or x[0] <= 0:
            return 0.0
        return float(-np.log(rho[1] / rho[0]) / np.log(x[1] / x[0]))

    def cdf(self, t: np.ndarray | float) -> np.ndarray | float:
        """P(λ <= t): atoms plus the integrated density (linear interpolation on the grid); a
        float for a scalar t."""
        t_array = np.asarray(t, dtype=float)
        if np.any(np.isnan(t_array)):  # a NaN would come back as a silent NaN probability
            raise ValueError("t must not be NaN")
        values = self._cdf(t_array)
        return float(values) if np.ndim(t) == 0 else values

    def _cdf(self, t: np.ndarray) -> np.ndarray:
        cumulative = self._cumulative() + self.mass_below_grid
        if self._log_grid():  # between points of a log grid the distribution is smooth in log x
            with np.errstate(divide="ignore"):
                inside = np.interp(
                    np.log(np.maximum(t, 0.0)),
                    np.log(self.x),
                    cumulative,
                    left=0.0,
                    right=cumulative[-1],
                )
        else:
            inside = np.interp(t, self.x, cumulative, left=0.0, right=cumulative[-1])
        below_grid = self._cdf_below_grid(t)
        out = np.where(t < self.x[0], below_grid, inside)
        for location, mass in self.atoms:
            out = out + mass * (t >= location)
        return out

    def _cdf_below_grid(self, t: np.ndarray) -> np.ndarray:
        """Continuous mass below t < x[0]: from the tabulated tail (piecewise power law between
        its points, which is exact in a pile-up ρ ~ x^{-a}), else from the power law of the
        first two grid points."""
        if self.tail_log_x.size >= 2:
            with np.errstate(divide="ignore"):
                log_t = np.log(np.maximum(t, 0.0))
            log_mass = np.log(np.maximum(self.tail_mass, 1e-300))
            inside = np.exp(np.interp(log_t, self.tail_log_x, log_mass))
            return np.where(
                log_t < self.tail_log_x[0], 0.0, np.minimum(inside, self.mass_below_grid)
            )
        a = self._tail_exponent()
        ratio = np.clip(t / self.x[0], 0.0, 1.0)
        return self.mass_below_grid * (ratio ** (1.0 - a) if a < 1.0 else ratio)

    def ks_distance(self, eigenvalues: Any, resolution: float | None = None) -> float:
        """Kolmogorov–Smirnov distance between this law and a Monte Carlo spectrum.

        ``eigenvalues`` is a ``JacobianSpectrum`` (its width and dtype give the floor) or an
        array of eigenvalues (float64). Values at or below the floor ``resolution`` are rounding
        noise to the eigensolver, known only to lie in [0, floor]: they are compared there, so an
        atom at 0 (relu, hard_tanh), which eigh returns as ±1e-15·λ_max, and the pile-up below
        the floor count as one. The floor defaults to N·ε·λ_max, eigh's rounding level, for
        either method (``isometry.theory._resolution``); pass a smaller ``resolution`` to compare
        an svd spectrum further down, or 0 to compare every value as it is. Ties are handled,
        and a value within 1e-9 (relative) of an atom counts as on it.
        """
        if hasattr(eigenvalues, "cdf") and not isinstance(eigenvalues, np.ndarray):
            return self._ks_to_law(eigenvalues, 0.0 if resolution is None else float(resolution))
        eigenvalues, resolution = _resolution.sample_and_floor(eigenvalues, resolution)
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

    def _ks_to_law(self, law: Any, resolution: float) -> float:
        points = [self.x, np.geomspace(max(self.x[0], 1e-300), self.x[-1], 4000)]
        other = getattr(law, "x", None)
        if other is not None:
            points.append(np.asarray(other, dtype=float))
        for location, _ in [*self.atoms, *getattr(law, "atoms", [])]:
            points.append(np.array([location * (1 - 1e-9), location * (1 + 1e-9)]))
        t = np.unique(np.concatenate(points))
        t = t[t >= max(resolution, float(getattr(law, "resolved_from", 0.0)))]
        return float(np.max(np.abs(self._cdf(t) - np.asarray(law.cdf(t)))))

    def moment(self, k: int) -> float:
        """∫ x^k dμ over the grid and the atoms (the mass below the grid contributes ~0).

        Formed in units of ``lambda_max`` (x^k itself overflows for the deepest laws, whose
        edge is near e^300 while m_2 is still a double); OverflowError if m_k is not one."""
        x, rho = self.x, self.density
        scale = self.lambda_max if self.lambda_max > 0 else 1.0
        u = x / scale
        if self._log_grid():
            f, t = x * rho * u**k, np.log(x)
        else:
            f, t = rho * u**k, x
        scaled = float(
            np.sum(np.diff(t) * (f[1:] + f[:-1]) / 2)
            + sum(m * (loc / scale) ** k for loc, m in self.atoms)
        )
        if scaled <= 0.0:
            return scaled
        log_moment = math.log(scaled) + k * math.log(scale)
        if log_moment > math.log(sys.float_info.max):
            raise OverflowError(
                f"the moment m_{k} = e^{log_moment:.6g} of this law is beyond the largest double"
            )
        return math.exp(log_moment)


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
        diagnostics={
            k: raw[k]
            for k in (
                "iterations",
                "restarts",
                "max_residual",
                "relative_epsilon",
                "lower_edge_is_hard",
            )
        }
        | (
            {"logarithmic_grid": bool(raw["logarithmic_grid"])} if "logarithmic_grid" in raw else {}
        ),
        tail_log_x=np.asarray(raw.get("tail_log_x", np.zeros(0))),
        tail_mass=np.asarray(raw.get("tail_mass", np.zeros(0))),
        exact_cumulative=np.asarray(raw.get("cumulative", np.zeros(0))),
    )


def _custom_density(
    activation: Activation,
    q: float,
    weights: str,
    depth: int,
    sigma_w: float,
    grid: list[float],
    points: int,
) -> dict[str, Any]:
    """``_core``'s density dict for a custom activation at fixed point q."""
    if q == 0.0:
        # Ordered phase: D² = φ'(0)² is a constant, so the network's J Jᵀ is that of a linear
        # network with σ_w² φ'(0)² (an atom for orthogonal weights, Fuss–Catalan for Gaussian).
        slope = abs(float(activation.derivative(np.zeros(1))[0]))
        if slope == 0.0:
            raise ValueError(
                f"{describe(activation)} has φ'(0) = 0: at q* = 0 the Jacobian vanishes"
            )
        return _core.jacobian_density_bernoulli(1.0, weights, depth, sigma_w * slope, grid, points)
    # The sampled law of D² is built in C++ from the activation's φ' (d2_law.hpp: 96 nodes per
    # unit of h, no pole correction).
    return _core.jacobian_density_custom(activation._core, weights, depth, sigma_w, q, grid, points)


def jacobian_density(
    activation: ActivationLike = "tanh",
    weights: str = "orthogonal",
    depth: int = 32,
    sigma_w: float | None = None,
    sigma_b: float | None = None,
    x: np.ndarray | None = None,
    *,
    points: int = 2000,
    sigma_w2: float | None = None,
    sigma_b2: float | None = None,
    q_star: float | None = None,
) -> JacobianDensity:
    """The large-width spectral law of J Jᵀ for a depth-L network at its fixed point q*.

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    weights : {"orthogonal", "gaussian"}
        ``W = σ_w Q`` with Q Haar (s₁ = 0), or entries N(0, σ_w²/N) (s₁ = −1).
    depth : int
        Number of layers L, at least 1.
    sigma_w : float, optional
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w²
        (``sigma_w2``). Both σ left out: the critical network (χ₁ = 1) at ``q_star``.
    sigma_b : float, optional
        σ_b, the bias standard deviation; at least 0. Every layer is taken at the fixed point
        q* of (σ_w, σ_b), as the theory assumes (``jacobian_spectrum``'s default input).
    x : array_like, optional
        Points λ at which to evaluate the density (positive, increasing). By default a grid of
        ``points`` that resolves the support: log-spaced where it spans decades (the pile-up of
        small eigenvalues), clustered at the edges.
    points : int, default 2000
        Size of the default grid. Where the trapezoid rule on it misses the total mass by more
        than its tolerance but at most 100 times it (a feature narrower than the spacing), the
        law of a built-in activation is solved again on twice, then four times, as many points
        (at most 32000).
    sigma_w2, sigma_b2 : float, optional
        σ_w², σ_b² in place of ``sigma_w``, ``sigma_b`` (one form per parameter).
    q_star : float, optional
        With σ_w and σ_b left out: the fixed point of the critical network (default 0.5).

    Returns
    -------
    JacobianDensity
        ``x``, ``density`` (the continuous part, in λ), ``atoms`` [(location, mass), ...],
        ``support`` (edges of the continuous part), ``lambda_max``, ``mass_below_grid``,
        ``q_star``, and the methods ``cdf``, ``continuous_mass`` and ``ks_distance``.

    Raises
    ------
    ValueError
        If an argument is out of range, or (σ_w, σ_b) has no finite fixed point.
    isometry.ConvergenceError
        With the point and the residual, if Newton's method fails; NaN is never returned.

    See Also
    --------
    jacobian_moments, lambda_max, universal_density, isometry.jacobian_spectrum

    Notes
    -----
    Solves the master equation of PSG18 (eqs. 14–16) in the branch-free form
    z = ((1+M)/M)^{1−L} (y/S_{WᵀW}(M))^L with M_{D²}(y) = M = zG − 1, by Newton's method on the
    physical branch, and reads ρ(λ) = −Im G(λ + iε)/π. Atoms are in closed form (mass 1 − p at
    0 for relu and hard-tanh, max(0, 1 − L(1 − p)) at σ_w^{2L} for orthogonal Bernoulli layers).
    For tanh and erf, M_{D²} comes from a pole-corrected trapezoidal rule accurate to ~1e-13
    however close the solver comes to the support of D²; a custom :class:`Activation` uses a
    fine plain rule instead (96 nodes per unit of h: ripples are possible in the far tails). See the documentation's
    "Free-probability spectra" page. The network as in :func:`jacobian_moments` (critical at
    ``q_star``, default 0.5, when σ_w and σ_b are left out); the result reports it.

    References
    ----------
    .. [1] J. Pennington, S. S. Schoenholz, S. Ganguli, "The emergence of spectral universality
       in deep networks", AISTATS 2018.

    Examples
    --------
    >>> from isometry import theory
    >>> sw, sb = theory.critical_point("hard_tanh", 0.25)
    >>> d = theory.jacobian_density("hard_tanh", "orthogonal", 16, sw, sb)
    >>> [(round(at, 4), round(mass, 4)) for at, mass in d.atoms]  # 1 − p at 0, the rest at p^(−L)
    [(0.0, 0.0455), (2.1066, 0.272)]
    >>> round(d.support[1], 4)  # the bulk ends below the atom
    2.0081
    """
    sigma_w, sigma_b = _resolved(activation, sigma_w, sigma_b, sigma_w2, sigma_b2, q_star)
    activation, weights, depth, sigma_w, sigma_b = _check(
        activation, weights, depth, sigma_w, sigma_b
    )
    points = _checked_points(points)
    grid = _checked_grid(x)
    q = _fixed_point(activation, sigma_w, sigma_b)
    where = (
        f"activation={describe(activation)}, weights={weights!r}, depth={depth}, sigma_w={sigma_w!r}, "
        f"sigma_b={sigma_b!r} (q*={q!r})"
    )
    mass_tolerance = (
        _law_checks.CUSTOM_MASS_TOLERANCE
        if isinstance(activation, Activation)
        else _law_checks.MASS_TOLERANCE
    )
    for doubling in range(_law_checks.GRID_DOUBLINGS + 1):
        with _law_checks.naming(where):
            if isinstance(activation, Activation):
                raw = _custom_density(activation, q, weights, depth, sigma_w, grid, points)
            else:
                raw = _core.jacobian_density(activation, weights, depth, sigma_w, q, grid, points)
        law = _density_from_core(raw, q)
        # A narrow feature between the default grid's points: solve again on twice the points.
        # (A custom activation's misses come from the ripples of its sampled law of D², which
        # no grid repairs.)
        if grid or doubling == _law_checks.GRID_DOUBLINGS or isinstance(activation, Activation):
            break
        if not _law_checks.wants_finer_grid(law, mass_tolerance):
            break
        points *= 2
    _law_checks.check_law(
        law,
        where,
        _series_moments(activation, weights, depth, sigma_w, sigma_b),
        default_grid=not grid,
        mass_tolerance=mass_tolerance,
    )
    return replace(
        law,
        activation=describe(activation).strip("'"),
        weights=weights,
        depth=depth,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
    )


def _series_moments(
    activation: ActivationLike, weights: str, depth: int, sigma_w: float, sigma_b: float
):
    """m_1, m_2 from the S-transform series, or None where they overflow or are not defined."""
    try:
        moments = jacobian_moments(activation, weights, depth, sigma_w, sigma_b, order=2).moments
    except (OverflowError, FloatingPointError, ValueError):
        return None
    return moments if np.all(np.isfinite(moments)) else None


def lambda_max(
    activation: ActivationLike,
    weights: str,
    depth: Any = None,
    sigma_w: Any = None,
    sigma_b: Any = None,
    **kwargs: Any,
) -> Any:
    """The top of the limiting spectrum of J Jᵀ (edge of the continuum or an atom).

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    weights : {"orthogonal", "gaussian"}
    depth : int or array_like of int
        One depth or several, each at least 1 (``depths=`` is its deprecated name).
    sigma_w : float or array_like
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w²:
        ``sigma_w2=`` takes it instead.
    sigma_b : float or array_like
        σ_b, the bias standard deviation; at least 0 (or ``sigma_b2=``).
    **kwargs
        ``sigma_w2``, ``sigma_b2``, or the deprecated ``depths``.

    Returns
    -------
    float or ndarray
        λ_max: a float for scalar arguments, else an array of the broadcast shape of
        ``depth``, ``sigma_w`` and ``sigma_b``.

    Raises
    ------
    ValueError
        If an argument is out of range, or (σ_w, σ_b) has no finite fixed point.

    See Also
    --------
    jacobian_density

    Notes
    -----
    The upper edge is the real critical point of the master equation; with orthogonal
    Bernoulli layers an atom at σ_w^(2L) can lie above it. Closed forms at criticality, e.g.
    linear Gaussian (L+1)^(L+1)/L^L → e(L + 1/2), are given on the documentation's
    "Free-probability spectra" page. Finite-width λ_max converges to it like N^(−2/3).

    Examples
    --------
    >>> from isometry import theory
    >>> theory.lambda_max("linear", "gaussian", [4], 1.0, 0.0)  # 5**5 / 4**4
    array([12.20703125])
    >>> theory.lambda_max("relu", "gaussian", [4, 16], 2**0.5, 0.0).round(2)
    array([21.86, 87.01])
    >>> round(theory.lambda_max("linear", "gaussian", 4, 1.0, 0.0), 9)  # a float for a scalar depth
    12.20703125
    """
    if "depths" in kwargs:
        warnings.warn(
            "lambda_max(depths=...) is deprecated: use depth= (an int or an array)",
            DeprecationWarning,
            stacklevel=2,
        )
        if depth is not None:
            raise TypeError("give depth or depths, not both")
        depth = kwargs.pop("depths")
    if depth is None:
        raise TypeError("lambda_max() missing the argument 'depth'")
    return _lambda_max(activation, weights, depth, sigma_w, sigma_b, **kwargs)


@_arguments.vectorize("depth", "sigma_w", "sigma_b")
def _lambda_max(
    activation: ActivationLike, weights: str, depth: int, sigma_w: float, sigma_b: float
) -> float:
    activation, weights, depth, sigma_w, sigma_b = _check(
        activation, weights, depth, sigma_w, sigma_b
    )
    q = _fixed_point(activation, sigma_w, sigma_b)
    if isinstance(activation, Activation):
        return float(_custom_density(activation, q, weights, depth, sigma_w, [], 2)["lambda_max"])
    return float(_core.lambda_max(activation, weights, depth, sigma_w, q))


UNIVERSAL_KINDS = ("bernoulli", "smooth")


def universal_density(
    kind: str,
    sigma0_sq: float,
    x: np.ndarray | None = None,
    *,
    points: int = 2000,
    depth: int | None = None,
) -> JacobianDensity:
    """The L → ∞ limits of PSG18 §5 at fixed σ₀² = var(JJᵀ) with orthogonal weights.

    Parameters
    ----------
    kind : {"bernoulli", "smooth"}
        The universality class: ``"bernoulli"`` (hard-tanh, shifted relu) or ``"smooth"`` (erf,
        tanh, SiLU).
    sigma0_sq : float
        σ₀², the variance of the spectrum held fixed as L → ∞; positive (at most 700 for the
        smooth law, whose lower edge ~e^(−σ₀²)/σ₀² would underflow).
    x : array_like, optional
        Points λ at which to evaluate the density; by default a grid of ``points``.
    points : int, default 2000
        Size of the default grid, at least 2.
    depth : int, optional
        Bernoulli class only: instead of the limit, the depth-L network that converges to it.

    Returns
    -------
    JacobianDensity
        The limiting law (``q_star`` is NaN).

    Raises
    ------
    ValueError
        If an argument is out of range.
    isometry.ConvergenceError
        If Newton's method fails.

    See Also
    --------
    jacobian_density

    Notes
    -----
    ``kind="bernoulli"``: S_{JJᵀ} = exp(−σ₀² z/(1+z)), solved in closed form through the Lambert
    function (cpp/include/isometry/freeprob/bernoulli_limit.hpp): a bulk on (0, σ₀² e] piling up
    towards 0 like σ₀²/log(1/x) (no atom at 0), of mass min(σ₀², 1), plus an atom of mass
    1 − σ₀² at e^{σ₀²} when σ₀² < 1. With ``depth`` = L instead, the depth-L network that
    converges to it, D² ~ Bernoulli(L/(L+σ₀²)) at criticality (S-transform off by O(σ₀⁴/L)).

    ``kind="smooth"``: S_{JJᵀ} = exp(−σ₀² z) exactly, i.e. z M = (1 + M) e^{σ₀² M}, with both
    edges in closed form (``depth`` is not used).

    References
    ----------
    .. [1] J. Pennington, S. S. Schoenholz, S. Ganguli, "The emergence of spectral universality
       in deep networks", AISTATS 2018, §5.

    Examples
    --------
    >>> from isometry import theory
    >>> d = theory.universal_density("bernoulli", 0.25)
    >>> [(round(at, 4), round(mass, 4)) for at, mass in d.atoms if mass > 1e-3]  # e^(1/4), 3/4
    [(1.284, 0.75)]
    >>> s = theory.universal_density("smooth", 0.25)
    >>> [round(float(np.sqrt(edge)), 4) for edge in s.support]  # singular values (PSG18 eq. 37)
    [0.5668, 1.5568]
    """
    kind = _validation.choice("kind", kind, UNIVERSAL_KINDS)
    sigma0_sq = _validation.real("sigma0_sq", sigma0_sq, positive=True)
    if depth is not None:
        depth = _validation.positive_int("depth", depth)
    points = _checked_points(points)
    if kind == "smooth" and sigma0_sq > 700:
        raise ValueError(
            f"sigma0_sq must be at most 700 for the smooth law (its lower edge ~e^(-sigma0_sq)/sigma0_sq underflows), got {sigma0_sq}"
        )
    grid = _checked_grid(x)
    where = f"kind={kind!r}, sigma0_sq={sigma0_sq!r}" + (
        f", depth={depth}" if depth is not None else ""
    )
    moments = None
    with _law_checks.naming(where):
        if kind == "bernoulli" and depth is None:
            raw = _core.bernoulli_limit_density(sigma0_sq, grid, points)
            moments = _finite_or_none(lambda: _core.bernoulli_limit_moments(sigma0_sq, 2))
        elif kind == "bernoulli" and depth is not None:
            layers: int = depth
            p = layers / (layers + sigma0_sq)
            raw = _core.jacobian_density_bernoulli(
                p, "orthogonal", layers, 1.0 / np.sqrt(p), grid, points
            )
            moments = _finite_or_none(
                lambda: _core.jacobian_moments_for_law(
                    [p, p], "orthogonal", layers, 1.0 / np.sqrt(p)
                )
            )
        else:
            raw = _core.exponential_s_density(0.0, sigma0_sq, grid, points)
            moments = _finite_or_none(lambda: _core.exponential_s_moments(0.0, sigma0_sq, 2))
    law = _density_from_core(raw, float("nan"))
    _law_checks.check_law(law, where, moments, default_grid=not grid)
    return law


def _finite_or_none(moments: Any) -> np.ndarray | None:
    try:
        values = np.asarray(moments(), dtype=float)
    except (OverflowError, ValueError):
        return None
    return values if np.all(np.isfinite(values)) else None
