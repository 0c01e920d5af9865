"""The steps every Monte Carlo entry point takes, in order, written once.

    arguments → network (σ_w, σ_b: given, squared, or critical by default) → seed → q0 rule
    → memory and run-time estimates (``max_seconds``) → progress → the computation (timed)
    → finite check (and, for dense spectra, the underflow check) → result

``jacobian_spectrum``, ``resnet_jacobian_spectrum``, the parameter-sharing spectrum and
``jacobian_spectral_density`` are short compositions of these functions, so a rule (what
``seed=None`` means, when progress is shown, how q0 defaults, which work limit applies)
changes in one place.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import numpy as np

from isometry._internal import memory as _memory
from isometry._internal import validation as _validation
from isometry._internal.progress import ProgressLike, progress_callback
from isometry._internal.results import Result
from isometry._internal.seeds import SeedLike, resolve_seed
from isometry.theory import _arguments
from isometry.theory._arguments import DEFAULT_Q_STAR
from isometry.theory.meanfield import q_star as _q_star

__all__ = [
    "DEFAULT_Q_STAR",
    "Common",
    "ProgressCallback",
    "ProgressLike",
    "SeedLike",
    "SpectrumResult",
    "common_arguments",
    "default_q0",
    "first_layer_variance",
    "progress_callback",
    "require_dense_work",
    "require_finite",
    "require_memory",
    "require_not_underflowed",
    "spectrum_statistics",
    "timed",
]

ProgressCallback = Callable[[int, int], None]


@dataclasses.dataclass(frozen=True)
class Common:
    """The validated arguments every Monte Carlo entry point shares."""

    width: int
    depth: int
    activation: str
    weights: str
    sigma_w: float
    sigma_b: float
    critical_q_star: float | None  # the q* (σ_w, σ_b) were chosen for, when they were not given
    seed: int  # the Philox key actually used
    device: str
    # The work limit given (None: $ISOMETRY_MAX_SECONDS or the default, read when estimating).
    max_seconds: float | None = None


def common_arguments(
    width: object,
    depth: object,
    activation: object,
    weights: object,
    *,
    allowed_weights: Iterable[str],
    sigma_w: object,
    sigma_b: object,
    sigma_w2: object,
    sigma_b2: object,
    q_star: object,
    seed: SeedLike,
    device: object = "cpu",
    critical: tuple[float, float] | None = None,
    max_seconds: object = None,
) -> Common:
    """Check the shared arguments (each error names its argument) and resolve the network.

    σ_w/σ_b: given, or as squares (``sigma_w2``/``sigma_b2``), or — with neither — the critical
    point at ``q_star`` (default :data:`DEFAULT_Q_STAR`); see ``theory._arguments.resolve_network``.
    ``seed``: see :mod:`isometry._internal.seeds`. ``max_seconds``: None (the limit in force,
    see :mod:`isometry._internal.work`) or seconds > 0; checked here, applied by the estimates.
    """
    width = _validation.positive_int("width", width)
    depth = _validation.positive_int("depth", depth)
    activation = _validation.choice("activation", activation, _validation.ACTIVATIONS)
    weights = _validation.choice("weights", weights, tuple(allowed_weights))
    device = _validation.device(device)
    limit = _validation.max_seconds(max_seconds)
    network = _arguments.resolve_network(
        activation,
        sigma_w,
        sigma_b,
        sigma_w2=sigma_w2,
        sigma_b2=sigma_b2,
        q_star=q_star,
        critical=critical,
    )
    return Common(
        width,
        depth,
        activation,
        weights,
        network.sigma_w,
        network.sigma_b,
        network.critical_q_star,
        resolve_seed(seed),
        device,
        limit,
    )


def default_q0(activation: str, sigma_w: float, sigma_b: float) -> float:
    """The first-layer variance ``jacobian_spectrum`` uses when ``q0`` is not given.

    Parameters
    ----------
    activation : str
        One of ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"``.
    sigma_w, sigma_b : float
        Standard deviations of the weights (times √width) and of the biases.

    Returns
    -------
    float
        The mean-field fixed point q* (a variance), so that every layer starts at the fixed
        point as in PSG17/18; 1.0 for linear networks and for relu without bias, whose spectrum
        does not depend on q0 (D is scale invariant).

    Raises
    ------
    ValueError
        Where there is no unique positive q* (e.g. the ordered phase without bias, where the
        stable fixed point is 0): pass ``q0`` explicitly then.

    See Also
    --------
    isometry.theory.q_star

    Examples
    --------
    >>> round(isometry.default_q0("tanh", 1.05, 0.0), 6)
    0.05325
    >>> isometry.default_q0("relu", 2**0.5, 0.0)
    1.0
    """
    if isinstance(activation, str) and (
        activation == "linear" or (activation == "relu" and sigma_b == 0.0)
    ):
        return 1.0
    try:
        q = _q_star(activation, sigma_w, sigma_b)
    except ValueError as exc:
        raise ValueError(f"{exc}; pass q0 explicitly") from None
    if q <= 0.0:
        raise ValueError(
            f"the stable mean-field fixed point is q* = 0 for activation={activation!r}, "
            f"sigma_w={sigma_w}, sigma_b={sigma_b} (ordered phase); pass q0 > 0 explicitly, or leave "
            "sigma_w and sigma_b out for a critical network"
        )
    return q


def first_layer_variance(common: Common, q0: object) -> float:
    """The q0 rule: the fixed point q* by default, else a checked ``q0 >= σ_b²``."""
    if q0 is None:
        return default_q0(common.activation, common.sigma_w, common.sigma_b)
    value = _validation.real("q0", q0, positive=True)
    if value < common.sigma_b**2:
        raise ValueError(
            f"q0 must be at least sigma_b**2 = {common.sigma_b**2} (q0 = σ_w²|x_0|²/N + σ_b²), "
            f"got {value}"
        )
    return value


def require_memory(what: str, needed_bytes: float) -> None:
    """Refuse (MemoryError with the estimate) before allocating anything."""
    _memory.require(what, int(needed_bytes))


def require_dense_work(what: str, common: Common, method: str, dtype: str) -> None:
    """Refuse a dense spectrum (J is width × width) past the memory or the time limit: the
    estimate of :func:`isometry._internal.validation.dense_spectrum_work`, before any work."""
    _validation.dense_spectrum_work(
        what, common.width, common.depth, method, dtype, common.max_seconds, common.device
    )


def require_not_underflowed(
    raw: dict[str, Any], common: Common, dtype: str, q0: float, q0_given: bool
) -> None:
    """FloatingPointError naming the argument if the spectrum came out exactly 0 although
    φ' > 0 everywhere (saturated units, or σ_w^L below the smallest number of ``dtype``)."""
    _validation.jacobian_not_underflowed(
        raw,
        common.activation,
        common.depth,
        dtype,
        common.sigma_w,
        common.sigma_b,
        q0,
        q0_given,
    )


