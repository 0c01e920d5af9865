"""Mean-field phase diagram over a (σ_w, σ_b) grid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry._internal.progress import ProgressLike, progress_callback
from isometry._internal.results import Result
from isometry.theory import _arguments
from isometry.theory.activation import ActivationLike, core_activation

__all__ = ["PhaseDiagram", "phase_diagram"]


@dataclass(frozen=True, repr=False)
class PhaseDiagram(Result):
    """q*, χ₁, c*, ξ_q and ξ_c on a (σ_w, σ_b) grid, from :func:`phase_diagram`.

    Every 2-D array has shape (len(sigma_b), len(sigma_w)): entry ``[i, j]`` is the value at
    ``sigma_w[j], sigma_b[i]`` and equals what the pointwise functions (``q_star``, ``chi1``,
    ``c_star``, ``depth_scales``) return there, except that where they raise ``ValueError`` for
    want of a fixed point the grid holds NaN. This is the one place where NaN is a documented
    marker, meaning "no unique finite fixed point". ``to_frame()`` gives one row per grid point.

    Parameters
    ----------
    sigma_w : ndarray
        The σ_w grid (standard deviations).
    sigma_b : ndarray
        The σ_b grid.
    q_star : ndarray
        q*: NaN where q^l diverges (linear or relu above criticality) and at the scale-invariant
        points (linear σ_w = 1, relu σ_w² = 2, both with σ_b = 0); 0 where the stable fixed point
        is q* = 0 (ordered phase without bias).
    chi1 : ndarray
        χ₁: NaN where q^l diverges, except for linear and relu, whose χ₁ (σ_w², σ_w²/2) does not
        depend on q.
    c_star : ndarray
        c*: NaN where q^l diverges; 1 at the scale-invariant points.
    xi_q : ndarray
        ξ_q in layers: NaN where q^l diverges; inf at criticality and the scale-invariant points.
    xi_c : ndarray
        ξ_c in layers: as ``xi_q``.

    See Also
    --------
    phase_diagram

    References
    ----------
    .. [1] B. Poole et al., "Exponential expressivity in deep neural networks through transient
       chaos", NeurIPS 2016.
    .. [2] S. S. Schoenholz, J. Gilmer, S. Ganguli, J. Sohl-Dickstein, "Deep information
       propagation", ICLR 2017.

    Examples
    --------
    >>> from isometry import theory
    >>> d = theory.phase_diagram("relu", [1.0, 2**0.5, 2.0], [0.0], progress=False)
    >>> d.q_star  # ordered: q* = 0; σ_w² = 2: every q; above: q^l diverges
    array([[ 0., nan, nan]])
    """

    sigma_w: np.ndarray
    sigma_b: np.ndarray
    q_star: np.ndarray
    chi1: np.ndarray
    c_star: np.ndarray
    xi_q: np.ndarray
    xi_c: np.ndarray

    def to_frame(self) -> Any:
        """One row per grid point: sigma_w, sigma_b, q_star, chi1, c_star, xi_q, xi_c (pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("to_frame needs pandas: pip install pandas") from exc
        sw, sb = np.meshgrid(self.sigma_w, self.sigma_b)
        names = ("q_star", "chi1", "c_star", "xi_q", "xi_c")
        return pd.DataFrame(
            {
                "sigma_w": sw.ravel(),
                "sigma_b": sb.ravel(),
                **{n: getattr(self, n).ravel() for n in names},
            }
        )


_FIELDS = ("q_star", "chi1", "c_star", "xi_q", "xi_c")


def phase_diagram(
    activation: ActivationLike,
    sigma_w_grid: object,
    sigma_b_grid: object,
    *,
    progress: ProgressLike = None,
) -> PhaseDiagram:
    """q*, χ₁, c*, ξ_q and ξ_c at every (σ_w, σ_b) of a grid.

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    sigma_w_grid : array_like
        The σ_w values (standard deviations), a non-empty 1-D sequence; each positive.
    sigma_b_grid : array_like
        The σ_b values, a non-empty 1-D sequence; each at least 0.
    progress : bool, callable or None, default None
        None: a progress bar on stderr when it is a terminal, nothing otherwise; ``True``
        always, ``False`` never; a callable is called with (done, total) and may raise to stop.
        Counted in rows of σ_b.

    Returns
    -------
    PhaseDiagram
        2-D arrays of shape (len(sigma_b_grid), len(sigma_w_grid)); NaN marks "no unique finite
        fixed point" (see :class:`PhaseDiagram`).

    Raises
    ------
    ValueError
        If a grid is empty, not 1-D, or out of range.
    TypeError
        If a grid is not a sequence of real numbers.

    See Also
    --------
    q_star, chi1, c_star, depth_scales

    Notes
    -----
    Computed in C++: in parallel over grid points (OpenMP) for the built-in activations, serially
    on the calling thread for a custom :class:`~isometry.theory.Activation` (every quadrature
    calls back into Python). Each entry equals what the pointwise functions return there.

    References
    ----------
    .. [1] B. Poole et al., "Exponential expressivity in deep neural networks through transient
       chaos", NeurIPS 2016.
    .. [2] S. S. Schoenholz, J. Gilmer, S. Ganguli, J. Sohl-Dickstein, "Deep information
       propagation", ICLR 2017.

    Examples
    --------
    >>> from isometry import theory
    >>> d = theory.phase_diagram("tanh", [0.9, 1.0, 1.5], [0.0, 0.1], progress=False)
    >>> d.chi1.shape
    (2, 3)
    >>> bool(d.chi1[0, 2] > 1 > d.chi1[0, 0])  # chaotic at σ_w = 1.5, ordered at 0.9
    True
    """
    core = core_activation(activation)
    sigma_w = _grid("sigma_w_grid", sigma_w_grid, positive=True)
    sigma_b = _grid("sigma_b_grid", sigma_b_grid, positive=False)
    _validation.phase_grid(sigma_w.size * sigma_b.size)
    callback = progress_callback(progress, f"phase diagram, {sigma_b.size} x {sigma_w.size} points")
    # Blocks of σ_b rows keep every OpenMP thread busy while the bar moves ~50 times.
    rows = max(1, -(-sigma_b.size // 50))
    parts: list[dict[str, np.ndarray]] = []
    for start in range(0, sigma_b.size, rows):
        block = np.ascontiguousarray(sigma_b[start : start + rows])
        with _arguments.at_point(activation):
            parts.append(_core.phase_diagram(core, sigma_w, block))  # type: ignore[arg-type]  # pybind11 takes any float sequence; the stub says Sequence
        if callback is not None:
            callback(min(start + rows, sigma_b.size), sigma_b.size)
    arrays = {k: np.concatenate([np.asarray(p[k]) for p in parts], axis=0) for k in _FIELDS}
    return PhaseDiagram(sigma_w=sigma_w, sigma_b=sigma_b, **arrays)


def _grid(name: str, values: object, *, positive: bool) -> np.ndarray:
    try:
        grid = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a 1-D sequence of real numbers, got {values!r}") from exc
    except OverflowError:  # an integer beyond the double range
        raise ValueError(f"{name} must be finite real numbers (|value| < 1.8e308)") from None
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence, got shape {grid.shape}")
    if not np.all(np.isfinite(grid)):
        raise ValueError(f"{name} must be finite, got {grid[~np.isfinite(grid)][0]}")
    bad = grid <= 0 if positive else grid < 0
    if bad.any():
        raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'}, got {grid[bad][0]}")
    grid.setflags(write=False)
    return grid
