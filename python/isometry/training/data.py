"""In-memory datasets and minibatches in a seeded order.

The order of epoch e is the stable argsort of n standard normals from Philox stream
``training_shuffle`` (substream e) of the run's seed: a pure function of (seed, epoch), the same
on every machine and thread count, and nothing to save in a checkpoint. Batches are consecutive
slices of that order; the last incomplete batch of an epoch is dropped so every step has the
same batch size (and reuses the same buffers).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from isometry._internal.core import _core
from isometry.datasets.dataset import Dataset

__all__ = ["Batcher", "Dataset", "epoch_order"]

Array = Any


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    keys = _core.normal_stream(n, seed, _core.STREAMS["training_shuffle"], epoch, 0)
    return np.argsort(keys, kind="stable")


class Batcher:
    """Minibatches in a seeded order, copied into reused device buffers.

    ``batcher(step)`` returns batch ``step`` (0-based) as (inputs, targets). The order of epoch e
    is the stable argsort of n standard normals from Philox stream ``training_shuffle``
    (substream e) of the seed: a pure function of (seed, epoch), the same on every machine and
    thread count. The last incomplete batch of an epoch is dropped.

    Parameters
    ----------
    xp : module
        The array module of ``x`` and ``y``: ``numpy`` or ``cupy``.
    x : array
        Inputs, one example per row.
    y : array
        Targets, one per row of ``x``.
    batch : int
        Examples per batch, at most the number of rows.
    seed : int
        The Philox key of the order.

    Raises
    ------
    ValueError
        If ``batch`` exceeds the number of examples.

    Examples
    --------
    >>> import numpy as np
    >>> from isometry.training import Batcher
    >>> x = np.arange(10.0).reshape(5, 2)
    >>> batches = Batcher(np, x, np.arange(5), batch=2, seed=0)
    >>> xb, yb = batches(0)
    >>> xb.shape, batches.steps_per_epoch  # the fifth example waits for the next epoch
    ((2, 2), 2)
    >>> batches(1)[0] is xb  # the same buffer, refilled
    True
    """

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
        idx = self._order[position * self.batch : (position + 1) * self.batch]
        self.xp.take(self.x, idx, axis=0, out=self.x_buf)
        self.xp.take(self.y, idx, axis=0, out=self.y_buf)
        return self.x_buf, self.y_buf
