"""Argument checks and error messages shared by the mean-field functions."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry.theory.activation import ActivationLike, core_activation, describe


def network(activation: ActivationLike, sigma_w: float, sigma_b: float) -> tuple[Any, float, float]:
    """(the activation as ``_core`` takes it, sigma_w > 0, sigma_b >= 0), or TypeError/ValueError."""
    core = core_activation(activation)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    return core, sigma_w, sigma_b


def where(activation: ActivationLike, **params: float) -> str:
    """``activation='tanh', sigma_w=1.2, sigma_b=0.1`` for messages."""
    return ", ".join([f"activation={describe(activation)}"] + [f"{k}={v!r}" for k, v in params.items()])


def raise_without_fixed_point(kind: str, activation: ActivationLike, sigma_w: float, sigma_b: float) -> None:
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
