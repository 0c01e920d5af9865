"""SGD, momentum, RMSProp and Adam on one flat parameter buffer, with state buffers reused.

Update rules are PyTorch's defaults (so the comparison in benchmarks/ is like for like):

* ``sgd``:      θ ← θ − η g
* ``momentum``: v ← μ v + g;  θ ← θ − η v                      (μ = 0.9)
* ``rmsprop``:  s ← α s + (1 − α) g²;  θ ← θ − η g / (√s + ε)   (α = 0.99, ε = 1e-8)
* ``adam``:     m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
                θ ← θ − η m̂ / (√v̂ + ε), m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)  (0.9, 0.999, 1e-8)

Hyperparameters other than the learning rate are the ``optimizer_options`` of a run; each
optimizer takes only its own (:data:`HYPERPARAMETERS`, with their defaults): decay rates μ, α,
β₁, β₂ in [0, 1) and ε > 0.

``state()`` / ``load_state()`` give the buffers and step count for checkpoints; restoring them
makes the next update bitwise the same as in an uninterrupted run.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

__all__ = [
    "HYPERPARAMETERS",
    "OPTIMIZERS",
    "Optimizer",
    "make_optimizer",
    "validate_grid_options",
    "validate_options",
]

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
# The options each optimizer takes, with their defaults (PyTorch's).
HYPERPARAMETERS: dict[str, dict[str, float]] = {
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8},
    "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}
_DECAY_RATES = ("momentum", "alpha", "beta1", "beta2")  # in [0, 1): 1 never forgets, > 1 blows up
Array = Any


def validate_options(name: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` of optimizer ``name`` checked: known keys only, decay rates in [0, 1), eps > 0."""
    if name not in HYPERPARAMETERS:
        listed = ", ".join(repr(n) for n in OPTIMIZERS)
        raise ValueError(f"optimizer must be one of {listed}; got {name!r}")
    if not isinstance(options, Mapping):
        raise TypeError(f"optimizer_options for {name!r} must be a dict, got {options!r}")
    allowed = HYPERPARAMETERS[name]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        takes = f"takes only {sorted(allowed)}" if allowed else "takes no options"
        raise ValueError(f"optimizer {name!r} {takes}; got unknown option(s) {unknown}")
    for key, value in options.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or not math.isfinite(value)
        ):
            raise ValueError(f"optimizer {name!r}: {key} must be a finite number, got {value!r}")
        if key in _DECAY_RATES and not 0 <= float(value) < 1:
            raise ValueError(f"optimizer {name!r}: {key} must lie in [0, 1), got {value!r}")
        if key == "eps" and not float(value) > 0:
            raise ValueError(f"optimizer {name!r}: eps must be > 0, got {value!r}")
    return dict(options)


def validate_grid_options(
    optimizers: Sequence[str], options: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """A grid's ``optimizer_options`` (optimizer → options): only for optimizers of the grid."""
    if not isinstance(options, Mapping):
        raise TypeError(f"optimizer_options must be a dict optimizer → options, got {options!r}")
    stray = sorted(set(options) - set(optimizers))
    if stray:
        raise ValueError(
            f"optimizer_options has options for {stray}, which are not in optimizers {list(optimizers)}"
        )
    return {name: validate_options(name, opts) for name, opts in options.items()}


class Optimizer(ABC):
    """In-place update of the flat parameter vector; subclasses define the rule in ``_update``."""

    buffers: tuple[str, ...] = ()

    def __init__(self, xp: ModuleType, size: int, dtype: str, **hyper: float) -> None:
        self.xp = xp
        self.hyper = hyper
        self.t = 0
        self._tmp = xp.empty(size, dtype=dtype)
        self.state_buffers = {name: xp.zeros(size, dtype=dtype) for name in self.buffers}

    def step(self, theta: Array, grad: Array, lr: float) -> None:
        self.t += 1
        self._update(theta, grad, float(lr))

    @abstractmethod
    def _update(self, theta: Array, grad: Array, lr: float) -> None:
        """theta ← theta − (the rule's step for grad at learning rate lr), in place."""

    def state(self) -> dict[str, Any]:
        return {"t": self.t, **self.state_buffers}

    def load_state(self, state: dict[str, Any]) -> None:
        self.t = int(state["t"])
        for name, buf in self.state_buffers.items():
            if name not in state or tuple(state[name].shape) != buf.shape:
                raise ValueError(f"optimizer state lacks a matching {name!r} buffer")
            buf[...] = self.xp.asarray(state[name])


class SGD(Optimizer):
    def _update(self, theta, grad, lr):
        xp, tmp = self.xp, self._tmp
        xp.multiply(grad, lr, out=tmp)
        theta -= tmp


class Momentum(Optimizer):
    buffers = ("velocity",)

    def _update(self, theta, grad, lr):
        xp, v, tmp = self.xp, self.state_buffers["velocity"], self._tmp
        v *= self.hyper["momentum"]
        v += grad
        xp.multiply(v, lr, out=tmp)
        theta -= tmp


class RMSProp(Optimizer):
    buffers = ("square_avg",)

    def _update(self, theta, grad, lr):
        xp, s, tmp = self.xp, self.state_buffers["square_avg"], self._tmp
        alpha = self.hyper["alpha"]
        s *= alpha
        xp.multiply(grad, grad, out=tmp)
        tmp *= 1 - alpha
        s += tmp
        xp.sqrt(s, out=tmp)
        tmp += self.hyper["eps"]
        xp.divide(grad, tmp, out=tmp)
        tmp *= lr
        theta -= tmp


class Adam(Optimizer):
    buffers = ("exp_avg", "exp_avg_sq")

    def _update(self, theta, grad, lr):
        xp, tmp = self.xp, self._tmp
        m, v = self.state_buffers["exp_avg"], self.state_buffers["exp_avg_sq"]
        b1, b2 = self.hyper["beta1"], self.hyper["beta2"]
        eps = self.hyper["eps"]
        m *= b1
        xp.multiply(grad, 1 - b1, out=tmp)
        m += tmp
        v *= b2
        xp.multiply(grad, grad, out=tmp)
        tmp *= 1 - b2
        v += tmp
        # θ −= (η/(1−β₁ᵗ)) m / (√v/√(1−β₂ᵗ) + ε), as torch.optim.Adam computes it.
        step_size = lr / (1 - b1**self.t)
        xp.sqrt(v, out=tmp)
        tmp /= math.sqrt(1 - b2**self.t)
        tmp += eps
        xp.divide(m, tmp, out=tmp)
        tmp *= step_size
        theta -= tmp


_CLASSES: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "rmsprop": RMSProp,
    "adam": Adam,
}


def make_optimizer(name: str, xp: ModuleType, size: int, dtype: str, **hyper: float) -> Optimizer:
    hyper = validate_options(name, hyper)
    return _CLASSES[name](xp, size, dtype, **{**HYPERPARAMETERS[name], **hyper})
