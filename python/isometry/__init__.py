"""isometry: dynamical isometry of deep networks — exact large-width theory and finite-width
Monte Carlo of input–output Jacobian spectra at initialisation.

The package is laid out by what a user chooses (see ARCHITECTURE.md): ``sampling`` (random
matrices and network weights), ``montecarlo`` (finite-width spectra, one module per architecture
or method), ``theory`` (large width), ``training``, ``datasets``, ``plotting``, ``cli``. The names
below are the public API; submodules such as ``isometry.training`` load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

from isometry._internal import moved_modules as _moved_modules
from isometry._internal.core import _core
from isometry._internal.threads import (
    get_num_threads,
    get_thread_adaptation,
    set_num_threads,
    set_thread_adaptation,
    threads,
)
from isometry._internal.work import WorkLimitError
from isometry.build import build_info
from isometry.montecarlo.forward import length_trajectory_mc
from isometry.montecarlo.matfree import SpectralDensity, jacobian_spectral_density
from isometry.montecarlo.mlp import JacobianSpectrum, default_q0, jacobian_spectrum
from isometry.montecarlo.resnet import ResnetSpectrum, resnet_jacobian_spectrum
from isometry.sampling.matrices import gaussian, haar_orthogonal

_moved_modules.install()

ConvergenceError = _core.ConvergenceError
ConvergenceError.__doc__ = """An iterative solver did not converge; the message gives the point and residual.

A ``RuntimeError`` raised by the core's iterative solvers (the Newton iterations of the
free-probability densities, adaptive quadratures, fixed-point and root searches) instead of
returning a number that is not converged; the theory functions prefix the message with the
parameters they were computing at.

See Also
--------
isometry.theory.jacobian_density, isometry.theory.Activation

Examples
--------
>>> issubclass(isometry.ConvergenceError, RuntimeError)
True
>>> try:
...     raise isometry.ConvergenceError("Newton did not converge at x = 1e-30")
... except RuntimeError as error:
...     print(type(error).__name__, error)
ConvergenceError Newton did not converge at x = 1e-30
"""
#: Philox stream ids (counter word 3) of every random draw; see cpp/include/isometry/rng/streams.hpp.
STREAMS: dict[str, int] = dict(_core.STREAMS)

#: Submodules loaded on first attribute access (``isometry.training`` after ``import isometry``),
#: as SciPy does, so that ``import isometry`` stays light.
_LAZY_SUBMODULES = {
    "cli": "isometry.cli",
    "datasets": "isometry.datasets",
    "init": "isometry.sampling.network",
    "montecarlo": "isometry.montecarlo",
    "plotting": "isometry.plotting",
    "sampling": "isometry.sampling",
    "sweep": "isometry.sweep",  # may bring in Dask and pandas: only on first use
    "theory": "isometry.theory",
    "training": "isometry.training",
}


def __getattr__(name: str) -> Any:
    module = _LAZY_SUBMODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'isometry' has no attribute {name!r}")
    value = importlib.import_module(module)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))


__all__ = [
    "STREAMS",
    "ConvergenceError",
    "JacobianSpectrum",
    "ResnetSpectrum",
    "SpectralDensity",
    "WorkLimitError",
    "build_info",
    "datasets",
    "default_q0",
    "gaussian",
    "get_num_threads",
    "get_thread_adaptation",
    "haar_orthogonal",
    "init",
    "jacobian_spectral_density",
    "jacobian_spectrum",
    "montecarlo",
    "length_trajectory_mc",
    "plotting",
    "resnet_jacobian_spectrum",
    "set_num_threads",
    "set_thread_adaptation",
    "theory",
    "threads",
    "training",
]
