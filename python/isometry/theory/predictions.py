"""Mean-field and free-probability predictions to set beside one Monte Carlo network.

These are the closed-form consequences of PSG18 used by the CLI's comparison: the length-map
trajectory q^l from q^1 = q0, and the first two moments of the spectrum of J Jᵀ at the fixed
point (PSG18 eqs. 21–22): ``m₁ = (σ_w² μ₁)^L`` and ``m₂/m₁² − 1 = L (μ₂/μ₁² − 1 − s₁)`` with
s₁ = 0 (orthogonal) or −1 (Gaussian).
"""

from __future__ import annotations

import numpy as np

from isometry._internal import validation as _validation
from isometry.theory import _arguments
from isometry.theory.activation import ActivationLike
from isometry.theory.meanfield import derivative_moments, length_map

__all__ = ["length_trajectory", "spectrum_mean_and_normalized_variance"]


def length_trajectory(
    activation: ActivationLike, sigma_w: float, sigma_b: float, q0: float, depth: int
) -> np.ndarray:
    """``[q^1, ..., q^depth]`` from the length map started at q^1 = q0."""
    depth = _validation.positive_int("depth", depth)
    q = [float(q0)]
    for _ in range(depth - 1):
        q.append(length_map(activation, q[-1], sigma_w, sigma_b))
    return np.array(q)


@_arguments.vectorize("depth", "sigma_w", "q")
def spectrum_mean_and_normalized_variance(
    activation: ActivationLike, weights: str, depth: int, sigma_w: float, q: float
) -> tuple[float, float]:
    """(m₁, m₂/m₁² − 1) of the J Jᵀ spectrum when every layer sits at variance q."""
    weights = _validation.choice("weights", weights, _validation.WEIGHTS)
    depth = _validation.positive_int("depth", depth)
    mu1, mu2 = derivative_moments(activation, q, 2)
    s1 = 0.0 if weights == "orthogonal" else -1.0
    mean = (sigma_w**2 * mu1) ** depth
    return float(mean), float(depth * (mu2 / mu1**2 - 1.0 - s1))
