"""Large-width theory: mean-field signal propagation (PSG18 §2.2, Poole et al. 2016, Schoenholz et
al. 2017) and free-probability spectra of J Jᵀ (PSG17/PSG18).

Every function that takes an activation accepts a built-in name ('linear', 'tanh', 'hard_tanh',
'relu', 'erf') or a user-defined :class:`Activation` (the mean-field functions, jacobian_moments,
jacobian_density and lambda_max); the universal limits take no activation."""

from isometry.theory import deep_linear
from isometry.theory.activation import Activation
from isometry.theory.correlation import DepthScales, c_star, correlation_map, depth_scales
from isometry.theory.criticality import critical_point, critical_sigma_b, edge_of_chaos
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
from isometry.theory.relu_finite_width import (
    ReluOutputLaw,
    relu_death_probability,
    relu_log_norm_moments,
    relu_mean_field_norm,
    relu_norm_moments,
    relu_norm_ratio_moments,
    relu_output_law,
    sample_relu_chain,
)
from isometry.theory.resnet import (
    ResnetParameter,
    resnet_density,
    resnet_edges,
    resnet_moments,
    resnet_parameter,
    resnet_parameter_table,
    resnet_sigma_w,
)

__all__ = [
    "Activation",
    "DepthScales",
    "JacobianDensity",
    "JacobianMoments",
    "PhaseDiagram",
    "ReluOutputLaw",
    "ResnetParameter",
    "c_star",
    "chi1",
    "correlation_map",
    "critical_point",
    "critical_sigma_b",
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
    "relu_death_probability",
    "relu_log_norm_moments",
    "relu_mean_field_norm",
    "relu_norm_moments",
    "relu_norm_ratio_moments",
    "relu_output_law",
    "resnet_density",
    "resnet_edges",
    "resnet_moments",
    "resnet_parameter",
    "resnet_parameter_table",
    "resnet_sigma_w",
    "sample_relu_chain",
    "spectrum_mean_and_normalized_variance",
    "universal_density",
]
