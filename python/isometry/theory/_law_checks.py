"""Invariants every spectral law is checked against before it is returned.

A law returned by ``jacobian_density``, ``resnet_density`` or ``universal_density`` is a
probability measure: its continuous mass (the density integrated over the grid, plus the mass
integrated below the grid) and its atoms add up to one; its distribution function stays in
[0, 1] and never decreases; and its moments are those of the power series of its S-transform.
A law that breaks one of these raises ``isometry.ConvergenceError`` naming the parameters it
was computed at: a wrong density is never returned silently.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from isometry._internal.core import _core

if TYPE_CHECKING:
    from isometry.theory.freeprob import JacobianDensity

#: Total mass (continuous + atoms + below the grid) must be 1 within max(MASS_TOLERANCE,
#: MASS_TOLERANCE_POINTS/n²) for a grid of n points. The mass below the grid is integrated by
#: adaptive Gauss–Legendre to ~1e-10; the trapezoid rule on the grid (log x on log grids,
#: clustered at the square-root edges) is second order: ~1e-7–1e-6 at the default 2000 points
#: on the laws of the 5 activations × 2 ensembles × depths 10–1e4 sweep, 1e-6·(2000/n)² below.
#: A lost branch or lost pile-up costs 1e-3 and more.
MASS_TOLERANCE = 1e-6
#: A user-defined activation's law of D² is sampled by a plain trapezoid rule (96 nodes per unit
#: of h, theory/freeprob.py), whose ripples in the far tails hold up to 2e-4 of the mass (the
#: accuracy stated in jacobian_density's docstring): its laws are held to that.
CUSTOM_MASS_TOLERANCE = 2e-4
MASS_TOLERANCE_POINTS = 4.0
#: Per point, the distribution function may exceed 1 or step down only by rounding of the
#: cumulative sums (a few ulps of 1 per grid point).
CDF_ROUNDING = 1e-12
#: Moments from the grid against the S-transform series, relative: the trapezoid error of the
#: first two moments (weighted to the square-root upper edge) at the default grid is ~1e-6 at
#: 2000 points; 1e-4 also admits grids of a few hundred points.
MOMENT_RTOL = 1e-4
#: Below this many points the trapezoid rule cannot be held to the tolerances above.
MIN_CHECKED_POINTS = 200
#: A default grid whose trapezoid rule misses the mass by more than the tolerance but by at most
#: this many times it (a feature narrower than the grid's spacing, e.g. the square-root edge of
#: tanh/orthogonal at L = 300, σ_w = 0.9, σ_b = 0.1, which 2000 points miss by 1.06e-6) is
#: solved again on twice the points, at most GRID_DOUBLINGS times: the work stays within 7 times
#: that of the first grid, and only laws that would otherwise be refused pay it. A larger miss
#: is a lost branch or pile-up, which no grid repairs.
RESOLUTION_MISS = 100.0
GRID_DOUBLINGS = 2
#: Doubling stops before a grid of more points than this (about 2 s of solving).
MAX_REFINED_POINTS = 32000


def _scaled_moment(law: JacobianDensity, k: int, scale: float) -> float:
    """∫ (x/scale)^k dμ over the grid and the atoms (no overflow for laws near the top of the
    double range); the mass below the grid adds at most (x₀/scale)^k times its mass."""
    x, rho = law.x, law.density
    u = x / scale
    if law.exact_cumulative.size == x.size:  # a closed-form distribution function: ∫ u^k dF
        grid = float(np.sum((u[1:] ** k + u[:-1] ** k) / 2 * np.diff(law.exact_cumulative)))
        return grid + sum(m * (loc / scale) ** k for loc, m in law.atoms)
    if law._log_grid():  # log grid: ∫ρ x^k dx = ∫ xρ u^k d(log x)
        f, t = x * rho * u**k, np.log(x)
    else:
        f, t = rho * u**k, x
    grid = float(np.sum(np.diff(t) * (f[1:] + f[:-1]) / 2))
    return grid + sum(m * (loc / scale) ** k for loc, m in law.atoms)


def mass_miss(law: JacobianDensity) -> float:
    """|continuous mass + atoms − 1| on the law's grid (trapezoid rule + mass below the grid)."""
    return abs(law.continuous_mass() + sum(m for _, m in law.atoms) - 1.0)


