"""isometry: dynamical isometry of deep networks — exact large-width theory and finite-width
Monte Carlo of input–output Jacobian spectra at initialisation."""

from __future__ import annotations

__version__ = "0.1.0"

from isometry._core_loader import _core
from isometry.build_info import build_info
from isometry.samplers import gaussian, haar_orthogonal
from isometry.spectrum import JacobianSpectrum, default_q0, jacobian_spectrum
from isometry.matfree import SpectralDensity, jacobian_spectral_density
from isometry.resnet_spectrum import ResnetSpectrum, resnet_jacobian_spectrum
from isometry import init, theory

ConvergenceError = _core.ConvergenceError
#: Philox stream ids (counter word 3) of every random draw; see cpp/include/isometry/rng/streams.hpp.
STREAMS: dict[str, int] = dict(_core.STREAMS)



def __getattr__(name: str) -> object:
    # isometry.sweep loads on first use: it is the one part that may bring in Dask and pandas.
    if name == "sweep":
        import importlib

        return importlib.import_module("isometry.sweep")
    raise AttributeError(f"module 'isometry' has no attribute {name!r}")


__all__ = [
    "STREAMS",
    "ConvergenceError",
    "JacobianSpectrum",
    "SpectralDensity",
    "ResnetSpectrum",
    "build_info",
    "default_q0",
    "gaussian",
    "haar_orthogonal",
    "init",
    "jacobian_spectral_density",
    "jacobian_spectrum",
    "resnet_jacobian_spectrum",
    "theory",
]
