"""Large-width theory: mean-field signal propagation (PSG18 §2.2, Poole et al. 2016) and the
closed-form spectrum moments used beside Monte Carlo runs."""

from isometry.theory.meanfield import chi1, derivative_moments, length_map, q_star
from isometry.theory.predictions import length_trajectory, spectrum_mean_and_normalized_variance

__all__ = [
    "chi1",
    "derivative_moments",
    "length_map",
    "length_trajectory",
    "q_star",
    "spectrum_mean_and_normalized_variance",
]
