"""The in-memory dataset type every loader returns and every training run consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Dataset"]


@dataclass
class Dataset:
    """An in-memory dataset: host arrays of inputs and targets for a train and a test split.

    Every loader returns one and every training run consumes one; ``features`` is the input width
    and ``regression`` whether the targets are vectors.

    Parameters
    ----------
    name : str
        The dataset's name, used in messages.
    x_train : ndarray
        Training inputs, shape (n, features), float.
    y_train : ndarray
        Training targets: (n,) integer labels, or (n, outputs) floats for regression.
    x_test : ndarray
        Test inputs, shape (m, features).
    y_test : ndarray
        Test targets, as ``y_train``.
    classes : int
        Outputs of the network: the number of classes, or the target dimension.
    info : dict, optional
        Provenance: the source, the standardisation applied.

    Raises
    ------
    ValueError
        If the shapes do not match.

    See Also
    --------
    isometry.datasets.digits, isometry.training.load_dataset

    Examples
    --------
    >>> import numpy as np
    >>> from isometry.datasets import Dataset
    >>> d = Dataset("toy", np.zeros((4, 3)), np.arange(4), np.zeros((2, 3)), np.arange(2), classes=4)
    >>> d.features, d.regression
    (3, False)
    """

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
        self._check_values()

    def _check_values(self) -> None:
        """Inputs of a float dtype and finite; class labels integers in [0, classes); regression
        targets finite: one NaN would otherwise surface much later as a diverged run."""
        if (
            isinstance(self.classes, bool)
            or not isinstance(self.classes, (int, np.integer))
            or self.classes < 1
        ):
            raise ValueError(
                f"{self.name}: classes must be a positive integer, got {self.classes!r}"
            )
        for split in ("train", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if x.dtype.kind != "f":
                raise TypeError(f"{self.name}: x_{split} must have a float dtype, got {x.dtype}")
            bad = ~np.isfinite(x)
            if bad.any():
                row, col = np.argwhere(bad)[0]
                raise ValueError(
                    f"{self.name}: x_{split} has a non-finite value ({x[row, col]}) at row {row}, "
                    f"column {col}"
                )
            if y.ndim == 1:
                if y.dtype.kind not in "iu":
                    raise TypeError(
                        f"{self.name}: y_{split} must hold integer class labels, got dtype {y.dtype}"
                    )
                outside = (y < 0) | (y >= self.classes)
                if outside.any():
                    raise ValueError(
                        f"{self.name}: y_{split} has label {y[outside][0]} at row "
                        f"{int(np.argmax(outside))}, outside 0..{self.classes - 1} (classes={self.classes})"
                    )
            elif y.ndim == 2:
                if y.dtype.kind != "f" or not np.all(np.isfinite(y)):
                    raise ValueError(
                        f"{self.name}: y_{split} (regression targets) must be finite floats"
                    )
                if y.shape[1] != self.classes:
                    raise ValueError(
                        f"{self.name}: y_{split} has {y.shape[1]} outputs per row, but classes="
                        f"{self.classes}"
                    )
            else:
                raise ValueError(
                    f"{self.name}: y_{split} must be (n,) labels or (n, outputs) targets, got "
                    f"shape {y.shape}"
                )

    @property
    def features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def regression(self) -> bool:
        return self.y_train.ndim == 2
