"""Large-width theory: mean-field signal propagation (PSG18 §2.2, Poole et al. 2016) and
free-probability spectra of J Jᵀ (PSG17/PSG18)."""

from isometry.theory.freeprob import (
    JacobianDensity,
    JacobianMoments,
    jacobian_density,
    jacobian_moments,
    lambda_max,
)
from isometry.theory.meanfield import chi1, derivative_moments, length_map, q_star
from isometry.theory.predictions import length_trajectory, spectrum_mean_and_normalized_variance

__all__ = [
    "JacobianDensity",
    "JacobianMoments",
    "chi1",
    "derivative_moments",
    "jacobian_density",
    "jacobian_moments",
    "lambda_max",
    "length_map",
    "length_trajectory",
    "q_star",
    "spectrum_mean_and_normalized_variance",
]
