"""Losses with their gradients with respect to the logits, into reused buffers.

Both return ``(loss, accuracy)`` as 0-d arrays of the array module (no device→host copy per
step; the runner fetches a chunk of steps at once) and leave ∂loss/∂logits in ``self.grad``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

__all__ = ["LOSSES", "SoftmaxCrossEntropy", "SquaredError", "make_loss"]

LOSSES = ("cross_entropy", "squared_error")
Array = Any


class SoftmaxCrossEntropy:
    """Mean over the batch of −log softmax(logits)[label]; accuracy of the arg-max."""

    def __init__(self, xp: ModuleType, batch: int, classes: int, dtype: str) -> None:
        self.xp = xp
        self.grad = xp.empty((batch, classes), dtype=dtype)
        self._shift = xp.empty((batch, 1), dtype=dtype)
        self._rows = xp.arange(batch)

    def __call__(
        self, logits: Array, labels: Array, *, gradient: bool = True
    ) -> tuple[Array, Array]:
        xp = self.xp
        batch = logits.shape[0]
        z = self.grad[:batch]
        shift = self._shift[:batch]
        xp.max(logits, axis=1, keepdims=True, out=shift)
        xp.subtract(logits, shift, out=z)  # z = logits − max ≤ 0: exp cannot overflow
        picked = z[self._rows[:batch], labels]  # z of the true class (a small copy)
        xp.exp(z, out=z)
        xp.sum(z, axis=1, keepdims=True, out=shift)  # Σ exp z ≥ 1
        loss = xp.mean(xp.log(shift[:, 0]) - picked)
        accuracy = xp.mean(xp.argmax(logits, axis=1) == labels)
        if gradient:
            z /= shift  # softmax
            z[self._rows[:batch], labels] -= 1
            z /= batch
        return loss, accuracy


class SquaredError:
    """(1/2B) Σ_μ |ŷ_μ − y_μ|² for regression targets (the deep-linear experiments of Saxe et al.);
    accuracy is the arg-max agreement with the targets' arg-max (meaningful for one-hot targets)."""

    def __init__(self, xp: ModuleType, batch: int, outputs: int, dtype: str) -> None:
        self.xp = xp
        self.grad = xp.empty((batch, outputs), dtype=dtype)

    def __call__(
        self, outputs: Array, targets: Array, *, gradient: bool = True
    ) -> tuple[Array, Array]:
        xp = self.xp
        batch = outputs.shape[0]
        r = self.grad[:batch]
        xp.subtract(outputs, targets, out=r)
        loss = 0.5 * xp.sum(r * r) / batch
        accuracy = xp.mean(xp.argmax(outputs, axis=1) == xp.argmax(targets, axis=1))
        if gradient:
            r /= batch
        return loss, accuracy


def make_loss(name: str, xp: ModuleType, batch: int, outputs: int, dtype: str):
    if name == "cross_entropy":
        return SoftmaxCrossEntropy(xp, batch, outputs, dtype)
    if name == "squared_error":
        return SquaredError(xp, batch, outputs, dtype)
    listed = ", ".join(repr(n) for n in LOSSES)
    raise ValueError(f"loss must be one of {listed}; got {name!r}")
