"""Small helpers shared by the CLI and the plots (no matplotlib needed)."""

from __future__ import annotations

import numpy as np

from isometry import ConvergenceError
from isometry.montecarlo.mlp import JacobianSpectrum
from isometry.theory.freeprob import JacobianDensity, jacobian_density

__all__ = ["resolution_floor", "theory_density_or_none"]


def resolution_floor(result: JacobianSpectrum) -> float:
    """Eigenvalues below this are rounding noise: ~ε·λ_max (eigh) or ε²·λ_max (svd), ×100."""
    eps = float(np.finfo(result.dtype).eps)
    top = float(result.eigenvalues[-1])
    return 100 * top * (eps**2 if result.method == "svd" else eps)


def theory_density_or_none(result: JacobianSpectrum) -> JacobianDensity | None:
    """The large-width density for the run's parameters, or None where the theory has none."""
    try:
        return jacobian_density(
            result.activation, result.weights, result.depth, result.sigma_w, result.sigma_b
        )
    except (ValueError, OverflowError, ConvergenceError):  # OverflowError: spectrum beyond doubles
        return None
