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


#: The largest integers the compiled core takes (C ``int`` and ``int64_t`` arguments): checked
#: here, so that a larger value gets a message naming the argument instead of pybind11's.
C_INT_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def positive_int(name: str, value: object, maximum: int = INT64_MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be a positive integer, got {value!r} of type {type(value).__name__}"
        )
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    if int(value) > maximum:
        raise ValueError(
            f"{name} must be a positive integer at most {maximum}, got {_short(value)}"
        )
    return int(value)


def _short(value: object) -> str:
    """An integer for a message: 10**400 is not printed with its 401 digits."""
    text = str(value)
    return text if len(text) <= 24 else f"an integer of {len(text)} digits ({text[:6]}...)"


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
    try:
        x = float(value)
    except OverflowError:  # an int beyond the double range, e.g. 10**400
        raise ValueError(
            f"{name} must be a finite real number (|{name}| < 1.8e308), got {_short(value)}"
        ) from None
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


# ---------------------------------------------------------------------------------------------
# Work, memory, overflow and underflow checks of the entry points (one call each from there).
# Sizes are multiplied out in Python integers, so that no estimate can wrap around in C++.


def max_seconds(value: object) -> float | None:
    """``max_seconds=``: None (the limit in force, see isometry._internal.work) or seconds > 0."""
    if value is None:
        return None
    from isometry._internal import work as _work

    if isinstance(value, float) and value == math.inf:  # no limit
        return _work.limit(math.inf)
    return _work.limit(real("max_seconds", value, positive=True))


def dense_spectrum_work(
    what: str,
    width: int,
    depth: int,
    method: str,
    dtype: str,
    max_seconds: float | None = None,
    device: str = "cpu",
) -> None:
    """Refuse a dense spectrum (J is width × width) that cannot fit or would run for hours:
    memory for J, one layer and the per-layer q (depth doubles), then the time estimate. On the
    GPU the host holds only the results (device memory is checked by the GPU runtime)."""
    from isometry._internal import memory as _memory
    from isometry._internal import work as _work

    itemsize = np.dtype(dtype).itemsize
    on_host = 3 * width * width * itemsize if device == "cpu" else 3 * width * 8
    _memory.require(what, on_host + 16 * depth)
    _work.require(
        what,
        _work.dense_spectrum_seconds(width, depth, method, device),
        max_seconds,
        reduce="width or depth",
    )


def matfree_work(
    what: str,
    width: int,
    depth: int,
    weights: str,
    storage: str,
    probes: int,
    steps: int,
    structured_blocks: int,
    points: int,
    max_seconds: float | None = None,
) -> None:
    """Refuse a matrix-free estimate past the memory or time limit before the core sizes it:
    L·N stored derivatives, the Lanczos vectors and the per-probe densities on the grid."""
    from isometry._internal import memory as _memory
    from isometry._internal import work as _work

    needed = 8 * (depth * width + probes * (steps + 2) * width + 2 * probes * (points + steps + 1))
    if storage == "dense" or weights == "orthogonal":
        needed += 8 * depth * width * width
    _memory.require(what, needed)
    seconds = _work.matfree_seconds(
        width, depth, weights, storage, probes, steps, structured_blocks, points
    )
    _work.require(
        what, seconds, max_seconds, reduce="width, depth, probes, steps or structured_blocks"
    )


def moment_order(order: object) -> int:
    """``order`` of a moment series: the series inversion costs about order⁴ operations."""
    from isometry._internal import work as _work

    order = positive_int("order", order, C_INT_MAX)
    _work.require(f"moments up to order {order}", 4e-10 * float(order) ** 4, reduce="order")
    return order


def grid_points(
    name: str,
    points: object,
    *,
    per_point_seconds: float = 5e-5,
    minimum: int = 2,
    bytes_per_point: int = 64,
) -> int:
    """A count of grid points (or steps) for the compiled core (a C int): time and memory estimated."""
    from isometry._internal import memory as _memory
    from isometry._internal import work as _work

    points = positive_int(name, points, C_INT_MAX)
    if points < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {points}")
    if bytes_per_point:
        _memory.require(f"{name}={points}", bytes_per_point * points)
    _work.require(f"{name}={points}", per_point_seconds * points, reduce=name.split(" ")[0])
    return points


def phase_grid(points: int) -> None:
    """A phase diagram of ``points`` (σ_w, σ_b) pairs: fields of doubles and a q*, c* solve each."""
    from isometry._internal import memory as _memory
    from isometry._internal import work as _work

    _memory.require(f"a phase diagram of {points} points", 8 * 8 * points)
    _work.require(f"a phase diagram of {points} points", 5e-3 * points, reduce="the grid sizes")


#: Box–Muller on 53-bit uniforms draws |z| ≤ sqrt(2·53·ln 2) ≈ 8.572: the largest normal the
#: samplers can return, so std·8.6 bounds every entry.
LARGEST_NORMAL = 8.6


