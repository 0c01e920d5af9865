"""Argument checks and error messages shared by the mean-field functions."""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, TypeVar

import numpy as np

from isometry._internal import memory as _memory
from isometry._internal import validation as _validation
from isometry._internal import work as _work
from isometry._internal.core import _core
from isometry.theory.activation import ActivationLike, core_activation, describe

F = TypeVar("F", bound=Callable[..., Any])


def network(activation: ActivationLike, sigma_w: float, sigma_b: float) -> tuple[Any, float, float]:
    """(the activation as ``_core`` takes it, sigma_w > 0, sigma_b >= 0), or TypeError/ValueError."""
    core = core_activation(activation)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    return core, sigma_w, sigma_b


def where(activation: ActivationLike, **params: float) -> str:
    """``activation='tanh', sigma_w=1.2, sigma_b=0.1`` for messages."""
    return ", ".join(
        [f"activation={describe(activation)}"] + [f"{k}={v!r}" for k, v in params.items()]
    )


def raise_without_fixed_point(
    kind: str, activation: ActivationLike, sigma_w: float, sigma_b: float
) -> None:
    """Raise the ValueError that explains a missing q* for kinds 'scale_invariant' and 'divergent'
    (from ``_core.q_star``); return for 'positive' and 'zero'."""
    at = where(activation, sigma_w=sigma_w, sigma_b=sigma_b)
    if kind == "scale_invariant":
        raise ValueError(f"every q is a fixed point of the length map at {at}; q* is not unique")
    if kind == "divergent":
        raise ValueError(f"the length map diverges at {at}: there is no finite fixed point q*")


@contextlib.contextmanager
def at_point(activation: ActivationLike, **params: float) -> Iterator[None]:
    """Prefix a ConvergenceError from the core with the parameters it was computing at."""
    try:
        yield
    except _core.ConvergenceError as exc:
        raise _core.ConvergenceError(f"at {where(activation, **params)}: {exc}") from None


# --- defaults, squared forms and broadcasting (shared by theory and Monte Carlo) ------------------

#: The q* of the critical network that ``sigma_w=None, sigma_b=None`` stands for: on the edge of
#: chaos (χ₁ = 1) with this length-map fixed point (σ_w, σ_b from ``theory.critical_point``).
DEFAULT_Q_STAR = 0.5


class Network(NamedTuple):
    """(σ_w, σ_b) as resolved, and the critical q* they were chosen for (None when given)."""

    sigma_w: float
    sigma_b: float
    critical_q_star: float | None


def _from_square(name: str, value: object, *, positive: bool) -> float:
    square = _validation.real(name, value, positive=positive, nonnegative=not positive)
    return math.sqrt(square)


def standard_deviations(
    sigma_w: object, sigma_b: object, sigma_w2: object = None, sigma_b2: object = None
) -> tuple[Any, Any]:
    """(σ_w, σ_b) from either form; giving both forms of one is a TypeError."""
    if sigma_w2 is not None:
        if sigma_w is not None:
            raise TypeError("give sigma_w or sigma_w2 (= sigma_w**2), not both")
        sigma_w = _from_square("sigma_w2", sigma_w2, positive=True)
    if sigma_b2 is not None:
        if sigma_b is not None:
            raise TypeError("give sigma_b or sigma_b2 (= sigma_b**2), not both")
        sigma_b = _from_square("sigma_b2", sigma_b2, positive=False)
    return sigma_w, sigma_b


def resolve_network(
    activation: ActivationLike,
    sigma_w: object = None,
    sigma_b: object = None,
    *,
    sigma_w2: object = None,
    sigma_b2: object = None,
    q_star: object = None,
    critical: tuple[float, float] | None = None,
) -> Network:
    """The (σ_w, σ_b) a call means.

    Either form (σ or σ²) of each; ``q_star`` alone: the critical point with that fixed point;
    neither σ_w nor σ_b: the critical point at :data:`DEFAULT_Q_STAR`; σ_b alone: the edge of
    chaos at that σ_b; σ_w alone: σ_b = 0. ``critical``: the caller's own critical (σ_w, σ_b)
    (e.g. parameter sharing's (1, 0)), used for every σ left out.
    """
    from isometry.theory.criticality import critical_point, edge_of_chaos

    sigma_w, sigma_b = standard_deviations(sigma_w, sigma_b, sigma_w2, sigma_b2)
    if q_star is not None:
        if sigma_w is not None or sigma_b is not None:
            raise ValueError("give either q_star (a critical network) or sigma_w/sigma_b, not both")
        q = _validation.real("q_star", q_star, positive=True)
        sw, sb = critical if critical is not None else critical_point(activation, q)
        return Network(sw, sb, q)
    if sigma_w is None and sigma_b is None:
        if critical is not None:
            return Network(critical[0], critical[1], None)
        sw, sb = critical_point(activation, DEFAULT_Q_STAR)
        return Network(sw, sb, DEFAULT_Q_STAR)
    if sigma_w is None:
        sb = _validation.real("sigma_b", sigma_b, nonnegative=True)
        return Network(
            critical[0] if critical is not None else edge_of_chaos(activation, sb), sb, None
        )
    sw = _validation.real("sigma_w", sigma_w, positive=True)
    sb = 0.0 if sigma_b is None else _validation.real("sigma_b", sigma_b, nonnegative=True)
    return Network(sw, sb, None)