def timed(function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """(function(*args), wall seconds)."""
    start = time.perf_counter()
    out = function(*args)
    return out, time.perf_counter() - start


def require_finite(raw: dict[str, Any], keys: Iterable[str], what: str) -> None:
    """FloatingPointError if any of ``raw[key]`` is not finite (the core checks J itself first)."""
    for key in keys:
        if not np.all(np.isfinite(raw[key])):
            raise FloatingPointError(f"{what} returned non-finite {key}")


def spectrum_statistics(eigenvalues: np.ndarray, singular_values: np.ndarray) -> dict[str, float]:
    """Mean, variance, min, max of ascending eigenvalues of J Jᵀ and the condition number of J."""
    smallest = singular_values[0]
    return {
        "mean": float(eigenvalues.mean()),
        "variance": float(eigenvalues.var()),
        "min": float(eigenvalues[0]),
        "max": float(eigenvalues[-1]),
        "condition_number": float(singular_values[-1] / smallest) if smallest > 0 else float("inf"),
    }


class SpectrumResult(Result):
    """Base of the dense spectra: eigenvalues of J Jᵀ and singular values of J as a table."""

    _frame_columns: ClassVar[tuple[str, ...]] = ("eigenvalues", "singular_values")
    eigenvalues: np.ndarray
    singular_values: np.ndarray

    def statistics(self) -> dict[str, float]:
        """Mean, variance, min, max of the eigenvalues and the condition number σ_max/σ_min of J."""
        return spectrum_statistics(self.eigenvalues, self.singular_values)
