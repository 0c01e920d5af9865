"""How far down a Monte Carlo spectrum is compared with a law: the floor below which its
eigenvalues count as unresolved, used by ``JacobianDensity.ks_distance``.

Eigenvalues of J Jᵀ from ``method="eigh"`` (J Jᵀ formed, then a symmetric eigensolver) carry an
absolute error of about N·ε·λ_max (N the width, ε the unit roundoff of the dtype): anything below
that is zero to the solver, whether it is an exact zero (the atom at 0 of ReLU or hard-tanh
networks, which comes back as ±1e-15·λ_max) or a genuinely tiny eigenvalue. ``method="svd"``
resolves further (singular values to ~ε·σ_max), but the floor is the same N·ε·λ_max for both
methods, so that one network gives one distance whichever eigensolver computed its spectrum; a
smaller ``resolution`` compares further down.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def eigh_floor(eigenvalues: np.ndarray, dtype: str = "float64") -> float:
    """N·ε·λ_max: the rounding level of eigenvalues of a formed J Jᵀ."""
    ev = np.asarray(eigenvalues, dtype=float)
    return float(ev.size * np.finfo(dtype).eps * float(np.max(np.abs(ev)))) if ev.size else 0.0


def sample_and_floor(sample: Any, resolution: float | None) -> tuple[np.ndarray, float]:
    """(eigenvalues, floor) from a Monte Carlo result (``JacobianSpectrum``: its width and dtype
    set the floor) or an array of eigenvalues (float64 assumed), unless ``resolution`` is given."""
    dtype = "float64"
    if hasattr(sample, "eigenvalues") and hasattr(sample, "method"):
        dtype = str(getattr(sample, "dtype", "float64"))
        sample = sample.eigenvalues
    try:
        ev = np.asarray(sample, dtype=float).ravel()
    except (TypeError, ValueError):  # "abc", None, ragged lists: name what was expected
        raise TypeError(
            f"eigenvalues must be an array of real numbers, got {type(sample).__name__}"
        ) from None
    if ev.size == 0 or not np.all(np.isfinite(ev)):
        raise ValueError("eigenvalues must be a non-empty array of finite numbers")
    if resolution is None:
        resolution = eigh_floor(ev, dtype)
    resolution = float(resolution)
    if not (np.isfinite(resolution) and resolution >= 0):
        raise ValueError(f"resolution must be a finite number >= 0, got {resolution!r}")
    return ev, resolution
