"""Large-width theory: mean-field signal propagation (PSG18 §2.2, Poole et al. 2016, Schoenholz et
al. 2017) and free-probability spectra of J Jᵀ (PSG17/PSG18).

Every mean-field function that takes an activation accepts a built-in name ('linear', 'tanh',
'hard_tanh', 'relu', 'erf') or a user-defined :class:`Activation`; the free-probability spectra
take the built-in names."""

from isometry.theory import deep_linear
from isometry.theory.activation import Activation
from isometry.theory.correlation import DepthScales, c_star, correlation_map, depth_scales
from isometry.theory.criticality import critical_point, edge_of_chaos
from isometry.theory.freeprob import (
    JacobianDensity,
    JacobianMoments,
    jacobian_density,
    jacobian_moments,
    lambda_max,
    universal_density,
)
from isometry.theory.meanfield import chi1, derivative_moments, length_map, q_star
from isometry.theory.phase_diagram import PhaseDiagram, phase_diagram
from isometry.theory.predictions import length_trajectory, spectrum_mean_and_normalized_variance

__all__ = [
    "Activation",
    "DepthScales",
    "JacobianDensity",
    "JacobianMoments",
    "PhaseDiagram",
    "c_star",
    "chi1",
    "correlation_map",
    "critical_point",
    "deep_linear",
    "depth_scales",
    "derivative_moments",
    "edge_of_chaos",
    "jacobian_density",
    "jacobian_moments",
    "lambda_max",
    "length_map",
    "length_trajectory",
    "phase_diagram",
    "q_star",
    "spectrum_mean_and_normalized_variance",
    "universal_density",
]
