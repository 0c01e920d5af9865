"""Argument checks shared by the public API: every message names the argument and what is allowed."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np

from isometry._names import ACTIVATIONS, DEVICES, DTYPES, METHODS, ensembles

#: Ensembles with a large-width theory (and the ResNet Monte Carlo): the common pair.
WEIGHTS = ensembles("theory")
#: Ensembles the dense Monte Carlo takes (adds parameter sharing).
DENSE_WEIGHTS = ensembles("dense")

__all__ = ["ACTIVATIONS", "DENSE_WEIGHTS", "DEVICES", "DTYPES", "METHODS", "WEIGHTS"]


def positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be a positive integer, got {value!r} of type {type(value).__name__}"
        )
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def seed(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"seed must be an integer in [0, 2**64), got {value!r}")
    if not 0 <= int(value) < 2**64:
        raise ValueError(f"seed must be an integer in [0, 2**64), got {value}")
    return int(value)


def real(name: str, value: object, *, positive: bool = False, nonnegative: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number, got {value!r} of type {type(value).__name__}"
        )
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    if positive and not x > 0:
        raise ValueError(f"{name} must be > 0, got {x}")
    if nonnegative and not x >= 0:
        raise ValueError(f"{name} must be >= 0, got {x}")
    return x


def choice(name: str, value: object, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        listed = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value


def dtype(value: object) -> str:
    """Normalise 'float64', np.float32, np.dtype('f8'), ... to 'float64' or 'float32'."""
    try:
        name = np.dtype(value).name  # type: ignore[call-overload]
    except TypeError as exc:
        raise TypeError(f"dtype must be 'float64' or 'float32', got {value!r}") from exc
    if name not in DTYPES:
        raise ValueError(f"dtype must be 'float64' or 'float32', got {value!r}")
    return name


def device(value: object) -> str:
    """'cpu' or 'gpu' (the CUDA backend); checked before anything touches a device."""
    return choice("device", value, DEVICES)
