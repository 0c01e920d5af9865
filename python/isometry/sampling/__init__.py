"""Random matrices (Gaussian, Haar-orthogonal) and whole-network weights, all from Philox streams."""

from isometry.sampling.matrices import gaussian, haar_orthogonal
from isometry.sampling.network import network_weights, parameter_sharing

__all__ = ["gaussian", "haar_orthogonal", "network_weights", "parameter_sharing"]
