"""Spectral helpers shared by the paper modules: critical scales, q*(L) at a fixed variance,
and Monte Carlo summaries over several networks."""

from __future__ import annotations

import math
from collections.abc import Sequence

from isometry import theory
from isometry.experiments._support import mean_se, normalized_variance
from isometry.montecarlo.mlp import JacobianSpectrum

__all__ = ["critical_scales", "ks_tolerance", "mc_summary", "q_star_for_variance"]


def critical_scales(activation: str, q_star: float) -> tuple[float, float]:
    """(σ_w, σ_b) with χ₁ = 1: linear (1, 0) and ReLU (√2, 0) have a single critical point (any
    q* is a fixed point there); the sigmoidal ones have a critical line parametrised by q*."""
    if activation == "linear":
        return 1.0, 0.0
    if activation == "relu":
        return math.sqrt(2.0), 0.0
    return theory.critical_point(activation, q_star)


def q_star_for_variance(activation: str, depth: int, sigma0_sq: float) -> float:
    """The q* on the critical line at which orthogonal networks of this depth have
    var(JJᵀ) = L(μ₂/μ₁² − 1) = σ₀² (PSG18's double-scaling limit), by bisection in log q*."""

    def variance(log_q: float) -> float:
        sw, sb = critical_scales(activation, math.exp(log_q))
        return theory.jacobian_moments(activation, "orthogonal", depth, sw, sb, order=2).variance

    lo, hi = math.log(1e-9), math.log(10.0)
    if not variance(lo) < sigma0_sq < variance(hi):
        raise ValueError(
            f"no q* in [1e-9, 10] gives var(JJᵀ) = {sigma0_sq} for {activation} at depth {depth}"
        )
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if variance(mid) < sigma0_sq else (lo, mid)
    return math.exp(0.5 * (lo + hi))


def ks_tolerance(width: int) -> float:
    """Tolerance for the KS distance between one network's N eigenvalues and the large-width law:
    3·N^(−2/3). Eigenvalues of one random matrix are rigid (their empirical CDF fluctuates by
    ~1/N, far less than the 1/√N of independent draws); the dominant finite-width error is the
    N^(−2/3) shift of the spectral edges and the O(1/N) corrections to the law."""
    return 3.0 * width ** (-2.0 / 3.0)


def mc_summary(results: Sequence[JacobianSpectrum]) -> dict[str, float]:
    """Mean ± standard error over networks of λ_max and of m₂/m₁² − 1."""
    lam, lam_se = mean_se([r.eigenvalues[-1] for r in results])
    var, var_se = mean_se([normalized_variance(r) for r in results])
    return {"lambda_max": lam, "lambda_max_se": lam_se, "nvar": var, "nvar_se": var_se}