def wants_finer_grid(law: JacobianDensity, mass_tolerance: float = MASS_TOLERANCE) -> bool:
    """Whether a default-grid law misses the mass check only by the grid's resolution (see
    RESOLUTION_MISS), so that a grid of twice the points would be worth solving."""
    if law.x.size < MIN_CHECKED_POINTS or 2 * law.x.size > MAX_REFINED_POINTS:
        return False
    tolerance = max(mass_tolerance, MASS_TOLERANCE_POINTS / law.x.size**2)
    miss = mass_miss(law)
    return tolerance < miss <= RESOLUTION_MISS * tolerance


def check_law(
    law: JacobianDensity,
    where: str,
    moments: np.ndarray | None = None,
    *,
    default_grid: bool = True,
    mass_tolerance: float = MASS_TOLERANCE,
) -> None:
    """Raise ``ConvergenceError`` naming ``where`` if ``law`` is not a probability measure.

    ``moments`` (m_1, m_2, ...) from the S-transform series, where available, are compared with
    the density's. On a caller's grid (``default_grid=False``) the density is only known where the
    caller asked, so only its sign and finiteness are checked.
    """
    problems = []
    if not (np.all(np.isfinite(law.density)) and np.all(law.density >= 0)):
        problems.append("the density is negative or not finite")
    atom_mass = sum(m for _, m in law.atoms)
    if not all(np.isfinite(loc) and loc >= 0 and 0 < m <= 1 for loc, m in law.atoms):
        problems.append(f"the atoms {law.atoms} are not (location >= 0, mass in (0, 1])")
    if default_grid and law.x.size >= MIN_CHECKED_POINTS and not problems:
        total = law.continuous_mass() + atom_mass
        tolerance = max(mass_tolerance, MASS_TOLERANCE_POINTS / law.x.size**2)
        if not abs(total - 1.0) <= tolerance:
            problems.append(
                f"total mass {total:.9g} (continuous {law.continuous_mass():.9g} of which "
                f"{law.mass_below_grid:.3g} below the grid, atoms {atom_mass:.9g}) is not 1 within "
                f"{tolerance:.3g}"
            )
        points = np.concatenate([np.exp(law.tail_log_x[np.exp(law.tail_log_x) > 0]), law.x])
        cdf = np.asarray(law.cdf(np.sort(points)))
        if cdf.min() < -CDF_ROUNDING or cdf.max() > 1 + tolerance:
            problems.append(
                f"the distribution function leaves [0, 1] (range {cdf.min():.9g} .. {cdf.max():.9g})"
            )
        if np.any(np.diff(cdf) < -CDF_ROUNDING):
            problems.append("the distribution function decreases")
        if moments is not None and not problems:
            scale = law.lambda_max
            for k, m in enumerate(np.asarray(moments, dtype=float)[:2], start=1):
                with np.errstate(all="ignore"):
                    expected = (
                        float(np.exp(np.log(m) - k * np.log(scale)))
                        if np.isfinite(m) and m > 0
                        else np.inf
                    )
                if not np.isfinite(expected):
                    continue  # the series overflows; the density's own moments cannot be compared
                got = _scaled_moment(law, k, scale)
                if not abs(got - expected) <= MOMENT_RTOL * abs(expected):
                    problems.append(
                        f"moment m_{k} from the density {got * scale**k:.9g} differs from the series "
                        f"{m:.9g} by more than {MOMENT_RTOL:g} relative"
                    )
    if problems:
        raise _core.ConvergenceError(
            f"the spectral law at {where} is not a probability measure: " + "; ".join(problems)
        )


@contextlib.contextmanager
def naming(where: str) -> Iterator[None]:
    """Prefix a ``ConvergenceError`` or ``OverflowError`` from the core with the point it was
    solving (the core names the law's own parameters, not e.g. σ_b or the activation)."""
    try:
        yield
    except _core.ConvergenceError as exc:
        raise _core.ConvergenceError(f"at {where}: {exc}") from None
    except OverflowError as exc:
        raise OverflowError(f"at {where}: {exc}") from None