def vectorize(*names: str) -> Callable[[F], F]:
    """Let a scalar theory function take arrays for the arguments ``names``, broadcast like a
    NumPy ufunc, and ``sigma_w2=``/``sigma_b2=`` in place of ``sigma_w``/``sigma_b``.

    Scalars in: the function's own result (a float, or a tuple of floats). Arrays in: one array
    of the broadcast shape per output (a tuple or NamedTuple of arrays for tuple results),
    computed point by point; an error at one point names that point.
    """

    def decorate(function: F) -> F:
        signature = inspect.signature(function)
        squared = [p for p in ("sigma_w", "sigma_b") if p in signature.parameters]

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            squares = {p: kwargs.pop(f"{p}2") for p in squared if f"{p}2" in kwargs}
            given = signature.bind_partial(*args, **kwargs).arguments if squares else {}
            for plain, square in squares.items():
                if square is None:
                    continue
                if given.get(plain) is not None:
                    raise TypeError(f"give {plain} or {plain}2 (= {plain}**2), not both")
                kwargs[plain] = _square_root(f"{plain}2", square, positive=plain == "sigma_w")
            bound = signature.bind(*args, **kwargs)
            arrays = {
                n: bound.arguments[n]
                for n in names
                if n in bound.arguments and _is_array(bound.arguments[n])
            }
            if not arrays:
                return function(*bound.args, **bound.kwargs)
            try:
                shape = np.broadcast_shapes(*(np.shape(v) for v in arrays.values()))
            except ValueError as exc:
                shapes = ", ".join(f"{n}: {np.shape(v)}" for n, v in arrays.items())
                raise ValueError(
                    f"the array arguments do not broadcast together ({shapes})"
                ) from exc
            size = int(np.prod(shape))
            if size == 0:  # no point to call the function at, so no result type to build
                empty = ", ".join(n for n, v in arrays.items() if np.size(v) == 0)
                raise ValueError(f"{empty} is an empty array; give at least one value")
            what = f"{function.__name__} at {size} points"
            _memory.require(what, 64 * size)  # the broadcast inputs' points and the outputs
            spread = {n: np.broadcast_to(np.asarray(v), shape) for n, v in arrays.items()}
            outputs: list[Any] = []
            times: list[float] = []
            for index in np.ndindex(*shape):
                start = time.perf_counter()
                point = dict(bound.arguments)
                for n, v in spread.items():
                    point[n] = v[index].item()
                try:
                    outputs.append(function(**point))
                except (ValueError, TypeError) as exc:
                    at = ", ".join(f"{n}={point[n]!r}" for n in spread)
                    raise type(exc)(f"at {at} (index {index}): {exc}") from None
                times.append(time.perf_counter() - start)
                if len(times) == 2 and size > 2:  # the faster of the first two times the rest
                    _work.require(what, min(times) * size, reduce="the array sizes")
            return _stack(outputs, shape)

        if extra_names := [f"{p}2" for p in squared if f"{p}2" not in signature.parameters]:
            wrapper.__doc__ = _document_squares(wrapper.__doc__, extra_names)
        params = list(signature.parameters.values())
        extra = [
            inspect.Parameter(f"{p}2", inspect.Parameter.KEYWORD_ONLY, default=None)
            for p in squared
            if f"{p}2" not in signature.parameters
        ]
        if extra:
            wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
                parameters=[p for p in params if p.kind != inspect.Parameter.VAR_KEYWORD]
                + extra
                + [p for p in params if p.kind == inspect.Parameter.VAR_KEYWORD]
            )
        return wrapper  # type: ignore[return-value]

    return decorate


def _document_squares(doc: str | None, names: list[str]) -> str | None:
    """Add the σ² keywords to a numpydoc Parameters section (before Returns)."""
    if not doc or "\n    Returns\n" not in doc:
        return doc
    entry = (
        f"    {', '.join(names)} : float or array_like, optional\n"
        "        The variance in place of the standard deviation (σ_w², σ_b²: the papers tabulate\n"
        "        variances); one form per parameter.\n\n"
    )
    head, tail = doc.split("\n    Returns\n", 1)
    return head.rstrip("\n") + "\n" + entry + "    Returns\n" + tail


def _is_array(value: object) -> bool:
    return isinstance(value, (np.ndarray, list, tuple)) and np.ndim(value) > 0


def _square_root(name: str, value: object, *, positive: bool) -> Any:
    if _is_array(value):
        arr = np.asarray(value, dtype=float)
        bad = ~np.isfinite(arr) | ((arr <= 0) if positive else (arr < 0))
        if bad.any():
            raise ValueError(
                f"{name} must be finite and {'> 0' if positive else '>= 0'}, got {arr[bad][0]}"
            )
        return np.sqrt(arr)
    return _from_square(name, value, positive=positive)


def _stack(outputs: list[Any], shape: tuple[int, ...]) -> Any:
    first = outputs[0]
    if isinstance(first, tuple):
        columns = [
            np.array([o[i] for o in outputs], dtype=float).reshape(shape) for i in range(len(first))
        ]
        return type(first)(*columns) if hasattr(first, "_fields") else tuple(columns)
    return np.array(outputs, dtype=float).reshape(shape)
