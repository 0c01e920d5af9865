"""How far down a Monte Carlo spectrum is resolved: the floor below which its eigenvalues are
rounding noise, used by ``JacobianDensity.ks_distance``.

Eigenvalues of J Jᵀ from ``method="eigh"`` (J Jᵀ formed, then a symmetric eigensolver) carry an
absolute error of about N·ε·λ_max (N the width, ε the unit roundoff of the dtype): anything below
that is zero to the solver, whether it is an exact zero (the atom at 0 of ReLU or hard-tanh
networks) or a genuinely tiny eigenvalue. ``method="svd"`` resolves singular values of J down to
about N·ε·σ_max, i.e. eigenvalues down to (N·ε)²·λ_max.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def eigh_floor(eigenvalues: np.ndarray, dtype: str = "float64") -> float:
    """N·ε·λ_max: the rounding level of eigenvalues of a formed J Jᵀ."""
    ev = np.asarray(eigenvalues, dtype=float)
    return float(ev.size * np.finfo(dtype).eps * max(float(np.max(np.abs(ev))), 0.0)) if ev.size else 0.0


def svd_floor(singular_values: np.ndarray, dtype: str = "float64") -> float:
    """(N·ε·σ_max)²: the rounding level, as an eigenvalue, of singular values of J."""
    sv = np.asarray(singular_values, dtype=float)
    return float((sv.size * np.finfo(dtype).eps * float(np.max(np.abs(sv)))) ** 2) if sv.size else 0.0


def sample_and_floor(sample: Any, resolution: float | None) -> tuple[np.ndarray, float]:
    """(eigenvalues, floor) from a Monte Carlo result (``JacobianSpectrum``: its own method and
    dtype decide the floor) or an array of eigenvalues (the eigh floor N·ε·λ_max in float64,
    the coarser of the two, unless ``resolution`` is given)."""
    if hasattr(sample, "eigenvalues") and hasattr(sample, "method"):
        ev = np.asarray(sample.eigenvalues, dtype=float)
        dtype = getattr(sample, "dtype", "float64")
        if resolution is None:
            if sample.method == "svd":
                resolution = svd_floor(getattr(sample, "singular_values", np.sqrt(np.abs(ev))), dtype)
            else:
                resolution = eigh_floor(ev, dtype)
        return ev, float(resolution)
    ev = np.asarray(sample, dtype=float).ravel()
    if ev.size == 0 or not np.all(np.isfinite(ev)):
        raise ValueError("eigenvalues must be a non-empty array of finite numbers")
    if resolution is None:
        resolution = eigh_floor(ev)
    resolution = float(resolution)
    if not (np.isfinite(resolution) and resolution >= 0):
        raise ValueError(f"resolution must be a finite number >= 0, got {resolution!r}")
    return ev, resolution
