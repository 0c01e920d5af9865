"""Activations φ and their derivatives for the trainer, on any array module, writing into buffers.

Conventions are the theory code's: ``erf`` is φ(h) = erf(√π h / 2) (slope 1 at 0), so
φ'(h) = exp(−π h²/4). ``linear`` is the identity; the model then skips φ and φ' altogether.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from isometry._internal.validation import ACTIVATIONS

__all__ = ["ACTIVATIONS", "Activation", "activation"]

_SQRT_PI_HALF = math.sqrt(math.pi) / 2
_MINUS_PI_QUARTER = -math.pi / 4

Array = Any


def _erf_function(xp: ModuleType) -> Callable[[Array, Array], Array]:
    """erf(h, out) for this array module.

    NumPy has no erf ufunc: scipy.special.erf when SciPy is installed, else math.erf elementwise
    (exact to double rounding like SciPy, but about 50x slower). CuPy has cupyx.scipy.special.erf.
    """
    if xp is not np:
        from cupyx.scipy.special import erf as cupy_erf

        return lambda h, out: cupy_erf(h, out=out)
    try:
        from scipy.special import erf as scipy_erf
    except ImportError:
        slow = np.frompyfunc(math.erf, 1, 1)

        def erf(h: Array, out: Array) -> Array:
            out[...] = slow(h)
            return out

        return erf
    return lambda h, out: scipy_erf(h, out=out)


class Activation:
    """``forward(h, out)`` writes φ(h); ``derivative(h, x, out)`` writes φ'(h) given x = φ(h)."""

    def __init__(self, name: str, xp: ModuleType) -> None:
        if name not in ACTIVATIONS:
            listed = ", ".join(repr(a) for a in ACTIVATIONS)
            raise ValueError(f"activation must be one of {listed}; got {name!r}")
        self.name = name
        self.xp = xp
        self.is_linear = name == "linear"
        if name == "erf":
            self._erf = _erf_function(xp)

    def forward(self, h: Array, out: Array) -> Array:
        xp, name = self.xp, self.name
        if name == "tanh":
            return xp.tanh(h, out=out)
        if name == "relu":
            return xp.maximum(h, 0, out=out)
        if name == "hard_tanh":
            return xp.clip(h, -1, 1, out=out)
        if name == "erf":
            xp.multiply(h, _SQRT_PI_HALF, out=out)
            return self._erf(out, out)
        out[...] = h
        return out

    def derivative(self, h: Array, x: Array, out: Array) -> Array:
        """φ'(h). At the kinks (relu at 0, hard_tanh at ±1) the one-sided value 0 is used."""
        xp, name = self.xp, self.name
        if name == "tanh":
            # sech² h = 4e/(1 + e)², e = exp(−2|h|), as the C++ core computes it: 1 − tanh² h is
            # exactly 0 for |h| > 19.1, where sech² h ≈ 4e^{−2|h|} is still representable.
            xp.abs(h, out=out)
            xp.multiply(out, -2.0, out=out)
            xp.exp(out, out=out)
            e_plus_one = out + 1.0
            xp.multiply(out, 4.0, out=out)
            return xp.divide(out, e_plus_one * e_plus_one, out=out)
        if name == "relu":
            return xp.greater(h, 0, out=out)
        if name == "hard_tanh":
            xp.abs(h, out=out)
            return xp.less(out, 1, out=out)
        if name == "erf":
            xp.multiply(h, h, out=out)
            xp.multiply(out, _MINUS_PI_QUARTER, out=out)
            return xp.exp(out, out=out)
        out[...] = 1
        return out


def activation(name: str, xp: ModuleType = np) -> Activation:
    return Activation(name, xp)