def sampler_std(std: float, dtype: str) -> float:
    """``std`` of a Gaussian sampler: refuse values whose entries would overflow to ±inf or
    underflow to 0/subnormal in ``dtype`` (std = 0, a zero matrix, is allowed)."""
    info = np.finfo(dtype)
    largest = float(info.max) / LARGEST_NORMAL
    if std > largest:
        raise OverflowError(
            f"std={std:g} overflows {dtype}: entries std·z reach ±{LARGEST_NORMAL}·std; "
            f"the largest std that works is {largest:.6g}"
        )
    if 0.0 < std < float(info.tiny):
        raise FloatingPointError(
            f"std={std:g} underflows {dtype}: the entries would be subnormal or 0; "
            f"the smallest positive std that works is {float(info.tiny):.6g} (std=0 "
            "gives a zero matrix)"
        )
    return std


def power_in_range(name: str, base: float, exponent: int, dtype: str, what: str) -> None:
    """Refuse ``base**exponent`` (a result's scale, e.g. σ_w^{2L}) beyond the range of ``dtype``,
    naming the largest and smallest ``name`` that work."""
    info = np.finfo(dtype)
    log_value = exponent * math.log(base)
    largest = math.exp(math.log(float(info.max)) / exponent)
    smallest = math.exp(math.log(float(info.tiny)) / exponent)
    if log_value > math.log(float(info.max)):
        raise OverflowError(
            f"{what} = {name}**{exponent} overflows {dtype} at {name}={base:g}; "
            f"the largest {name} that works is {largest:.6g}"
        )
    if log_value < math.log(float(info.tiny)):
        raise FloatingPointError(
            f"{what} = {name}**{exponent} underflows {dtype} at {name}={base:g}; "
            f"the smallest {name} that works is {smallest:.6g}"
        )


# |h| beyond which φ'(h) is below the smallest normal number, per activation and dtype: tanh'(h)
# ≈ 4e^{-2|h|}, erf'(h) = e^{-π h²/4} (φ(h) = erf(√π h/2)).
def _saturation(activation: str, dtype: str) -> float:
    log_tiny = -math.log(float(np.finfo(dtype).tiny))
    if activation == "tanh":
        return 0.5 * (log_tiny + math.log(4.0))
    return math.sqrt(4.0 * log_tiny / math.pi)


def jacobian_not_underflowed(
    raw: dict,
    activation: str,
    depth: int,
    dtype: str,
    sigma_w: float,
    sigma_b: float,
    q0: float,
    q0_given: bool,
) -> None:
    """Refuse a spectrum that came out exactly 0 although φ' > 0 everywhere (linear, tanh, erf):
    J underflowed in ``dtype`` (saturated units, or σ_w^L below the smallest number), which would
    otherwise be returned as a silent 0. Names the argument responsible and the range that works."""
    singular = np.asarray(raw["singular_values"])
    if (
        activation not in ("linear", "tanh", "erf")
        or singular.size == 0
        or float(np.max(singular)) != 0.0
    ):
        return
    log_tiny = math.log(float(np.finfo(dtype).tiny))
    if depth * math.log(sigma_w) < log_tiny / 2 or activation == "linear":
        smallest = math.exp(log_tiny / (2 * depth))
        raise FloatingPointError(
            f"the Jacobian underflowed to 0 in {dtype}: its scale sigma_w**depth = {sigma_w:g}**{depth} is below "
            f"the smallest {dtype}; the smallest sigma_w that works at this depth is about {smallest:.3g}"
        )
    q = np.asarray(raw["q"], dtype=float)
    h = math.sqrt(float(np.max(q))) if q.size and np.all(np.isfinite(q)) else math.inf
    limit = _saturation(activation, dtype)
    if sigma_b >= 0.5 * h:
        name, value = "sigma_b", sigma_b
    elif q0_given and q.size and q[0] >= 0.5 * float(np.max(q)) and math.sqrt(q0) >= 0.5 * h:
        name, value, limit = "q0", q0, limit * limit
    else:
        name, value = "sigma_w", sigma_w
    raise FloatingPointError(
        f"the Jacobian underflowed to 0 in {dtype}: {name}={value:g} drives the pre-activations to |h| ~ {h:.3g}, "
        f"where {activation}'(h) is below the smallest {dtype} (beyond |h| ≈ {_saturation(activation, dtype):.3g}), "
        f"in every unit of some layer; {name} must be at most about {limit:.3g}, and smaller for deep or "
        "narrow networks"
    )


def eigenvalue_sample(values: object, name: str = "eigenvalues") -> np.ndarray:
    """A non-empty 1-D sample of finite real eigenvalues (as float64), or TypeError/ValueError."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a 1-D array of real numbers, got {type(values).__name__}"
        ) from exc
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"{name} must be finite, got {arr[~np.isfinite(arr)][0]} at index "
            f"{int(np.argmin(np.isfinite(arr)))}"
        )
    return arr


def finite_values(what: str, arguments: str, *arrays: object) -> None:
    """Refuse a result that overflowed (inf) or became undefined (NaN) in double precision,
    naming the arguments that set its scale, instead of returning it silently."""
    for value in arrays:
        arr = np.asarray(value, dtype=np.float64)
        if not np.all(np.isfinite(arr)):
            kind = "overflows" if np.any(np.isinf(arr)) else "is undefined (NaN)"
            raise OverflowError(f"{what} {kind} in double precision at {arguments}; lower them")
