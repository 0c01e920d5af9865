"""User-defined activations for the mean-field functions of :mod:`isometry.theory`.

Every function there that takes an activation name also takes an :class:`Activation`. The C++
core evaluates it through the same code as the built-ins (quadrature instead of closed forms),
calling back into Python once per quadrature rule with an array of points, so vectorised
callables are much faster than scalar ones. Calls with a custom activation hold the GIL and run
on the calling thread only.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from isometry._internal import validation as _validation
from isometry._internal.core import _core

__all__ = ["Activation", "ActivationLike"]


class _Batched:
    """Evaluates a user's φ or φ' on a float64 array of points, vectorised or point by point."""

    def __init__(self, function: Callable[[Any], Any], name: str) -> None:
        self.function = function
        self.name = name
        self.vectorised: bool | None = None  # decided on the first call

    def __call__(self, h: np.ndarray) -> np.ndarray:
        if self.vectorised is None:
            # math.tanh and friends raise TypeError on arrays, `if h > 0:` raises ValueError, a
            # function of one float may return the wrong shape: those are scalar functions.
            # Anything else a vectorised call raises is the user's error and propagates.
            try:
                out = self._vectorised(h)
                self.vectorised = True
            except (TypeError, ValueError):
                self.vectorised = False
                out = self._pointwise(h)
        else:
            out = self._vectorised(h) if self.vectorised else self._pointwise(h)
        return self._checked(h, out)

    def _vectorised(self, h: np.ndarray) -> np.ndarray:
        out = np.asarray(self.function(h), dtype=np.float64)
        if out.ndim == 0:  # a constant written without reference to h, e.g. lambda h: 1.0
            return np.full(h.shape, float(out))
        if out.shape != h.shape:
            raise ValueError(
                f"Activation.{self.name} returned shape {out.shape} for an input of shape {h.shape}"
            )
        return out

    def _pointwise(self, h: np.ndarray) -> np.ndarray:
        return np.fromiter(
            (float(self.function(float(x))) for x in h), dtype=np.float64, count=h.size
        )

    def _checked(self, h: np.ndarray, out: np.ndarray) -> np.ndarray:
        bad = ~np.isfinite(out)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"Activation.{self.name} returned {out[i]} at h = {h[i]!r}; it must be finite"
            )
        return out


@dataclass(frozen=True)
class Activation:
    """A nonlinearity φ given by Python callables, accepted wherever an activation name is.

    Parameters
    ----------
    phi, dphi : callable
        φ and its derivative φ'. Either vectorised (a float64 array in, an array of the same
        shape out, e.g. ``numpy.tanh``) or scalar (a float in, a float out, e.g. ``math.tanh``);
        which one is detected on the first call. Values must be finite.
    kinks : sequence of float, default ()
        The points h where φ' jumps (φ itself must be continuous), e.g. ``(0.0,)`` for relu.
        Quadrature splits there (at z = k/√q for variance q); an undeclared jump costs accuracy
        or ends in ``ConvergenceError``. Also declare other places where φ changes on a scale
        much finer than √q.
    name : str, default "custom"
        Used in messages.

    Raises
    ------
    TypeError
        If ``phi`` or ``dphi`` is not callable, ``name`` not a string or ``kinks`` not real
        numbers.
    ValueError
        If a kink is given twice.

    See Also
    --------
    q_star, chi1, jacobian_density

    Notes
    -----
    φ(√q z)² must be negligible against the Gaussian weight at ``|z| = 10`` (any polynomial growth
    is; exponential growth may not be, and is reported). Integrals are computed to a requested
    relative accuracy of 1e-12 (the estimate is conservative).

    Examples
    --------
    >>> import numpy as np
    >>> from isometry import theory
    >>> my_tanh = theory.Activation(np.tanh, lambda h: 1 - np.tanh(h) ** 2, name="my_tanh")
    >>> round(theory.q_star(my_tanh, 1.05, 0.0), 6) == round(theory.q_star("tanh", 1.05, 0.0), 6)
    True
    >>> relu = theory.Activation(lambda h: np.maximum(h, 0), lambda h: (h > 0) * 1.0, kinks=(0.0,))
    >>> round(theory.chi1(relu, 2**0.5, 0.0), 9)
    1.0
    """

    phi: Callable[[Any], Any]
    dphi: Callable[[Any], Any]
    kinks: tuple[float, ...] = ()
    name: str = "custom"
    _core: Any = field(init=False, repr=False, compare=False)
    _dphi_batch: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for arg in ("phi", "dphi"):
            value = getattr(self, arg)
            if not callable(value):
                raise TypeError(
                    f"{arg} must be callable, got {value!r} of type {type(value).__name__}"
                )
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string, got {self.name!r}")
        kinks = self.kinks
        if isinstance(kinks, numbers.Real):
            kinks = (kinks,)
        if not isinstance(kinks, Iterable):
            raise TypeError(f"kinks must be a sequence of real numbers, got {kinks!r}")
        values = sorted(_validation.real(f"kinks[{i}]", k) for i, k in enumerate(kinks))
        for a, b in itertools.pairwise(values):
            if a == b:
                raise ValueError(f"kinks must be distinct, got {a} twice")
        object.__setattr__(self, "kinks", tuple(values))
        phi, dphi = _Batched(self.phi, "phi"), _Batched(self.dphi, "dphi")
        object.__setattr__(self, "_dphi_batch", dphi)
        core = _core.CustomActivation(phi, dphi, list(values), self.name)
        object.__setattr__(self, "_core", core)

    def derivative(self, h: np.ndarray) -> np.ndarray:
        """φ'(h) on a float64 array, checked finite (the same evaluation the core uses)."""
        return self._dphi_batch(np.ascontiguousarray(h, dtype=np.float64))


#: What the mean-field functions accept as an activation.
ActivationLike = str | Activation


def core_activation(activation: object) -> Any:
    """The argument ``_core`` takes for ``activation``: the checked name, or the compiled wrapper."""
    if isinstance(activation, Activation):
        return activation._core
    allowed = ", ".join(repr(a) for a in _validation.ACTIVATIONS)
    if isinstance(activation, str):
        if activation in _validation.ACTIVATIONS:
            return activation
        raise ValueError(
            f"activation must be one of {allowed}, or an isometry.theory.Activation; got {activation!r}"
        )
    raise TypeError(
        f"activation must be a name ({allowed}) or an isometry.theory.Activation, "
        f"got {activation!r} of type {type(activation).__name__}"
    )


def describe(activation: ActivationLike) -> str:
    """Short label for messages: ``'tanh'`` or ``Activation('swish')``."""
    if isinstance(activation, Activation):
        return f"Activation({activation.name!r})"
    return repr(activation)


def is_homogeneous(activation: ActivationLike) -> bool:
    """linear and relu: positively homogeneous, so μ_k and the correlation map do not depend on q."""
    return isinstance(activation, str) and activation in ("linear", "relu")
