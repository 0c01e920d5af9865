"""Figures (the only package that imports matplotlib, and only when a function is called).

``spectrum`` (Monte Carlo spectra over the theory, densities, phase diagrams), ``resnet``
(ResNet spectra, the finite-width ReLU signal), ``training`` (accuracy curves, steps to a
target), ``deep_linear`` (Saxe et al. mode strengths and learning times).
"""

from isometry.plotting.deep_linear import plot_learning_time_vs_depth, plot_mode_strengths
from isometry.plotting.resnet import plot_relu_signal, plot_resnet_spectrum
from isometry.plotting.spectrum import (
    plot_density,
    plot_phase_diagram,
    plot_spectral_density,
    plot_spectrum,
)
from isometry.plotting.training import plot_accuracy_curves, plot_experiment, plot_steps_to_accuracy

__all__ = [
    "plot_accuracy_curves",
    "plot_density",
    "plot_experiment",
    "plot_learning_time_vs_depth",
    "plot_mode_strengths",
    "plot_phase_diagram",
    "plot_relu_signal",
    "plot_resnet_spectrum",
    "plot_spectral_density",
    "plot_spectrum",
    "plot_steps_to_accuracy",
]
