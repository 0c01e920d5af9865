"""In-memory datasets and minibatches in a seeded order.

The order of epoch e is the stable argsort of n standard normals from Philox stream
``training_shuffle`` (substream e) of the run's seed: a pure function of (seed, epoch), the same
on every machine and thread count, and nothing to save in a checkpoint. Batches are consecutive
slices of that order; the last incomplete batch of an epoch is dropped so every step has the
same batch size (and reuses the same buffers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from isometry._core_loader import _core

__all__ = ["Batcher", "Dataset", "epoch_order"]

Array = Any


@dataclass
class Dataset:
    """Host arrays: inputs (n, features) float, targets (n,) int labels or (n, outputs) floats."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int  # outputs of the network (classes, or target dimension for regression)
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if x.ndim != 2 or len(x) != len(y):
                raise ValueError(f"{self.name}: x_{split} must be (n, features) with one target per row; "
                                 f"got shapes {x.shape} and {y.shape}")
        if self.x_train.shape[1] != self.x_test.shape[1]:
            raise ValueError(f"{self.name}: train and test inputs have different widths")

    @property
    def features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def regression(self) -> bool:
        return self.y_train.ndim == 2


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    keys = _core.normal_stream(n, seed, _core.STREAMS["training_shuffle"], epoch, 0)
    return np.argsort(keys, kind="stable")


class Batcher:
    """Copies batch ``step`` (0-based) of the seeded order into reused device buffers."""

    def __init__(self, xp: ModuleType, x: Array, y: Array, batch: int, seed: int) -> None:
        n = x.shape[0]
        if batch > n:
            raise ValueError(f"batch_size {batch} is larger than the {n} training examples")
        self.xp, self.x, self.y, self.batch, self.seed = xp, x, y, batch, seed
        self.steps_per_epoch = n // batch
        self.x_buf = xp.empty((batch, *x.shape[1:]), dtype=x.dtype)
        self.y_buf = xp.empty((batch, *y.shape[1:]), dtype=y.dtype)
        self._epoch = -1
        self._order: Array = None

    def epoch_of(self, step: int) -> int:
        return step // self.steps_per_epoch

    def __call__(self, step: int) -> tuple[Array, Array]:
        epoch, position = divmod(step, self.steps_per_epoch)
        if epoch != self._epoch:
            self._order = self.xp.asarray(epoch_order(self.x.shape[0], self.seed, epoch))
            self._epoch = epoch
        idx = self._order[position * self.batch:(position + 1) * self.batch]
        self.xp.take(self.x, idx, axis=0, out=self.x_buf)
        self.xp.take(self.y, idx, axis=0, out=self.y_buf)
        return self.x_buf, self.y_buf
