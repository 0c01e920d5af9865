"""The one registry of the names users choose: activations, weight ensembles (with what each
supports), dtypes, spectrum methods and devices.

Everything that lists or checks these names — argument validation, CLI choices and help,
training, the matrix-free subset — derives it from here; ``tests`` assert that the C++ parsers
accept exactly the same names. A new ensemble or activation is added here first.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ACTIVATIONS",
    "CUPY_INSTALL_HINT",
    "DEVICES",
    "DTYPES",
    "ENSEMBLES",
    "MATFREE_METHODS",
    "METHODS",
    "Ensemble",
    "ensembles",
]

#: Built-in activations (C++ ``meanfield::Activation``); erf is φ(h) = erf(√π h / 2).
ACTIVATIONS: tuple[str, ...] = ("linear", "tanh", "hard_tanh", "relu", "erf")

#: Floating-point types of the Monte Carlo spectra.
DTYPES: tuple[str, ...] = ("float64", "float32")

#: Dense spectrum methods: eigenvalues of J Jᵀ ('eigh') or singular values of J ('svd').
METHODS: tuple[str, ...] = ("eigh", "svd")

#: Matrix-free spectral density methods.
MATFREE_METHODS: tuple[str, ...] = ("lanczos",)

#: Where the Monte Carlo and training run.
DEVICES: tuple[str, ...] = ("cpu", "gpu")

#: The one install hint for CuPy (the ``gpu`` extra of pyproject.toml: CuPy and the CUDA 13
#: libraries the GPU build links against), used by every message that needs CuPy.
CUPY_INSTALL_HINT = (
    'pip install "isometry[gpu]" (CuPy for CUDA 13; with another CUDA, its cupy-cudaNNx)'
)


@dataclass(frozen=True)
class Ensemble:
    """A weight ensemble and the parts of the package that support it."""

    name: str
    description: str
    dense: bool  # jacobian_spectrum
    matfree: bool  # jacobian_spectral_density
    theory: bool  # theory.jacobian_density / jacobian_moments
    resnet: bool  # resnet_jacobian_spectrum
    gpu: bool  # device="gpu" for the dense spectrum
    training: bool  # an init of isometry.training


ENSEMBLES: dict[str, Ensemble] = {
    e.name: e
    for e in (
        Ensemble(
            "orthogonal",
            "W = σ_w Q, Q Haar-orthogonal",
            dense=True,
            matfree=True,
            theory=True,
            resnet=True,
            gpu=True,
            training=True,
        ),
        Ensemble(
            "gaussian",
            "entries N(0, σ_w²/N)",
            dense=True,
            matfree=True,
            theory=True,
            resnet=True,
            gpu=True,
            training=True,
        ),
        Ensemble(
            "parameter_sharing",
            "mirrored ReLU init of Burkholz & Dubatovka (every singular value 1)",
            dense=True,
            matfree=False,
            theory=False,
            resnet=False,
            gpu=False,
            training=True,
        ),
        Ensemble(
            "structured_orthogonal",
            "σ_w (H S₃)(H S₂)(H S₁), H Walsh–Hadamard, S random signs",
            dense=False,
            matfree=True,
            theory=False,
            resnet=False,
            gpu=False,
            training=False,
        ),
    )
}

_CAPABILITIES = ("dense", "matfree", "theory", "resnet", "gpu", "training")


def ensembles(capability: str) -> tuple[str, ...]:
    """Names of the ensembles supporting ``capability`` (one of dense, matfree, theory, resnet,
    gpu, training), in registry order."""
    if capability not in _CAPABILITIES:
        raise ValueError(
            f"capability must be one of {', '.join(_CAPABILITIES)}; got {capability!r}"
        )
    return tuple(e.name for e in ENSEMBLES.values() if getattr(e, capability))
