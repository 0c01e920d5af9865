"""Distances between a measured spectrum and a large-width law, as the sweep tasks record them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["empirical_cdf", "moments", "relative_error", "wasserstein_log10"]


def empirical_cdf(eigenvalues: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    ev = np.sort(np.asarray(eigenvalues, dtype=float))
    return lambda t: np.searchsorted(ev, t, side="right") / ev.size


def wasserstein_log10(
    cdf_a: Callable[[np.ndarray], np.ndarray],
    cdf_b: Callable[[np.ndarray], np.ndarray],
    lo: float,
    hi: float,
    points: int = 40000,
) -> float:
    """W₁ between the laws of log10 λ, with all mass below ``lo`` moved to ``lo`` (in decades).

    ``lo`` is where both are resolved (an eigensolver's rounding floor, or where Lanczos starts
    to resolve the edge at 0); W₁ = ∫ |F_a − F_b| d log10 t from lo to above both tops.
    """
    if not (0 < lo < hi):
        raise ValueError(f"need 0 < lo < hi, got lo={lo}, hi={hi}")
    t = np.geomspace(lo, hi * 1.01, points)
    diff = np.abs(np.asarray(cdf_a(t), dtype=float) - np.asarray(cdf_b(t), dtype=float))
    u = np.log10(t)
    return float(np.sum(np.diff(u) * (diff[1:] + diff[:-1]) / 2))


def moments(eigenvalues: np.ndarray, order: int = 4) -> np.ndarray:
    """m_k = mean λ^k, k = 1..order."""
    ev = np.asarray(eigenvalues, dtype=float)
    return np.array([np.mean(ev**k) for k in range(1, order + 1)])


def relative_error(measured: float, predicted: float) -> float:
    """|measured / predicted − 1| (NaN when the prediction is 0 or missing)."""
    if not np.isfinite(predicted) or predicted == 0:
        return float("nan")
    return float(abs(measured / predicted - 1.0))
