"""SGD, momentum, RMSProp and Adam on one flat parameter buffer, with state buffers reused.

Update rules are PyTorch's defaults (so the comparison in benchmarks/ is like for like):

* ``sgd``:      θ ← θ − η g
* ``momentum``: v ← μ v + g;  θ ← θ − η v                      (μ = 0.9)
* ``rmsprop``:  s ← α s + (1 − α) g²;  θ ← θ − η g / (√s + ε)   (α = 0.99, ε = 1e-8)
* ``adam``:     m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
                θ ← θ − η m̂ / (√v̂ + ε), m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)  (0.9, 0.999, 1e-8)

``state()`` / ``load_state()`` give the buffers and step count for checkpoints; restoring them
makes the next update bitwise the same as in an uninterrupted run.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

__all__ = ["OPTIMIZERS", "Optimizer", "make_optimizer"]

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
Array = Any


class Optimizer:
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

    def _update(self, theta: Array, grad: Array, lr: float) -> None:
        raise NotImplementedError

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
        v *= self.hyper.get("momentum", 0.9)
        v += grad
        xp.multiply(v, lr, out=tmp)
        theta -= tmp


class RMSProp(Optimizer):
    buffers = ("square_avg",)

    def _update(self, theta, grad, lr):
        xp, s, tmp = self.xp, self.state_buffers["square_avg"], self._tmp
        alpha = self.hyper.get("alpha", 0.99)
        s *= alpha
        xp.multiply(grad, grad, out=tmp)
        tmp *= 1 - alpha
        s += tmp
        xp.sqrt(s, out=tmp)
        tmp += self.hyper.get("eps", 1e-8)
        xp.divide(grad, tmp, out=tmp)
        tmp *= lr
        theta -= tmp


class Adam(Optimizer):
    buffers = ("exp_avg", "exp_avg_sq")

    def _update(self, theta, grad, lr):
        xp, tmp = self.xp, self._tmp
        m, v = self.state_buffers["exp_avg"], self.state_buffers["exp_avg_sq"]
        b1, b2 = self.hyper.get("beta1", 0.9), self.hyper.get("beta2", 0.999)
        eps = self.hyper.get("eps", 1e-8)
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


_CLASSES = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSProp, "adam": Adam}


def make_optimizer(name: str, xp: ModuleType, size: int, dtype: str, **hyper: float) -> Optimizer:
    if name not in _CLASSES:
        listed = ", ".join(repr(n) for n in OPTIMIZERS)
        raise ValueError(f"optimizer must be one of {listed}; got {name!r}")
    return _CLASSES[name](xp, size, dtype, **hyper)
