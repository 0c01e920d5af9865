"""The in-memory dataset type every loader returns and every training run consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Dataset"]


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
                raise ValueError(
                    f"{self.name}: x_{split} must be (n, features) with one target per row; "
                    f"got shapes {x.shape} and {y.shape}"
                )
        if self.x_train.shape[1] != self.x_test.shape[1]:
            raise ValueError(f"{self.name}: train and test inputs have different widths")

    @property
    def features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def regression(self) -> bool:
        return self.y_train.ndim == 2
