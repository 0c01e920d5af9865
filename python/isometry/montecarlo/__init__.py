"""Finite-width Monte Carlo: one module per architecture or method.

``mlp`` (dense spectra of fully connected nets), ``parameter_sharing`` (the mirrored ReLU
init), ``resnet``, ``matfree`` (stochastic Lanczos quadrature at any width), ``relu_signal``
(direct simulation of the ReLU signal), ``theory_comparison`` (the matching large-width law).
"""

from isometry.montecarlo._pipeline import DEFAULT_Q_STAR
from isometry.montecarlo.matfree import SpectralDensity, jacobian_spectral_density
from isometry.montecarlo.mlp import JacobianSpectrum, default_q0, jacobian_spectrum
from isometry.montecarlo.relu_signal import relu_network_norms
from isometry.montecarlo.resnet import ResnetSpectrum, resnet_jacobian_spectrum

__all__ = [
    "DEFAULT_Q_STAR",
    "JacobianSpectrum",
    "ResnetSpectrum",
    "SpectralDensity",
    "default_q0",
    "jacobian_spectral_density",
    "jacobian_spectrum",
    "relu_network_norms",
    "resnet_jacobian_spectrum",
]
